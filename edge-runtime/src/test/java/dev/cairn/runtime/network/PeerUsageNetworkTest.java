package dev.cairn.runtime.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Usage of work between two gateways through an embedded HiveMQ CE broker: a device's jobs on gw-1 placed on
 * gw-2, the epoch sealed on the gateways' shared clock, gw-2's statement of work for gw-1 sent to gw-1 on
 * cairn/net/usage/gw-1, found equal to gw-1's own records and countersigned, and served by gw-2 with both
 * signatures and its receipt; {@code cairn usage verify} accepts it and names the check a tampered copy fails.
 */
class PeerUsageNetworkTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String JOB = """
      {"id":"%s","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1,2,3,4],"y":[5,6,7,8]},
       "placement":{"gateway":"gw-2"}}""";
  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:15:00Z").toEpochMilli());
  final HttpClient http = HttpClient.newHttpClient();
  EmbeddedHiveMQ broker;
  Gateway gw1;
  Gateway gw2;

  @AfterEach
  void stop() throws Exception {
    for (Gateway g : new Gateway[] {gw1, gw2}) {
      if (g != null) {
        g.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
    if (broker != null) {
      broker.stop().join();
    }
  }

  JsonNode get(Gateway g, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  static String cairn(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = CairnCommand.execute(args);
    } finally {
      System.setOut(stdout);
    }
    return exit + "\n" + out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aPeersStatementOfWorkDoneForThisGatewayIsCountersignedAndVerifiedOffline() throws Exception {
    int port = TestNetwork.freePort();
    broker = TestNetwork.broker(dir.resolve("broker"), port);
    String url = "tcp://127.0.0.1:" + port;
    gw1 = TestNetwork.start(dir, "gw-1", url, List.of("gw-2"), Map.of(), clock, c -> {});
    gw2 = TestNetwork.start(dir, "gw-2", url, List.of("gw-1"), Map.of(), clock, c -> {});
    await().atMost(Duration.ofSeconds(30)).until(() -> gw1.network().peers().peer("gw-2").state() == PeerTable.State.UP
        && gw2.network().peers().peer("gw-1").state() == PeerTable.State.UP);

    try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      for (int i = 0; i < 3; i++) {
        JsonNode r = dev.runJob(JOB.formatted("p" + i));
        assertEquals("ok", r.path("status").asText(), r.toString());
        assertEquals("gw-2", r.path("executedBy").get(0).asText(), r.toString());
      }
    }
    // gw-2 counts the work for gw-1, not for a device of its own.
    assertEquals(0, get(gw2, "/v1/usage").path("jobs").asInt(), "no device of gw-2 used it");

    clock.advanceMillis(3_600_000);
    gw1.usage().sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
    gw2.usage().sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
    JsonNode statements = await().atMost(Duration.ofSeconds(20)).until(() -> {
      gw2.anchor().sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return get(gw2, "/v1/usage/statements?peer=gw-1");
    }, s -> s.size() == 1 && s.get(0).has("countersignature") && s.get(0).has("receipt"));
    JsonNode st = statements.get(0);
    assertEquals("gw-1", st.path("peer").asText(), st.toString());
    assertEquals("gw-2", st.path("gateway").asText());
    assertEquals(3, st.path("jobs").asInt());
    assertEquals(3 * 32, st.path("inputBytes").asInt(), "8 floats a job");
    assertEquals("2026-12-07T10:00:00Z", st.path("from").asText());
    assertEquals(0, get(gw2, "/v1/usage/statements").size(), "no device statements on gw-2");
    assertEquals(1, get(gw2, "/v1/usage/statements?kind=peer").size());
    assertEquals(0, get(gw1, "/v1/usage/disputes").path("disputes").size());
    assertEquals(0, get(gw2, "/v1/usage/disputes").path("disputes").size());

    Path file = dir.resolve("gw-2-for-gw-1.json");
    Files.writeString(file, statements.toString());
    String gw2Key = TestNetwork.pub(dir, "gw-2").toString();
    String gw1Key = TestNetwork.pub(dir, "gw-1").toString();
    String ok = cairn("usage", "verify", file.toString(), "--gateway-key", gw2Key, "--peer-key", gw1Key);
    assertTrue(ok.startsWith("0\n") && ok.contains("ok   countersignature: Ed25519 by peer key"), ok);

    // Countersigned by another key than gw-1's: the countersignature check fails.
    ObjectNode tampered = (ObjectNode) st.deepCopy();
    ((ObjectNode) tampered.path("countersignature")).put("publicKey",
        java.util.HexFormat.of().formatHex(dev.cairn.anchor.impl.GatewayKey.loadOrCreate(dir.resolve("gw-2")).publicKey()));
    Path bad = dir.resolve("tampered.json");
    Files.writeString(bad, "[" + tampered + "]");
    String refused = cairn("usage", "verify", bad.toString(), "--gateway-key", gw2Key, "--peer-key", gw1Key);
    assertTrue(refused.startsWith("1\n") && refused.contains("FAIL countersignature") && refused.contains("not the pinned peer key"),
        refused);
    // A countersignature over other totals than the body's: refused as such.
    String sig = st.path("countersignature").path("signature").asText();
    ((ObjectNode) tampered.path("countersignature")).put("publicKey", st.path("countersignature").path("publicKey").asText())
        .put("signature", (sig.charAt(0) == '0' ? "1" : "0") + sig.substring(1));
    Files.writeString(bad, "[" + tampered + "]");
    refused = cairn("usage", "verify", bad.toString(), "--gateway-key", gw2Key, "--peer-key", gw1Key);
    assertTrue(refused.startsWith("1\n") && refused.contains("FAIL countersignature"), refused);

    String disputes = cairn("usage", "disputes", "--admin", "http://127.0.0.1:" + gw1.adminPort());
    assertTrue(disputes.startsWith("0\n"), disputes);
    assertEquals(0, JSON.readTree(disputes.substring(2)).path("disputes").size(), disputes);
  }
}
