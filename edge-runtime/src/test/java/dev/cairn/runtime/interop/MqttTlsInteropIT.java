package dev.cairn.runtime.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.process.GatewayProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT over TLS of the running {@code cairn.jar}, against implementations nobody here wrote: certificates made
 * by openssl, Mosquitto's clients as devices, {@code openssl s_client} for what a handshake refuses.
 */
class MqttTlsInteropIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JOB =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2.0},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dir;
  Path pki;

  @BeforeEach
  void certificates() throws Exception {
    pki = Files.createDirectory(dir.resolve("pki"));
    OpensslPki.ca(pki, "ca");
    OpensslPki.ca(pki, "rogue-ca");
    OpensslPki.issue(pki, "gateway", "gateway", "ca", "serverAuth");
    OpensslPki.issue(pki, "sensor", "sensor-9", "ca", "clientAuth");
    OpensslPki.issue(pki, "rogue", "sensor-9", "rogue-ca", "clientAuth");
    OpensslPki.issueExpired(pki, "expired", "sensor-9", "ca");
  }

  GatewayProcess gateway(String auth, boolean clientCertificates, String extra) throws Exception {
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, """
        mqtt:
          host: 127.0.0.1
          plain: false
          auth: %s
          tls: {certFile: "%s", keyFile: "%s"%s}
        %s
        coap: {host: 127.0.0.1}
        """.formatted(auth, pki.resolve("gateway.pem"), pki.resolve("gateway.key"),
        clientCertificates ? ", clientCaFile: \"" + pki.resolve("ca.pem") + "\"" : "", extra));
    return new GatewayProcess(dir.resolve("data"), "--config", yaml.toString(), "--mqtts-port", "0");
  }

  /** The mosquitto client options of a device presenting certificate {@code name} (null: none). */
  List<String> tls(GatewayProcess gw, String name) {
    List<String> o = new ArrayList<>(List.of("-h", "127.0.0.1", "-p", Integer.toString(gw.mqttTlsPort),
        "--cafile", pki.resolve("ca.pem").toString()));
    if (name != null) {
      o.addAll(List.of("--cert", pki.resolve(name + ".pem").toString(), "--key", pki.resolve(name + ".key").toString()));
    }
    return o;
  }

  @Test
  void mosquittoDevicesWithCertificatesRunJobsAndTheRestAreRefused() throws Exception {
    String rr = ExternalTools.require("mosquitto_rr", "mosquitto-clients");
    String pub = ExternalTools.require("mosquitto_pub", "mosquitto-clients");
    try (GatewayProcess gw = gateway("certificate", true, "")) {
      assertEquals(-1, gw.mqttPort, "plain MQTT is off");
      // The device is its certificate's CN: sensor-9, over MQTT 5 request/response.
      Result ok = run(cmd(rr, tls(gw, "sensor"), "-V", "mqttv5", "-t", "cairn/sensor-9/jobs", "-e", "cairn/sensor-9/replies",
          "-m", JOB.formatted("t1"), "-W", "30"));
      assertEquals(0, ok.exit, ok.out);
      JsonNode result = JSON.readTree(ok.out.strip());
      assertEquals("ok", result.path("status").asText(), ok.out);
      assertEquals("[6.0,9.0,12.0]", result.path("outputs").path("y").toString());
      for (String refused : new String[] {"rogue", "expired", null}) {
        Result r = run(cmd(pub, tls(gw, refused), "-q", "1", "-t", "cairn/sensor-9/jobs", "-m", JOB.formatted("t2")));
        assertNotEquals(0, r.exit, (refused == null ? "no certificate" : refused) + " was let in: " + r.out);
      }
      // A user name that claims another device than the certificate: CONNACK "not authorised".
      Result other = run(cmd(pub, tls(gw, "sensor"), "-u", "pump-1", "-q", "1", "-t", "cairn/pump-1/jobs", "-m", JOB.formatted("t3")));
      assertNotEquals(0, other.exit);
      assertTrue(other.out.contains("not authorised"), other.out);
    }
  }

  @Test
  void opensslSeesTheHandshakesRefused() throws Exception {
    String openssl = ExternalTools.require("openssl", "openssl");
    try (GatewayProcess gw = gateway("certificate", true, "")) {
      String at = "127.0.0.1:" + gw.mqttTlsPort;
      String ca = pki.resolve("ca.pem").toString();
      // TLS 1.2: the server checks the client's certificate inside the handshake, so s_client sees the alert.
      Result good = run(List.of(openssl, "s_client", "-tls1_2", "-connect", at, "-CAfile", ca, "-verify_return_error",
          "-cert", pki.resolve("sensor.pem").toString(), "-key", pki.resolve("sensor.key").toString()));
      assertEquals(0, good.exit, good.out);
      assertTrue(good.out.contains("Verify return code: 0 (ok)"), good.out);
      for (String refused : new String[] {"rogue", "expired"}) {
        Result r = run(List.of(openssl, "s_client", "-tls1_2", "-connect", at, "-CAfile", ca,
            "-cert", pki.resolve(refused + ".pem").toString(), "-key", pki.resolve(refused + ".key").toString()));
        assertNotEquals(0, r.exit, refused + ": " + r.out);
        assertTrue(r.out.contains("alert certificate unknown"), refused + ": " + r.out);
      }
      Result none = run(List.of(openssl, "s_client", "-tls1_2", "-connect", at, "-CAfile", ca));
      assertNotEquals(0, none.exit, none.out);
      assertTrue(none.out.contains("alert bad certificate") || none.out.contains("alert certificate required"), none.out);
      // TLS 1.1 is not spoken (openssl itself needs security level 0 to offer it).
      Result old = run(List.of(openssl, "s_client", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-connect", at, "-CAfile", ca,
          "-cert", pki.resolve("sensor.pem").toString(), "-key", pki.resolve("sensor.key").toString()));
      assertNotEquals(0, old.exit, old.out);
      assertTrue(old.out.contains("alert protocol version"), old.out);
    }
  }

  @Test
  void mosquittoDevicesWithPasswordsOverTls() throws Exception {
    String rr = ExternalTools.require("mosquitto_rr", "mosquitto-clients");
    String pub = ExternalTools.require("mosquitto_pub", "mosquitto-clients");
    Path passwords = dir.resolve("passwords");
    assertEquals(0, run(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", GatewayProcess.jar().toString(),
        "credentials", "add", "dev1", "--file", passwords.toString(), "--password-stdin"), "secret-of-dev1\n").exit);
    try (GatewayProcess gw = gateway("password", false, "  passwordFile: \"" + passwords + "\"")) {
      Result ok = run(cmd(rr, tls(gw, null), "-V", "mqttv5", "-u", "dev1", "-P", "secret-of-dev1", "-t", "cairn/dev1/jobs",
          "-e", "cairn/dev1/replies", "-m", JOB.formatted("p1"), "-W", "30"));
      assertEquals(0, ok.exit, ok.out);
      assertEquals("ok", JSON.readTree(ok.out.strip()).path("status").asText(), ok.out);
      Result wrong = run(cmd(pub, tls(gw, null), "-u", "dev1", "-P", "not-the-password", "-q", "1", "-t", "cairn/dev1/jobs",
          "-m", JOB.formatted("p2")));
      assertNotEquals(0, wrong.exit);
      assertTrue(wrong.out.contains("bad user name or password"), wrong.out);
      Result v311 = run(cmd(pub, tls(gw, null), "-V", "mqttv311", "-u", "dev1", "-q", "1", "-t", "cairn/dev1/jobs",
          "-m", JOB.formatted("p3")));
      assertNotEquals(0, v311.exit, "no password, MQTT 3.1.1: " + v311.out);
      assertTrue(v311.out.contains("bad user name or password"), v311.out);
    }
  }

  private static List<String> cmd(String tool, List<String> options, String... more) {
    List<String> c = new ArrayList<>(List.of(tool));
    c.addAll(options);
    c.addAll(List.of(more));
    return c;
  }

  record Result(int exit, String out) {}

  static Result run(List<String> cmd) throws Exception {
    return run(cmd, "");
  }

  /** Runs {@code cmd} with {@code stdin}, waiting at most 60 s, and returns its exit code and output. */
  static Result run(List<String> cmd, String stdin) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish within 60 s: " + out);
    }
    return new Result(p.exitValue(), out);
  }
}
