package dev.cairn.anchor;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampResponseGenerator;
import org.bouncycastle.tsp.TimeStampTokenGenerator;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;

/**
 * A real RFC 3161 Time-Stamp Authority in the test process: BouncyCastle's TimeStampTokenGenerator
 * behind the JDK's HTTP server on 127.0.0.1. It can be taken down and brought back, and counts the
 * tokens it issued per message imprint.
 */
public final class TestTsa implements AutoCloseable {
  public final X509Certificate certificate;
  public final Map<String, AtomicInteger> issued = new ConcurrentHashMap<>();
  public final AtomicBoolean down = new AtomicBoolean();
  private final HttpServer server;
  private final TimeStampTokenGenerator generator;
  private final AtomicInteger serial = new AtomicInteger();

  public TestTsa() throws Exception {
    KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(256);
    KeyPair kp = kpg.generateKeyPair();
    X500Name name = new X500Name("CN=Cairn Test TSA");
    long now = System.currentTimeMillis();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, new Date(now - 86_400_000L),
        new Date(now + 86_400_000L * 365), name, kp.getPublic());
    b.addExtension(Extension.extendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeId.id_kp_timeStamping));
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
    certificate = new JcaX509CertificateConverter().getCertificate(b.build(signer));
    generator = new TimeStampTokenGenerator(
        new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()), certificate),
        new JcaDigestCalculatorProviderBuilder().build().get(
            new org.bouncycastle.asn1.x509.AlgorithmIdentifier(org.bouncycastle.asn1.oiw.OIWObjectIdentifiers.idSHA1)),
        new ASN1ObjectIdentifier("1.2.3.4.1"));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/tsa", exchange -> {
      try (exchange) {
        if (down.get()) {
          exchange.sendResponseHeaders(503, -1);
          return;
        }
        byte[] body = exchange.getRequestBody().readAllBytes();
        TimeStampRequest req = new TimeStampRequest(body);
        TimeStampResponse resp = new TimeStampResponseGenerator(generator, TSPAlgorithms.ALLOWED)
            .generate(req, BigInteger.valueOf(serial.incrementAndGet()), new Date());
        byte[] out = resp.getEncoded();
        issued.computeIfAbsent(HexFormat.of().formatHex(req.getMessageImprintDigest()), k -> new AtomicInteger())
            .incrementAndGet();
        exchange.getResponseHeaders().add("Content-Type", "application/timestamp-reply");
        exchange.sendResponseHeaders(200, out.length);
        exchange.getResponseBody().write(out);
      } catch (Exception e) {
        throw new IOException(e);
      }
    });
    server.start();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/tsa");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
