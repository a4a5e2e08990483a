package dev.cairn.runtime.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.process.GatewayProcess;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet commands and fleet mode with tools nobody here wrote: the operator key made by openssl,
 * Debian's Mosquitto as the fleet broker, the gateway jar in fleet mode, {@code cairn fleet apply}
 * waiting for its status, mosquitto_sub reading the retained status, and openssl checking a signed
 * configuration's Ed25519 signature.
 */
class FleetInteropIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  static String run(Path cwd, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    return out;
  }

  static String[] cairn(String... args) {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
        Path.of(System.getProperty("basedir", "."), "target", "cairn.jar").toString()));
    cmd.addAll(List.of(args));
    return cmd.toArray(String[]::new);
  }

  @Test
  void mosquittoCarriesASignedManifestToAGatewayInFleetMode() throws Exception {
    String openssl = ExternalTools.require("openssl", "openssl");
    String mosquitto = ExternalTools.require("mosquitto", "mosquitto");
    String sub = ExternalTools.require("mosquitto_sub", "mosquitto-clients");
    Path key = dir.resolve("operator.key");
    Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    run(dir, openssl, "genpkey", "-algorithm", "ed25519", "-out", key.toString());
    run(dir, openssl, "pkey", "-in", key.toString(), "-pubout", "-out", "operator.pub");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("mosquitto.conf"), "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n");
    Process broker = new ProcessBuilder(mosquitto, "-c", dir.resolve("mosquitto.conf").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
    String url = "tcp://127.0.0.1:" + port;
    try (GatewayProcess gw = new GatewayProcess(dir.resolve("data"), "--gateway-id", "gw-i", "--fleet-broker", url,
        "--operator-key", dir.resolve("operator.pub").toString())) {
      Path manifest = dir.resolve("fleet.yaml");
      Files.writeString(manifest, """
          apiVersion: cairn.dev/v1
          kind: Fleet
          metadata: {name: interop, version: 1}
          defaults:
            mqtt: {host: 127.0.0.1, port: 0}
            admin: {port: 0}
            coap: {host: 127.0.0.1, port: 0}
            limits: {maxInFlightPerDevice: 11}
          gateways: [{id: gw-i}]
          """);
      assertTrue(run(dir, cairn("fleet", "validate", "fleet.yaml")).contains("valid"));
      run(dir, cairn("fleet", "sign", "fleet.yaml", "--key", key.toString()));
      String applied = run(dir, cairn("fleet", "apply", "fleet.yaml", "--broker", url, "--wait", "60"));
      assertTrue(applied.contains("gw-i: applied"), applied);
      assertTrue(!applied.contains("the manifest's are"), "no drift: " + applied);

      // The retained status, read by Mosquitto's own client.
      JsonNode status = JSON.readTree(run(dir, sub, "-h", "127.0.0.1", "-p", String.valueOf(port), "-t",
          "cairn/fleet/gw-i/status", "-C", "1", "-W", "10"));
      assertEquals(1, status.path("appliedVersion").asLong(), status.toString());
      String printed = run(dir, cairn("fleet", "validate", "fleet.yaml", "--print"));
      assertTrue(printed.contains("gw-i (settings " + status.path("configSha256").asText() + ")"), "the status hash is the manifest's: " + printed);
      assertEquals("RUNNING", status.path("state").asText());
      assertTrue(gw.log().contains("applied fleet interop version 1"), gw.log());

      // openssl checks the operator's signature on what was published.
      JsonNode signed = JSON.readTree(Files.readString(dir.resolve("fleet.yaml.signed")));
      JsonNode message = JSON.readTree(Base64.getDecoder().decode(signed.path("configs").path("gw-i").asText()));
      Files.write(dir.resolve("payload"), Base64.getDecoder().decode(message.path("payload").asText()));
      Files.write(dir.resolve("sig"), Base64.getDecoder().decode(message.path("signature").asText()));
      String verified = run(dir, openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "operator.pub", "-rawin",
          "-in", "payload", "-sigfile", "sig");
      assertTrue(verified.contains("Signature Verified Successfully"), verified);

      // A manifest changed after signing is not published.
      Files.writeString(manifest, Files.readString(manifest).replace("11", "12"));
      Process tampered = new ProcessBuilder(cairn("fleet", "apply", "fleet.yaml", "--broker", url)).directory(dir.toFile())
          .redirectErrorStream(true).start();
      String out = new String(tampered.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(tampered.waitFor(60, TimeUnit.SECONDS));
      assertEquals(2, tampered.exitValue(), out);
      assertTrue(out.contains("changed after it was signed"), out);
    } finally {
      broker.toHandle().destroy();
      broker.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** An operator key made by openssl endorses a gateway key with {@code cairn fleet endorse}; openssl verifies it. */
  @Test
  void opensslVerifiesAnEndorsementMadeWithAnOpensslOperatorKey() throws Exception {
    String openssl = ExternalTools.require("openssl", "openssl");
    Path key = dir.resolve("operator.key");
    Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    run(dir, openssl, "genpkey", "-algorithm", "ed25519", "-out", key.toString());
    run(dir, openssl, "pkey", "-in", key.toString(), "-pubout", "-out", "operator.pub");
    dev.cairn.anchor.impl.GatewayKey gw = dev.cairn.anchor.impl.GatewayKey.loadOrCreate(dir.resolve("gw-2"));
    String out = run(dir, cairn("fleet", "endorse", "--key", key.toString(), "--gateway-id", "gw-2", "--gateway-key",
        dir.resolve("gw-2").resolve(dev.cairn.anchor.impl.GatewayKey.PUB_FILE).toString(), "--out", "gw-2.endorsement"));
    assertTrue(out.contains("wrote gw-2.endorsement"), out);
    JsonNode e = JSON.readTree(Files.readString(dir.resolve("gw-2.endorsement")));
    assertEquals(java.util.HexFormat.of().formatHex(gw.publicKey()), e.path("gatewayKey").asText());
    // The bytes the README says are signed: "cairn-gateway-key" 0x00 gatewayId 0x00 gatewayKey.
    java.io.ByteArrayOutputStream m = new java.io.ByteArrayOutputStream();
    m.write("cairn-gateway-key\0gw-2\0".getBytes(StandardCharsets.US_ASCII));
    m.write(gw.publicKey());
    Files.write(dir.resolve("endorsed"), m.toByteArray());
    Files.write(dir.resolve("endorsement.sig"), Base64.getDecoder().decode(e.path("signature").asText()));
    String verified = run(dir, openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "operator.pub", "-rawin",
        "-in", "endorsed", "-sigfile", "endorsement.sig");
    assertTrue(verified.contains("Signature Verified Successfully"), verified);
    // The operator key it names is the one openssl made (the last 32 bytes of the public key's DER).
    byte[] der = Base64.getDecoder().decode(Files.readString(dir.resolve("operator.pub")).replaceAll("-----[A-Z ]+-----|\\s", ""));
    assertEquals(java.util.HexFormat.of().formatHex(java.util.Arrays.copyOfRange(der, der.length - 32, der.length)),
        e.path("operatorKey").asText());
  }
}
