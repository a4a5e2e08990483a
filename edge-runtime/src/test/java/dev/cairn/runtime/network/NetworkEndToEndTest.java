package dev.cairn.runtime.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.embedded.EmbeddedHiveMQ;
import dev.cairn.anchor.MutableClock;
import dev.cairn.anchor.PeerSignature;
import dev.cairn.anchor.impl.GatewayKey;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.demo.NoDelaySocketFactory;
import dev.cairn.runtime.e2e.Mqtt5Device;
import dev.cairn.scheduler.JobResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateways in this JVM joined through an embedded HiveMQ CE broker, devices on real Paho clients: they
 * see each other's signed announcements, ignore what no pinned key signed, run jobs for each other (by a
 * placement hint, or for a kernel only a peer has), and a peer that stops goes unknown, then down, on the
 * gateways' shared clock. A fourth, unpinned gateway and a pinned peer that never answers (gw-5, played by
 * the test with its key) are on the same broker.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  final MutableClock clock = new MutableClock();
  EmbeddedHiveMQ broker;
  String url;
  Gateway gw1;
  Gateway gw2;
  Gateway gw3;
  Gateway stranger;
  MqttClient silent;
  GatewayKey silentKey;
  /** The jobs sent to gw-5, which the test answers late or not at all. */
  final java.util.concurrent.BlockingQueue<MqttMessage> toSilent = new java.util.concurrent.LinkedBlockingQueue<>();

  @BeforeAll
  void startNetwork() throws Exception {
    int port = TestNetwork.freePort();
    broker = TestNetwork.broker(dir.resolve("broker"), port);
    url = "tcp://127.0.0.1:" + port;
    silentKey = GatewayKey.loadOrCreate(TestNetwork.keyed(dir, "gw-5"));
    // gw-1 has only vector.saxpy: other kernels run on peers. Its peers must answer within 1 s.
    gw1 = TestNetwork.start(dir, "gw-1", url, List.of("gw-2", "gw-3", "gw-5"), Map.of("site", "a"), clock, c -> {
      c.setKernels(List.of("vector.saxpy"));
      c.network().offload().setTimeoutMs(1000);
    });
    gw2 = TestNetwork.start(dir, "gw-2", url, List.of("gw-1", "gw-3"), Map.of("site", "a", "zone", "a"), clock, c -> {});
    gw3 = TestNetwork.start(dir, "gw-3", url, List.of("gw-1", "gw-2"), Map.of("site", "b", "zone", "b"), clock, c -> {});
    // Pins gw-1, but gw-1 does not pin it.
    stranger = TestNetwork.start(dir, "gw-4", url, List.of("gw-1"), Map.of(), clock, c -> {});
    silent = Mqtt5Device.client(url, new NoDelaySocketFactory(), null, null);
    silent.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {new org.eclipse.paho.mqttv5.common.MqttSubscription("cairn/net/to/gw-5", 1)},
        new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(t, m) -> toSilent.add(m)});
  }

  @AfterAll
  void stopNetwork() throws Exception {
    for (Gateway g : new Gateway[] {gw1, gw2, gw3, stranger}) {
      if (g != null) {
        g.stop().toCompletionStage().toCompletableFuture().get();
      }
    }
    if (silent != null) {
      silent.disconnect();
      silent.close();
    }
    if (broker != null) {
      broker.stop().join();
    }
  }

  static PeerTable.State state(Gateway g, String peer) {
    return g.network().peers().peer(peer).state();
  }

  void awaitUp(Gateway g, String... peers) {
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      for (String p : peers) {
        if (state(g, p) != PeerTable.State.UP) {
          return false;
        }
      }
      return true;
    });
  }

  /** gw-5 announces itself (signed with its key) with {@code kernels} and an empty queue; it never answers a job. */
  void announceSilentPeer(Map<String, String> labels) throws Exception {
    Announcement a = new Announcement("gw-5", silentKey.publicKey(), Map.of("matrix.dense", "1.1.0"), List.of("jvm"), 1000, 0, 0,
        labels, "test", clock.millis() + System.nanoTime() / 1_000_000);
    publishSigned("cairn/net/gateways/gw-5", a.toJson(), silentKey.sign(PeerSignature.ANNOUNCE.message(a.toJson())));
  }

  void publishSigned(String topic, byte[] body, byte[] sig) throws Exception {
    MqttProperties p = new MqttProperties();
    p.setUserProperties(List.of(new UserProperty("cairn-sig", Base64.getEncoder().encodeToString(sig))));
    silent.publish(topic, new MqttMessage(body, 1, false, p));
  }

  static JsonNode job(Mqtt5Device dev, String json) throws Exception {
    dev.publishJson("cairn/dev1/jobs", json);
    return dev.next().json();
  }

  static List<String> executedBy(JsonNode result) {
    List<String> out = new ArrayList<>();
    result.path("executedBy").forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  @Order(1)
  void gatewaysSeeTheirPinnedPeersAnnouncementsWithKernelsLabelsAndLoad() throws Exception {
    awaitUp(gw1, "gw-2", "gw-3");
    awaitUp(gw2, "gw-1", "gw-3");
    awaitUp(gw3, "gw-1", "gw-2");
    PeerTable.Peer p2 = gw1.network().peers().peer("gw-2");
    assertEquals("1.1.0", p2.last().kernels().get("matrix.dense"));
    assertEquals(Map.of("site", "a", "zone", "a"), p2.last().labels());
    assertEquals(List.of("jvm"), p2.last().backends());
    assertEquals(0.0, p2.load());
    assertEquals(Map.of("vector.saxpy", "1.0.0").keySet(), gw2.network().peers().peer("gw-1").last().kernels().keySet());

    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gw1.adminPort() + "/v1/peers")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    JsonNode peers = JSON.readTree(r.body());
    assertEquals(3, peers.size(), r.body());
    assertEquals("gw-2", peers.get(0).path("id").asText());
    assertEquals("up", peers.get(0).path("state").asText());
    assertTrue(peers.get(0).has("load") && peers.get(0).has("latencyMs") && peers.get(0).has("score"), r.body());
    assertEquals("unknown", peers.get(2).path("state").asText(), "gw-5 has said nothing yet: " + r.body());

    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stdout = System.out;
    System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = dev.cairn.runtime.cli.CairnCommand.execute("peers", "--admin", "http://127.0.0.1:" + gw1.adminPort());
    } finally {
      System.setOut(stdout);
    }
    String table = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, exit, table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("gw-2") && l.contains(" up ") && l.contains("matrix.dense")), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("gw-5") && l.contains(" unknown ")), table);
  }

  @Test
  @Order(2)
  void announcementsOfUnpinnedGatewaysAndForgedOnesAreIgnored() throws Exception {
    awaitUp(stranger, "gw-1");
    // gw-4's announcement reached gw-1 (it is the only unpinned one on the broker yet) and was ignored.
    await().atMost(Duration.ofSeconds(10)).until(() -> gw1.network().peers().ignored() >= 1);
    long ignoredBefore = gw1.network().peers().ignored();
    // gw-4 announces (gw-4 sees gw-1, so its announcements are on the broker), but gw-1 pins no key for it.
    assertNull(gw1.network().peers().peer("gw-4"));
    assertEquals(List.of("gw-2", "gw-3", "gw-5"), gw1.network().peers().peers().stream().map(PeerTable.Peer::id).toList());
    // An announcement for gw-2 signed by another key is not taken: gw-2's own last one stays.
    long before = gw1.network().peers().peer("gw-2").last().atMillis();
    Announcement forged = new Announcement("gw-2", silentKey.publicKey(), Map.of(), List.of("jvm"), 0, 99, 0, Map.of(), "x",
        Long.MAX_VALUE / 2);
    publishSigned("cairn/net/gateways/gw-2", forged.toJson(), silentKey.sign(PeerSignature.ANNOUNCE.message(forged.toJson())));
    // A checkpoint-style signature over the body (no domain) is not taken either.
    Announcement undomained = new Announcement("gw-5", silentKey.publicKey(), Map.of(), List.of("jvm"), 0, 99, 0, Map.of(), "x",
        Long.MAX_VALUE / 2);
    publishSigned("cairn/net/gateways/gw-5", undomained.toJson(), silentKey.sign(undomained.toJson()));
    // The broker delivers in order: once this later, genuine announcement of gw-3 is in, the forged ones were seen.
    long gw3Before = gw1.network().peers().peer("gw-3").last().atMillis();
    gw3.network().announceNow();
    await().atMost(Duration.ofSeconds(10)).until(() -> gw1.network().peers().peer("gw-3").last().atMillis() > gw3Before);
    assertTrue(gw1.network().peers().peer("gw-2").last().atMillis() <= before + 100_000, "the forged announcement was ignored");
    assertEquals(0, gw1.network().peers().peer("gw-2").last().queueLength());
    assertNull(gw1.network().peers().peer("gw-5").last());
    assertTrue(gw1.network().peers().ignored() >= ignoredBefore + 2, "both forgeries were seen and ignored");
  }

  @Test
  @Order(3)
  void aJobWithAPlacementHintRunsOnThatPeerAndJournalsItsLeafThere() throws Exception {
    awaitUp(gw1, "gw-2");
    long leaves1 = gw1.anchor().stats().leaves();
    long leaves2 = gw2.anchor().stats().leaves();
    try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      JsonNode local = job(dev, """
          {"id":"l1","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1,2,3],"y":[4,5,6]}}""");
      assertEquals("ok", local.path("status").asText(), local.toString());
      assertEquals(List.of("gw-1"), executedBy(local));

      JsonNode remote = job(dev, """
          {"id":"r1","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1,2,3],"y":[4,5,6]},
           "placement":{"gateway":"gw-2"}}""");
      assertEquals("ok", remote.path("status").asText(), remote.toString());
      assertEquals(List.of("gw-2"), executedBy(remote));
      assertEquals("r1", remote.path("id").asText());
      assertEquals(local.path("outputs"), remote.path("outputs"));
      assertEquals(64, remote.path("leaf").asText().length(), remote.toString());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> gw2.anchor().stats().leaves() == leaves2 + 1);
    // gw-1 journaled its local job's leaf and its own leaf of r1 naming gw-2's (ChainedReceiptTest).
    assertEquals(leaves1 + 2, gw1.anchor().stats().leaves());
    assertTrue(gw1.network().peers().peer("gw-2").latencyMs() > 0);
    assertEquals(1, gw1.network().peers().peer("gw-2").answered());
  }

  @Test
  @Order(4)
  void aKernelOnlyPeersHaveRunsOnAPeer() throws Exception {
    awaitUp(gw1, "gw-2", "gw-3");
    try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      JsonNode dense = job(dev, """
          {"id":"m1","kernel":"matrix.dense","params":{"activation":"relu"},
           "inputs":{"W":[1,0,0,1,-1,-1],"x":[2,3],"b":[0,0,0]}}""");
      assertEquals("ok", dense.path("status").asText(), dense.toString());
      assertEquals("[2.0,3.0,0.0]", dense.path("outputs").path("y").toString());
      List<String> by = executedBy(dense);
      assertEquals(1, by.size());
      assertTrue(by.get(0).equals("gw-2") || by.get(0).equals("gw-3"), by.toString());
    }
  }

  @Test
  @Order(5)
  void aPlacementTheNetworkCannotHonourIsRefusedClearly() throws Exception {
    try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      JsonNode unpinned = job(dev, """
          {"id":"p1","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1],"y":[1]},"placement":{"gateway":"gw-4"}}""");
      assertEquals("BAD_REQUEST", unpinned.path("code").asText(), unpinned.toString());
      assertTrue(unpinned.path("message").asText().contains("not a pinned peer of gw-1"), unpinned.toString());
      JsonNode noKernel = job(dev, """
          {"id":"p2","kernel":"signal.fft","inputs":{"x":[1,2,3,4]},"placement":{"labels":{"zone":"nowhere"}}}""");
      assertEquals("BUSY", noKernel.path("code").asText(), noKernel.toString());
      assertTrue(noKernel.path("message").asText().contains("no gateway with labels"), noKernel.toString());
    }
  }

  @Test
  @Order(6)
  void aPeerThatDoesNotAnswerTimesOutAndTheJobRunsOnTheNextOneWithOneResult() throws Exception {
    announceSilentPeer(Map.of("zone", "b"));
    awaitUp(gw1, "gw-5", "gw-3");
    try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      String dense = """
          {"id":"%s","kernel":"matrix.dense","params":{"activation":"relu"},
           "inputs":{"W":[1,0,0,1,-1,-1],"x":[2,3],"b":[0,0,0]},"placement":%s}""";
      // gw-3 answers one first, so it has a measured latency; gw-5 has none and is tried first, then gw-3.
      assertEquals(List.of("gw-3"), executedBy(job(dev, dense.formatted("t2", "{\"gateway\":\"gw-3\"}"))));
      JsonNode retried = job(dev, dense.formatted("t3", "{\"labels\":{\"zone\":\"b\"}}"));
      assertEquals("ok", retried.path("status").asText(), retried.toString());
      assertEquals(List.of("gw-3"), executedBy(retried));
      assertEquals(1, gw1.network().peers().peer("gw-5").timedOut());
      // Its timeout lowers gw-5's score: the next such job goes to gw-3 at once.
      assertEquals(List.of("gw-3"), executedBy(job(dev, dense.formatted("t5", "{\"labels\":{\"zone\":\"b\"}}"))));
      assertEquals(1, gw1.network().peers().peer("gw-5").timedOut());
      // Addressed to gw-5, which never answers: a clear failure after offload.timeoutMs, no retry elsewhere.
      JsonNode addressed = job(dev, dense.formatted("t1", "{\"gateway\":\"gw-5\"}"));
      assertEquals("BUSY", addressed.path("code").asText(), addressed.toString());
      assertTrue(addressed.path("message").asText().contains("no answer from gw-5 within 1000 ms"), addressed.toString());
      assertEquals(2, gw1.network().peers().peer("gw-5").timedOut());
      // gw-5 answers t3 now, signed and well-formed, but after gw-1 gave up on it: dropped, the device got one result.
      MqttMessage t3 = toSilent.stream().filter(m -> new String(m.getPayload(), StandardCharsets.UTF_8).contains("\"t3\""))
          .findFirst().orElseThrow();
      String corr = new String(t3.getProperties().getCorrelationData(), StandardCharsets.US_ASCII);
      byte[] late = WorkMessages.reply("gw-5", "gw-1", corr, JobResult.ok("t3", "gw-1/dev1",
          Map.of("y", new float[] {9, 9, 9}), "jvm", 1, 1, null, null));
      MqttProperties p = new MqttProperties();
      p.setUserProperties(List.of(new UserProperty("cairn-sig",
          Base64.getEncoder().encodeToString(silentKey.sign(PeerSignature.WORK_RESULT.message(late))))));
      p.setCorrelationData(t3.getProperties().getCorrelationData());
      silent.publish(t3.getProperties().getResponseTopic(), new MqttMessage(late, 1, false, p));
      // The broker delivers in order: the next result on the device's topic is the next job's.
      assertEquals("t4", job(dev, dense.formatted("t4", "{\"gateway\":\"gw-2\"}")).path("id").asText());
    }
    assertTrue(gw1.network().peers().peer("gw-5").score() < 0.5);
  }

  @Test
  @Order(7)
  void aQuarantinedPeerGetsNoWorkUntilLifted() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String admin = "http://127.0.0.1:" + gw1.adminPort() + "/v1/peers/gw-2/";
    HttpResponse<String> q = http.send(HttpRequest.newBuilder(URI.create(admin + "quarantine?reason=test"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, q.statusCode(), q.body());
    assertEquals(PeerTable.State.QUARANTINED, state(gw1, "gw-2"));
    try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      JsonNode refused = job(dev, """
          {"id":"q1","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1],"y":[1]},"placement":{"gateway":"gw-2"}}""");
      assertEquals("BUSY", refused.path("code").asText(), refused.toString());
      assertTrue(refused.path("message").asText().contains("gw-2' is quarantined"), refused.toString());
      http.send(HttpRequest.newBuilder(URI.create(admin + "lift")).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      gw2.network().announceNow();
      awaitUp(gw1, "gw-2");
      assertEquals(List.of("gw-2"), executedBy(job(dev, """
          {"id":"q2","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1],"y":[1]},"placement":{"gateway":"gw-2"}}""")));
    }
  }

  @Test
  @Order(8)
  void aStoppedPeerGoesUnknownThenDownOnTheClock() throws Exception {
    awaitUp(gw1, "gw-2", "gw-3");
    gw3.stop().toCompletionStage().toCompletableFuture().get();
    gw3 = null;
    clock.advanceMillis(16_000);
    long seen = gw1.network().peers().peer("gw-2").heardAtMillis();
    gw2.network().announceNow();
    await().atMost(Duration.ofSeconds(10)).until(() -> gw1.network().peers().peer("gw-2").heardAtMillis() > seen);
    assertEquals(PeerTable.State.UP, state(gw1, "gw-2"));
    assertEquals(PeerTable.State.UNKNOWN, state(gw1, "gw-3"));
    try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      JsonNode refused = job(dev, """
          {"id":"s1","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1],"y":[1]},"placement":{"gateway":"gw-3"}}""");
      assertEquals("BUSY", refused.path("code").asText(), refused.toString());
      assertTrue(refused.path("message").asText().contains("gw-3' is unknown and takes no new work"), refused.toString());
    }
    clock.advanceMillis(45_000);
    assertEquals(PeerTable.State.DOWN, state(gw1, "gw-3"));
  }
}
