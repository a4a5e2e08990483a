package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.anchor.TestTsa;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.cli.CairnCommand;
import dev.cairn.runtime.config.ConfigLoader;
import dev.cairn.runtime.config.GatewayConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Receipts through the whole gateway: results sealed, anchored to the local chain and a real RFC 3161
 * TSA, published on the device's receipts topic, served by the admin API, verified by {@code cairn verify}.
 */
class ReceiptsEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SAXPY =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2.0},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dataDir;
  @TempDir Path files;
  TestTsa tsa;
  Gateway gateway;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    tsa = new TestTsa();
    Path yaml = files.resolve("gateway.yaml");
    Files.writeString(yaml, """
        gatewayId: gw-receipts
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: 0}
        admin: {port: 0}
        coap: {host: 127.0.0.1, port: 0}
        batch: {maxLeaves: 2, maxDelayMs: 3600000}
        anchor:
          sinks: [local, rfc3161]
          rfc3161: {url: "%s", timeoutMs: 5000}
        """.formatted(dataDir, tsa.url()));
    GatewayConfig config = ConfigLoader.load(yaml);
    gateway = Gateway.start(config, Clock.systemUTC()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    TestGateways.stop(gateway);
    tsa.close();
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void deviceGetsReceiptsThatCairnVerifyAcceptsAndTamperingFails() throws Exception {
    Map<String, JsonNode> results = new HashMap<>();
    Map<String, JsonNode> receipts = new HashMap<>();
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/#")) {
      assertEquals(404, get("/v1/receipts/dev1/r1").statusCode());
      dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("r1"));
      dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("r2"));
      while (results.size() < 2 || receipts.size() < 2) {
        Mqtt5Device.Received m = dev.next();
        JsonNode json = m.json();
        if (m.topic().endsWith("/results")) {
          results.put(json.path("id").asText(), json);
        } else {
          assertEquals("cairn/dev1/receipts", m.topic());
          JsonNode leaf = new com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper()
              .readTree(java.util.HexFormat.of().parseHex(json.path("leaf").asText()));
          receipts.put(leaf.path("job").asText(), json);
        }
      }
    }
    // saxpy ran in place into the decoded y; the leaf still commits to the inputs as the device sent them.
    JsonNode leaf = new com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper()
        .readTree(java.util.HexFormat.of().parseHex(receipts.get("r1").path("leaf").asText()));
    assertArrayEquals(dev.cairn.anchor.Canonical.inputDigest("vector.saxpy", Map.of("a", 2.0),
        Map.of("x", new float[] {1, 2, 3}, "y", new float[] {4, 5, 6})), leaf.path("in").binaryValue());
    assertEquals("[6.0,9.0,12.0]", results.get("r1").path("outputs").path("y").toString());
    HttpResponse<String> served = get("/v1/receipts/dev1/r1");
    assertEquals(200, served.statusCode(), served.body());
    JsonNode gatewayInfo = JSON.readTree(get("/v1/gateway").body());
    assertEquals(Files.readString(dataDir.resolve("gateway.pub")).trim(), gatewayInfo.path("publicKey").asText());
    assertEquals(JSON.readTree(served.body()), receipts.get("r1"));

    Path receipt = files.resolve("r1.receipt.json");
    Files.writeString(receipt, served.body());
    Path result = files.resolve("r1.result.json");
    Files.write(result, JSON.writeValueAsBytes(results.get("r1")));
    Path cert = files.resolve("tsa.pem");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder().encodeToString(tsa.certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n");
    String key = dataDir.resolve("gateway.pub").toString();
    assertEquals(0, CairnCommand.execute("verify", receipt.toString(), "--gateway-key", key, "--tsa-cert", cert.toString(),
        "--result", result.toString()));

    // The device's own result with another output does not match the commitment.
    ObjectNode forged = (ObjectNode) results.get("r1").deepCopy();
    ((com.fasterxml.jackson.databind.node.ArrayNode) forged.path("outputs").path("y")).set(0, 7.0);
    Files.write(result, JSON.writeValueAsBytes(forged));
    assertEquals(1, CairnCommand.execute("verify", receipt.toString(), "--gateway-key", key, "--tsa-cert", cert.toString(),
        "--result", result.toString()));

    // A changed path node fails.
    ObjectNode tampered = (ObjectNode) JSON.readTree(served.body());
    String node = tampered.path("path").get(0).asText();
    ((com.fasterxml.jackson.databind.node.ArrayNode) tampered.path("path")).set(0,
        (node.charAt(0) == '0' ? "1" : "0") + node.substring(1));
    Files.write(receipt, JSON.writeValueAsBytes(tampered));
    assertEquals(1, CairnCommand.execute("verify", receipt.toString(), "--gateway-key", key, "--tsa-cert", cert.toString()));
    // Without the TSA certificate the rfc3161 anchor cannot be checked: not verified.
    Files.writeString(receipt, served.body());
    assertEquals(1, CairnCommand.execute("verify", receipt.toString(), "--gateway-key", key));
    // A key that is not the gateway's fails the signature check.
    assertEquals(1, CairnCommand.execute("verify", receipt.toString(), "--gateway-key", "00".repeat(32), "--tsa-cert", cert.toString()));
    assertEquals(2, CairnCommand.execute("verify", receipt.toString(), "--gateway-key", "not-a-key"));
    assertTrue(tsa.issued.size() >= 1);
  }
}
