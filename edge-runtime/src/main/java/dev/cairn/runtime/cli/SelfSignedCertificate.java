package dev.cairn.runtime.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed EC P-256 TLS certificate and its key (PKCS#8, owner-only), for a gateway's first start
 * ({@code cairn credentials tls-cert}, deploy/install.sh) and for benchmarks. Devices trust it by pinning it
 * (mosquitto's --cafile); replace it with one from your own CA for a fleet.
 */
final class SelfSignedCertificate {
  private SelfSignedCertificate() {}

  /** The two PEM files written. */
  record PemFiles(Path cert, Path key) {}

  /** A certificate for 127.0.0.1, valid for a day, in {@code dir}: what the benchmarks use. */
  static PemFiles forBenchmark(Path dir) throws IOException {
    return write(dir.resolve("bench-gateway.pem"), dir.resolve("bench-gateway.key"), "cairn-bench", List.of("127.0.0.1"),
        Duration.ofDays(1));
  }

  /**
   * Writes a certificate for {@code names} (host names or IP addresses; the first is also its CN), valid for
   * {@code validity}, to {@code certFile}, and its key to {@code keyFile} (created owner-only).
   */
  static PemFiles write(Path certFile, Path keyFile, String cn, List<String> names, Duration validity) throws IOException {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair keys = g.generateKeyPair();
      X500Name name = new org.bouncycastle.asn1.x500.X500NameBuilder().addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, cn).build();
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), name, keys.getPublic());
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.stream()
          .map(n -> new GeneralName(isIpAddress(n) ? GeneralName.iPAddress : GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
      Object cert = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      Files.writeString(certFile, pem(cert));
      Files.deleteIfExists(keyFile);
      Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null)));
      return new PemFiles(certFile, keyFile);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("could not make the benchmark's TLS certificate: " + e.getMessage(), e);
    }
  }

  static boolean isIpAddress(String name) {
    return name.matches("[0-9.]+") || name.contains(":");
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }
}
