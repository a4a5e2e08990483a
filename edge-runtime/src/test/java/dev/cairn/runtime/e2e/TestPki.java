package dev.cairn.runtime.e2e;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates for TLS tests: EC P-256 CAs, a gateway certificate for 127.0.0.1, device certificates. */
public final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private TestPki() {}

  /** A key and its certificate, and the issuer's certificate (itself for a CA). */
  public record Issued(KeyPair keys, X509Certificate cert, X509Certificate issuer) {
    /** Writes {@code name}.pem (certificate) and {@code name}.key (PKCS#8, owner-only) into {@code dir}. */
    public PemFiles write(Path dir, String name) throws IOException {
      Path cert = dir.resolve(name + ".pem");
      Path key = dir.resolve(name + ".key");
      Files.writeString(cert, pem(this.cert));
      Files.deleteIfExists(key);
      Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(key, pem(keys.getPrivate()));
      return new PemFiles(cert, key);
    }

    /** A client-side TLS context presenting this certificate (null keys: none) and trusting {@code trusted}. */
    public SSLContext clientContext(X509Certificate trusted) throws Exception {
      return TestPki.clientContext(this, trusted);
    }
  }

  /** The two files of {@link Issued#write}. */
  public record PemFiles(Path cert, Path key) {}

  public static Issued ca(String cn) throws Exception {
    return issue(cn, null, true, List.of(), Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(30)));
  }

  /** The gateway's certificate, valid for 127.0.0.1 and localhost. */
  public static Issued gateway(Issued ca) throws Exception {
    return issue("cairn-gateway", ca, false, List.of(new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
        new GeneralName(GeneralName.dNSName, "localhost")), Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(30)));
  }

  /** A device certificate with subject CN {@code cn}, valid now. */
  public static Issued device(String cn, Issued ca) throws Exception {
    return issue(cn, ca, false, List.of(), Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(30)));
  }

  /** A device certificate whose validity ended yesterday. */
  public static Issued expiredDevice(String cn, Issued ca) throws Exception {
    return issue(cn, ca, false, List.of(), Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)));
  }

  /** A device certificate with a dNSName subject alternative name. */
  public static Issued deviceWithDnsName(String cn, String dnsName, Issued ca) throws Exception {
    return issue(cn, ca, false, List.of(new GeneralName(GeneralName.dNSName, dnsName)),
        Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(30)));
  }

  static Issued issue(String cn, Issued issuer, boolean isCa, List<GeneralName> sans, Instant from, Instant to) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = g.generateKeyPair();
    X500Name subject = new X500Name("CN=" + cn);
    X500Name issuerName = issuer == null ? subject : new X500Name(issuer.cert().getSubjectX500Principal().getName());
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(from), Date.from(to), subject, keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    b.addExtension(Extension.keyUsage, true,
        new KeyUsage(isCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
    if (!sans.isEmpty()) {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
    }
    PrivateKey signer = issuer == null ? keys.getPrivate() : issuer.keys().getPrivate();
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    return new Issued(keys, cert, issuer == null ? cert : issuer.cert());
  }

  static SSLContext clientContext(Issued client, X509Certificate trusted) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", trusted);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (client != null) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      List<X509Certificate> chain = new ArrayList<>(List.of(client.cert()));
      if (!client.issuer().equals(client.cert())) {
        chain.add(client.issuer());
      }
      ks.setKeyEntry("me", client.keys().getPrivate(), new char[0], chain.toArray(X509Certificate[]::new));
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
    return ctx;
  }

  public static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
    }
    return w.toString();
  }
}
