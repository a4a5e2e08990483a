package dev.cairn.runtime.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.embedded.EmbeddedHiveMQ;
import dev.cairn.anchor.MutableClock;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.cli.CairnCommand;
import dev.cairn.runtime.e2e.Mqtt5Device;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateways through an embedded HiveMQ CE broker: a device on gw-1 has its jobs placed on gw-2. gw-2
 * journals its leaf and sends its receipt to gw-1 once its batch is anchored; gw-1 journals its own leaf naming
 * gw-2's, and the device's receipt chains both gateways' signed checkpoints. {@code cairn verify} checks both
 * against the pinned keys; a tampered checkpoint of gw-2, or gw-2's leaf of another job, fails naming the check.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChainedReceiptTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  final MutableClock clock = new MutableClock();
  EmbeddedHiveMQ broker;
  int port;
  Gateway gw1;
  Gateway gw2;
  Gateway gw3;

  @BeforeAll
  void startNetwork() throws Exception {
    port = TestNetwork.freePort();
    broker = TestNetwork.broker(dir.resolve("broker"), port);
    String url = "tcp://127.0.0.1:" + port;
    gw1 = TestNetwork.start(dir, "gw-1", url, List.of("gw-2", "gw-3"), Map.of(), clock, c -> {});
    gw2 = TestNetwork.start(dir, "gw-2", url, List.of("gw-1", "gw-3"), Map.of(), clock, c -> {});
    gw3 = TestNetwork.start(dir, "gw-3", url, List.of("gw-1", "gw-2"), Map.of(), clock, c -> {});
    await().atMost(Duration.ofSeconds(30)).until(() -> gw1.network().peers().peer("gw-2").state() == PeerTable.State.UP
        && gw2.network().peers().peer("gw-1").state() == PeerTable.State.UP);
  }

  @AfterAll
  void stopNetwork() throws Exception {
    for (Gateway g : new Gateway[] {gw1, gw2, gw3}) {
      if (g != null) {
        g.stop().toCompletionStage().toCompletableFuture().get();
      }
    }
    if (broker != null) {
      broker.stop().join();
    }
  }

  /** Runs the jobs on gw-1's dev1, seals both gateways' batches, and returns each job's result and receipt by id. */
  Map<String, JsonNode[]> run(String... jobs) throws Exception {
    Map<String, JsonNode[]> out = new HashMap<>();
    try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")
        .subscribe("cairn/dev1/receipts")) {
      for (String job : jobs) {
        dev.publishJson("cairn/dev1/jobs", job);
      }
      int results = 0;
      while (results < jobs.length || out.values().stream().anyMatch(v -> v[1] == null) || out.size() < jobs.length) {
        Mqtt5Device.Received m = dev.next();
        JsonNode json = m.json();
        if (m.topic().endsWith("/results")) {
          results++;
          assertEquals("ok", json.path("status").asText(), json.toString());
          out.computeIfAbsent(json.path("id").asText(), k -> new JsonNode[2])[0] = json;
          if (results == jobs.length) {
            // Either may seal first: gw-1's receipt waits for gw-2's, or gw-2's is kept until gw-1's is anchored.
            gw2.anchor().sealNow().toCompletableFuture().get();
            gw1.anchor().sealNow().toCompletableFuture().get();
          }
        } else {
          JsonNode leaf = new com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper()
              .readTree(java.util.HexFormat.of().parseHex(json.path("leaf").asText()));
          out.computeIfAbsent(leaf.path("job").asText(), k -> new JsonNode[2])[1] = json;
        }
      }
    }
    return out;
  }

  static String job(String id, String placement) {
    return """
        {"id":"%s","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1,2,3],"y":[4,5,6]}%s}"""
        .formatted(id, placement == null ? "" : ",\"placement\":{\"gateway\":\"" + placement + "\"}");
  }

  record Run(int exit, String out) {}

  Run verify(JsonNode receipt, JsonNode result, boolean peerKey) throws Exception {
    Path file = Files.createTempFile(dir, "receipt", ".json");
    Files.write(file, JSON.writeValueAsBytes(receipt));
    Path res = Files.createTempFile(dir, "result", ".json");
    Files.write(res, JSON.writeValueAsBytes(result));
    List<String> args = new java.util.ArrayList<>(List.of("verify", file.toString(), "--gateway-key",
        TestNetwork.pub(dir, "gw-1").toString(), "--result", res.toString()));
    if (peerKey) {
      args.addAll(List.of("--peer-key", "gw-2=" + TestNetwork.pub(dir, "gw-2")));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      return new Run(CairnCommand.execute(args.toArray(String[]::new)), out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
    }
  }

  @Test
  void theReceiptOfAJobPlacedOnAPeerChainsBothCheckpointsAndTamperingFailsNamingTheCheck() throws Exception {
    long leaves1 = gw1.anchor().stats().leaves();
    long leaves2 = gw2.anchor().stats().leaves();
    Map<String, JsonNode[]> got = run(job("c1", "gw-2"), job("c2", "gw-2"), job("c3", null));
    JsonNode[] c1 = got.get("c1");
    assertEquals("[\"gw-2\"]", c1[0].path("executedBy").toString());
    // Each gateway journaled its own leaf of the two offloaded jobs; gw-1 also that of its local job.
    assertEquals(leaves1 + 3, gw1.anchor().stats().leaves());
    assertEquals(leaves2 + 2, gw2.anchor().stats().leaves());
    JsonNode executed = c1[1].path("executed");
    assertEquals(1, executed.size(), c1[1].toString());
    assertEquals("gw-2", executed.get(0).path("gateway").asText());
    assertEquals("gw-2", executed.get(0).path("receipt").path("checkpoint").path("origin").asText());
    assertEquals("gw-1", c1[1].path("checkpoint").path("origin").asText());
    assertFalse(got.get("c3")[1].has("executed"), "a local job's receipt keeps its format");
    // The device's result names gw-1's leaf, the one its receipt proves.
    assertEquals(java.util.HexFormat.of().formatHex(dev.cairn.anchor.Merkle.leafHash(java.util.HexFormat.of().parseHex(
        c1[1].path("leaf").asText()))), c1[0].path("leaf").asText());

    HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gw1.adminPort() + "/v1/receipts/dev1/c1")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, served.statusCode(), served.body());
    assertEquals(c1[1], JSON.readTree(served.body()));

    Run ok = verify(c1[1], c1[0], true);
    assertEquals(0, ok.exit(), ok.out());
    assertTrue(ok.out().contains("ok   executed gw-2 checkpoint signature") && ok.out().contains("ok   executed gw-2 link")
        && ok.out().contains("ok   output commitment"), ok.out());
    assertEquals(0, verify(got.get("c3")[1], got.get("c3")[0], false).exit());

    Run noKey = verify(c1[1], c1[0], false);
    assertEquals(1, noKey.exit(), noKey.out());
    assertTrue(noKey.out().contains("FAIL executed gw-2 checkpoint signature: no key is pinned for gateway gw-2"), noKey.out());

    ObjectNode tampered = c1[1].deepCopy();
    ObjectNode cp = (ObjectNode) tampered.path("executed").get(0).path("receipt").path("checkpoint");
    cp.put("time", cp.path("time").asLong() + 1);
    Run forged = verify(tampered, c1[0], true);
    assertEquals(1, forged.exit(), forged.out());
    assertTrue(forged.out().contains("failed executed gw-2 checkpoint signature"), forged.out());

    // gw-2's genuine receipt of c2 in place of c1's: gw-2's chain verifies, its link to gw-1's leaf does not.
    ObjectNode swapped = c1[1].deepCopy();
    ((ArrayNode) swapped.path("executed")).set(0, got.get("c2")[1].path("executed").get(0));
    Run other = verify(swapped, c1[0], true);
    assertEquals(1, other.exit(), other.out());
    assertTrue(other.out().contains("NOT verified: failed executed gw-2 link"), other.out());
  }

  /** Publishes {@code body} on gw-1's receipts topic signed by {@code key}, and waits for gw-1 to refuse it. */
  String refusedBy1(org.eclipse.paho.mqttv5.client.MqttClient client, byte[] body, dev.cairn.anchor.impl.GatewayKey key) throws Exception {
    ReceiptChain chain = gw1.receiptChain();
    long before = chain.refused();
    org.eclipse.paho.mqttv5.common.packet.MqttProperties p = new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
    p.setUserProperties(List.of(new org.eclipse.paho.mqttv5.common.packet.UserProperty("cairn-sig",
        java.util.Base64.getEncoder().encodeToString(key.sign(dev.cairn.anchor.PeerSignature.RECEIPT.message(body))))));
    client.publish("cairn/net/receipts/gw-1", new org.eclipse.paho.mqttv5.common.MqttMessage(body, 1, false, p));
    await().atMost(Duration.ofSeconds(10)).until(() -> chain.refused() == before + 1);
    return chain.lastRefusal();
  }

  @Test
  void receiptsNotSignedByTheSendersPinnedKeyOrNotAwaitedAreRefusedSayingWhy() throws Exception {
    // A genuine receipt of gw-3, of a job gw-1 never sent it.
    gw3.anchor().append(new dev.cairn.anchor.LeafInput("dev9", "j9", "vector.saxpy", "1.0.0", new byte[32],
        Map.of("y", new float[] {1}), "jvm", 1, 2)).toCompletableFuture().get();
    gw3.anchor().sealNow().toCompletableFuture().get();
    dev.cairn.anchor.Receipt genuine = await().atMost(Duration.ofSeconds(10))
        .until(() -> gw3.anchor().receipt("dev9", "j9").toCompletableFuture().get(), l -> l.receipt() != null).receipt();
    dev.cairn.anchor.impl.GatewayKey key3 = dev.cairn.anchor.impl.GatewayKey.loadOrCreate(dir.resolve("gw-3"));
    org.eclipse.paho.mqttv5.client.MqttClient client = Mqtt5Device.client(
        "tcp://127.0.0.1:" + port, new dev.cairn.runtime.demo.NoDelaySocketFactory(), null, null);
    try {
      ObjectNode o = JSON.createObjectNode().put("v", 1).put("from", "gw-3").put("to", "gw-1");
      o.set("receipt", JSON.readTree(dev.cairn.anchor.ReceiptCodec.toJson(genuine)));
      assertTrue(refusedBy1(client, JSON.writeValueAsBytes(o), key3).contains("is not one of a job gw-3 ran for this gateway"),
          gw1.receiptChain().lastRefusal());
      o.put("from", "gw-2");
      assertTrue(refusedBy1(client, JSON.writeValueAsBytes(o), key3).contains("it is not signed by gw-2's pinned key"),
          gw1.receiptChain().lastRefusal());
      assertTrue(refusedBy1(client, new byte[ReceiptChain.MAX_RECEIPT_BYTES + 1], key3).contains("at most " + ReceiptChain.MAX_RECEIPT_BYTES),
          gw1.receiptChain().lastRefusal());
    } finally {
      client.disconnect();
      client.close();
    }
  }
}
