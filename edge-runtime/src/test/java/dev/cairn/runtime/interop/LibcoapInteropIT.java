package dev.cairn.runtime.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.e2e.TestGateways;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CoAP endpoint driven by libcoap's coap-client (Debian libcoap3-bin): plain, block-wise, DTLS PSK,
 * and DTLS with X.509 certificates made by openssl.
 */
class LibcoapInteropIT {
  static final String JOB = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dir;
  Gateway gateway;

  @BeforeEach
  void start() throws Exception {
    Path psk = dir.resolve("psk.txt");
    Files.createFile(psk, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(psk, "# device keys\ndev1=s3cret-of-dev1\ndev2=hex:00112233445566778899aabbccddeeff\n");
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, """
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: 0}
        admin: {port: 0}
        coap:
          host: 127.0.0.1
          port: 0
          dtls: {port: 0, pskFile: "%s"}
        """.formatted(dir.resolve("data"), psk));
    gateway = TestGateways.start(yaml);
  }

  @AfterEach
  void stop() throws Exception {
    TestGateways.stop(gateway);
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
    return out;
  }

  @Test
  void plainJob() throws Exception {
    String client = ExternalTools.require("coap-client-notls", "libcoap3-bin");
    String out = run(client, "-B", "10", "-m", "post", "-t", "50", "-e", JOB.formatted("p1"),
        "coap://127.0.0.1:" + gateway.coapPort() + "/jobs?d=dev1");
    assertTrue(out.contains("\"status\":\"ok\"") && out.contains("[6.0,9.0,12.0]"), out);
  }

  @Test
  void blockWiseJob() throws Exception {
    String client = ExternalTools.require("coap-client-notls", "libcoap3-bin");
    StringBuilder xs = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      xs.append(i == 0 ? "" : ",").append(i % 89);
    }
    Path job = dir.resolve("big.json");
    Files.writeString(job, "{\"id\":\"b1\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":1},\"inputs\":{\"x\":[" + xs + "],\"y\":[" + xs + "]}}");
    assertTrue(Files.size(job) > 10_000);
    String out = run(client, "-B", "20", "-m", "post", "-t", "50", "-b", "1024", "-f", job.toString(),
        "coap://127.0.0.1:" + gateway.coapPort() + "/jobs?d=dev1");
    assertTrue(out.contains("\"status\":\"ok\""), out.length() > 400 ? out.substring(0, 400) : out);
    assertTrue(out.contains("176.0"), "the block-wise result is complete: 2*88 appears in it");
  }

  @Test
  void dtlsPskJobWithTheRightKeyAndRefusalWithAWrongOne() throws Exception {
    String client = ExternalTools.require("coap-client-openssl", "libcoap3-bin");
    String uri = "coaps://127.0.0.1:" + gateway.coapsPort() + "/jobs";
    String ok = run(client, "-B", "10", "-m", "post", "-t", "50", "-u", "dev1", "-k", "s3cret-of-dev1", "-e", JOB.formatted("d1"), uri);
    assertTrue(ok.contains("\"status\":\"ok\""), ok);
    String wrong = run(client, "-B", "5", "-m", "post", "-t", "50", "-u", "dev1", "-k", "not-the-key", "-e", JOB.formatted("d2"), uri);
    assertFalse(wrong.contains("\"status\""), wrong);
    // A DTLS device is its PSK identity: it may not name another device.
    String other = run(client, "-B", "10", "-m", "post", "-t", "50", "-u", "dev1", "-k", "s3cret-of-dev1", "-e", JOB.formatted("d3"), uri + "?d=dev2");
    assertTrue(other.contains("4.03") || other.contains("may not act as"), other);
    assertEquals(-1, other.indexOf("\"status\":\"ok\""));
  }

  @Test
  void dtlsX509JobWithACertificateOfTheTrustedCaAndRefusalOfAnother() throws Exception {
    String client = ExternalTools.require("coap-client-openssl", "libcoap3-bin");
    Path pki = Files.createDirectory(dir.resolve("pki"));
    OpensslPki.ca(pki, "ca");
    OpensslPki.ca(pki, "rogue-ca");
    OpensslPki.issue(pki, "gateway", "gateway", "ca", "serverAuth");
    OpensslPki.issue(pki, "sensor", "sensor-9", "ca", "clientAuth");
    OpensslPki.issue(pki, "rogue", "sensor-9", "rogue-ca", "clientAuth");
    Path credentials = pki.resolve("gateway-credentials.pem");
    Files.createFile(credentials, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(credentials, Files.readString(pki.resolve("gateway.key")) + Files.readString(pki.resolve("gateway.pem")));
    Path yaml = dir.resolve("x509.yaml");
    Files.writeString(yaml, """
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: 0}
        admin: {port: 0}
        coap:
          host: 127.0.0.1
          port: 0
          dtls: {port: 0, certificate: "%s", trustedCertificates: "%s"}
        """.formatted(dir.resolve("data-x509"), credentials, pki.resolve("ca.pem")));
    Gateway x509 = TestGateways.start(yaml);
    try {
      String uri = "coaps://127.0.0.1:" + x509.coapsPort() + "/jobs";
      String ok = run(client, "-B", "10", "-m", "post", "-t", "50", "-c", pki.resolve("sensor.pem").toString(),
          "-j", pki.resolve("sensor.key").toString(), "-C", pki.resolve("ca.pem").toString(), "-e", JOB.formatted("x1"), uri);
      assertTrue(ok.contains("\"status\":\"ok\""), ok);
      // The job is sensor-9's: its certificate's CN.
      String mine = run(client, "-B", "10", "-m", "get", "-c", pki.resolve("sensor.pem").toString(),
          "-j", pki.resolve("sensor.key").toString(), "-C", pki.resolve("ca.pem").toString(), uri + "/x1?d=sensor-9");
      assertTrue(mine.contains("\"status\":\"ok\""), mine);
      String rogue = run(client, "-B", "5", "-m", "post", "-t", "50", "-c", pki.resolve("rogue.pem").toString(),
          "-j", pki.resolve("rogue.key").toString(), "-C", pki.resolve("ca.pem").toString(), "-e", JOB.formatted("x2"), uri);
      assertFalse(rogue.contains("\"status\""), rogue);
    } finally {
      TestGateways.stop(x509);
    }
  }
}
