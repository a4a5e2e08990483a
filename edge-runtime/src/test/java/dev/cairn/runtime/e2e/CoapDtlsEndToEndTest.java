package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.ConfigException;
import dev.cairn.runtime.config.ConfigLoader;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.exception.ConnectorException;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * coaps with pre-shared keys and with X.509 certificates, driven by Californium's DTLS client against a
 * whole gateway: the device is its PSK identity or its certificate's CN.
 */
class CoapDtlsEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SAXPY = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dir;
  Gateway gateway;
  Issued ca;
  Issued otherCa;

  /** A key pair and its certificate. */
  record Issued(KeyPair keys, X509Certificate cert) {}

  @BeforeEach
  void start() throws Exception {
    ca = issue("cairn-test-ca", null, true);
    otherCa = issue("someone-else-ca", null, true);
    Issued gw = issue("gateway", ca, false);
    Path credentials = dir.resolve("gateway.pem");
    Files.createFile(credentials, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(credentials, pem(gw.keys().getPrivate()) + pem(gw.cert()));
    Path trusted = dir.resolve("devices-ca.pem");
    Files.writeString(trusted, pem(ca.cert()));
    Path psk = dir.resolve("psk.txt");
    Files.createFile(psk, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(psk, "pskdev=s3cret\n");
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, """
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: 0}
        admin: {port: 0}
        coap:
          host: 127.0.0.1
          port: 0
          dtls: {port: 0, pskFile: "%s", certificate: "%s", trustedCertificates: "%s"}
        """.formatted(dir.resolve("data"), psk, credentials, trusted));
    gateway = TestGateways.start(yaml);
  }

  @AfterEach
  void stop() throws Exception {
    TestGateways.stop(gateway);
  }

  @Test
  void deviceWithACertificateOfTheTrustedCaIsItsCommonName() throws Exception {
    Issued dev = issue("sensor-7", ca, false);
    CoapResponse r = post(certificateClient(dev), "/jobs", SAXPY.formatted("x1"));
    assertEquals(ResponseCode.CONTENT, r.getCode(), r.getResponseText());
    JsonNode result = JSON.readTree(r.getPayload());
    assertEquals("ok", result.path("status").asText());
    assertEquals(ResponseCode.CONTENT, plainGet("/jobs/x1?d=sensor-7").getCode(), "the job is recorded as sensor-7's");
    assertEquals(ResponseCode.NOT_FOUND, plainGet("/jobs/x1?d=sensor-8").getCode());
    // Its certificate names it: it may not act as another device.
    CoapResponse other = post(certificateClient(dev), "/jobs?d=sensor-8", SAXPY.formatted("x2"));
    assertEquals(ResponseCode.FORBIDDEN, other.getCode());
    assertTrue(other.getResponseText().contains("certificate CN"), other.getResponseText());
  }

  @Test
  void certificateOfAnUntrustedCaIsRefusedInTheHandshake() throws Exception {
    Issued rogue = issue("sensor-7", otherCa, false);
    CoapClient client = certificateClient(rogue);
    try {
      client.setTimeout(3_000L);
      CoapResponse r = null;
      try {
        r = client.setURI(uri("/jobs")).post(SAXPY.formatted("r1").getBytes(StandardCharsets.UTF_8), MediaTypeRegistry.APPLICATION_JSON);
      } catch (ConnectorException | IOException e) {
        // refused in the handshake
      }
      assertEquals(null, r, "no answer without a trusted certificate");
    } finally {
      client.getEndpoint().destroy();
      client.shutdown();
    }
  }

  @Test
  void pskDevicesStillWorkBesideCertificates() throws Exception {
    Configuration config = new Configuration();
    DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(config)
        .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY)
        .setAdvancedPskStore(new AdvancedSinglePskStore("pskdev", "s3cret".getBytes(StandardCharsets.UTF_8)));
    CoapClient client = client(config, b);
    CoapResponse r = post(client, "/jobs", SAXPY.formatted("p1"));
    assertEquals(ResponseCode.CONTENT, r.getCode(), r.getResponseText());
    assertEquals("ok", JSON.readTree(r.getPayload()).path("status").asText());
    assertEquals(ResponseCode.CONTENT, plainGet("/jobs/p1?d=pskdev").getCode(), "the job is recorded as pskdev's");
  }

  @Test
  void halfAnX509ConfigurationAndAGroupReadableKeyAreRefusedWithTheFix() throws Exception {
    Path yaml = dir.resolve("half.yaml");
    Files.writeString(yaml, "coap: {dtls: {certificate: \"" + dir.resolve("gateway.pem") + "\"}}\n");
    ConfigException half = assertThrows(ConfigException.class, () -> ConfigLoader.load(yaml).coapOptions());
    assertTrue(half.getMessage().contains("trustedCertificates"), half.getMessage());
    Path loose = dir.resolve("loose.pem");
    Files.copy(dir.resolve("gateway.pem"), loose);
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
    Files.writeString(yaml, "coap: {dtls: {certificate: \"" + loose + "\", trustedCertificates: \"" + dir.resolve("devices-ca.pem") + "\"}}\n");
    ConfigException open = assertThrows(ConfigException.class, () -> ConfigLoader.load(yaml).coapOptions());
    assertTrue(open.getMessage().contains("chmod 600"), open.getMessage());
  }

  CoapResponse plainGet(String path) throws Exception {
    CoapClient client = new CoapClient("coap://127.0.0.1:" + gateway.coapPort() + path);
    try {
      return client.get();
    } finally {
      client.shutdown();
    }
  }

  String uri(String path) {
    return "coaps://127.0.0.1:" + gateway.coapsPort() + path;
  }

  CoapResponse post(CoapClient client, String path, String body) throws Exception {
    try {
      client.setTimeout(10_000L);
      return client.setURI(uri(path)).post(body.getBytes(StandardCharsets.UTF_8), MediaTypeRegistry.APPLICATION_JSON);
    } finally {
      client.getEndpoint().destroy();
      client.shutdown();
    }
  }

  CoapClient certificateClient(Issued device) {
    Configuration config = new Configuration();
    DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(config)
        .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY)
        .setCertificateIdentityProvider(new SingleCertificateProvider(device.keys().getPrivate(),
            new X509Certificate[] {device.cert()}, CertificateType.X_509))
        .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder().setTrustedCertificates(ca.cert()).build());
    return client(config, b);
  }

  static CoapClient client(Configuration config, DtlsConnectorConfig.Builder b) {
    b.setAddress(new InetSocketAddress("127.0.0.1", 0));
    CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(config).setConnector(new DTLSConnector(b.build())).build();
    CoapClient client = new CoapClient();
    client.setEndpoint(endpoint);
    return client;
  }

  /** An EC P-256 certificate for {@code cn}, self-signed when {@code issuer} is null. */
  static Issued issue(String cn, Issued issuer, boolean isCa) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = g.generateKeyPair();
    Instant now = Instant.now();
    X500Name subject = new X500Name("CN=" + cn);
    X500Name issuerName = issuer == null ? subject : new X500Name(issuer.cert().getSubjectX500Principal().getName());
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), subject, keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    b.addExtension(Extension.keyUsage, true,
        new KeyUsage(isCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
    if (!isCa) {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    }
    PrivateKey signer = issuer == null ? keys.getPrivate() : issuer.keys().getPrivate();
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    return new Issued(keys, cert);
  }

  static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o instanceof PrivateKey k ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
    }
    return w.toString();
  }
}
