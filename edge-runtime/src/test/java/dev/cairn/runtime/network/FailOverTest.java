package dev.cairn.runtime.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.embedded.EmbeddedHiveMQ;
import dev.cairn.anchor.MutableClock;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.demo.LyingKernels;
import dev.cairn.runtime.e2e.Mqtt5Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas 2 with quorum 2 across three gateways on an embedded HiveMQ CE broker, where the second replica
 * chosen (gw-3) lies: the two answers disagree, the job fails over to the third gateway, whose answer makes
 * the quorum, and the liar is quarantined. With gw-1's {@code network.maxReplicas} at 2 the same job fails
 * with the disagreement named.
 */
class FailOverTest {
  @TempDir Path dir;

  static final String SAXPY = "\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}";

  @Test
  void aDisagreementFailsOverToAThirdGatewayAndTheLiarIsQuarantined() throws Exception {
    int port = TestNetwork.freePort();
    EmbeddedHiveMQ broker = TestNetwork.broker(dir.resolve("broker"), port);
    String url = "tcp://127.0.0.1:" + port;
    MutableClock clock = new MutableClock();
    List<Gateway> started = new ArrayList<>();
    try {
      started.add(TestNetwork.start(dir, "gw-1", url, List.of("gw-2", "gw-3"), Map.of(), clock, c -> {}));
      started.add(TestNetwork.start(dir, "gw-2", url, List.of("gw-1", "gw-3"), Map.of(), clock, c -> {}));
      started.add(TestNetwork.start(dir, "gw-3", url, List.of("gw-1", "gw-2"), Map.of(), clock, c -> {}, new LyingKernels()));
      Gateway gw1 = started.get(0);
      await().atMost(Duration.ofSeconds(30)).until(() -> gw1.network().peers().peers().stream()
          .allMatch(p -> p.state() == PeerTable.State.UP));
      // A timeout on record puts gw-2 after gw-3 in gw-1's ranking: gw-3 is the second replica.
      gw1.network().peers().timedOut("gw-2");
      try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"f1\"," + SAXPY + ",\"replicas\":2,\"quorum\":2}");
        JsonNode r = dev.next().json();
        assertEquals("ok", r.path("status").asText(), r.toString());
        assertEquals("[6.0,9.0,12.0]", r.path("outputs").path("y").toString(), r.toString());
        assertEquals("[\"gw-1\",\"gw-2\"]", r.path("executedBy").toString(), r.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> gw1.network().peers().peer("gw-3").state() == PeerTable.State.QUARANTINED);
        PeerTable.Peer liar = gw1.network().peers().peer("gw-3");
        assertEquals(1, liar.answered(), "gw-3 was asked, and answered");
        assertEquals(1, liar.contradicted());
        assertTrue(liar.quarantineReason().contains("answered job f1 of dev1 unlike [gw-1, gw-2]"), liar.quarantineReason());
        assertEquals(1, gw1.network().peers().peer("gw-2").agreed());
        assertEquals(1, gw1.network().evidence().size());
      }
    } finally {
      for (Gateway g : started) {
        g.stop().toCompletionStage().toCompletableFuture().get();
      }
      started.clear();
    }
    // The same network, but gw-1 allows two replicas in all: the disagreement is the device's answer. An hour
    // later, so that the new announcements are newer than those the broker retained from the first run.
    clock.advanceMillis(3_600_000);
    try {
      started.add(TestNetwork.start(dir, "gw-1", url, List.of("gw-2", "gw-3"), Map.of(), clock, c -> c.network().setMaxReplicas(2)));
      started.add(TestNetwork.start(dir, "gw-2", url, List.of("gw-1", "gw-3"), Map.of(), clock, c -> {}));
      started.add(TestNetwork.start(dir, "gw-3", url, List.of("gw-1", "gw-2"), Map.of(), clock, c -> {}, new LyingKernels()));
      Gateway gw1 = started.get(0);
      await().atMost(Duration.ofSeconds(30)).until(() -> gw1.network().peers().peers().stream()
          .allMatch(p -> p.state() == PeerTable.State.UP));
      gw1.network().peers().timedOut("gw-2");
      try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"f2\"," + SAXPY + ",\"replicas\":2,\"quorum\":2}");
        JsonNode r = dev.next().json();
        assertEquals("INTERNAL", r.path("code").asText(), r.toString());
        String message = r.path("message").asText();
        assertTrue(message.contains("2 of 2 replicas had to give the same outputs and did not: gw-1 outputs "), message);
        assertTrue(message.contains("gw-3 outputs ") && message.endsWith("network.maxReplicas allows no more than 2 replicas"), message);
        assertEquals(0, gw1.network().peers().peer("gw-2").answered(), "gw-2 was not asked");
        assertEquals(PeerTable.State.UP, gw1.network().peers().peer("gw-3").state(), "no quorum to contradict: nobody quarantined");
      }
    } finally {
      for (Gateway g : started) {
        g.stop().toCompletionStage().toCompletableFuture().get();
      }
      broker.stop().join();
    }
  }
}
