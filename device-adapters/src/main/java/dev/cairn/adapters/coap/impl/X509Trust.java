package dev.cairn.adapters.coap.impl;

import dev.cairn.adapters.coap.CoapEndpointOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import org.eclipse.californium.elements.util.SslContextUtil;

/** The gateway's X.509 identity and the CA certificates devices must chain to, read from PEM files. */
record X509Trust(PrivateKey privateKey, X509Certificate[] chain, X509Certificate[] trusted) {

  static X509Trust load(CoapEndpointOptions.X509 files) {
    Path credentials = files.credentials();
    Path trusted = files.trusted();
    SslContextUtil.Credentials own;
    try {
      own = SslContextUtil.loadCredentials(readable(credentials, "coap.dtls.certificate"));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("coap.dtls.certificate " + credentials
          + " must be a PEM file with the gateway's private key (PKCS#8 or EC) and its certificate chain: " + e.getMessage(), e);
    }
    if (own.getPrivateKey() == null || own.getCertificateChain() == null || own.getCertificateChain().length == 0) {
      throw new IllegalArgumentException("coap.dtls.certificate " + credentials
          + " must hold both the gateway's private key and its certificate chain (PEM), "
          + (own.getPrivateKey() == null ? "no private key found" : "no certificate found"));
    }
    Certificate[] cas;
    try {
      cas = SslContextUtil.loadTrustedCertificates(readable(trusted, "coap.dtls.trustedCertificates"));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("coap.dtls.trustedCertificates " + trusted
          + " must be a PEM file of the CA certificates that issue device certificates: " + e.getMessage(), e);
    }
    if (cas == null || cas.length == 0) {
      throw new IllegalArgumentException("coap.dtls.trustedCertificates " + trusted + " holds no certificate");
    }
    return new X509Trust(own.getPrivateKey(), own.getCertificateChain(),
        Arrays.stream(cas).map(X509Certificate.class::cast).toArray(X509Certificate[]::new));
  }

  private static String readable(Path file, String setting) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException(setting + " " + file + " does not exist or cannot be read");
    }
    if (!file.getFileName().toString().endsWith(".pem")) {
      throw new IOException("the file name must end with .pem (PEM is the only format read)");
    }
    return file.toAbsolutePath().toString();
  }
}
