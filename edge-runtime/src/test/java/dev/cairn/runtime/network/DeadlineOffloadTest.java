package dev.cairn.runtime.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.embedded.EmbeddedHiveMQ;
import dev.cairn.anchor.MutableClock;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.e2e.Mqtt5Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateways on an embedded HiveMQ CE broker. gw-1 has one worker; its jobs have been measured at
 * {@link GatedKernels#SLOW_MS} each, and it holds one running and one queued job: a job with a shorter
 * deadline than that queue is predicted to take runs on a peer, one with a longer deadline stays here.
 */
class DeadlineOffloadTest {
  @TempDir Path dir;

  static final String SAXPY = "\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}";

  @Test
  void aJobTheLocalQueueWouldMakeMissItsDeadlineRunsOnAPeerPredictedSooner() throws Exception {
    int port = TestNetwork.freePort();
    EmbeddedHiveMQ broker = TestNetwork.broker(dir.resolve("broker"), port);
    String url = "tcp://127.0.0.1:" + port;
    MutableClock clock = new MutableClock();
    GatedKernels kernels = new GatedKernels();
    List<Gateway> started = new ArrayList<>();
    try {
      started.add(TestNetwork.start(dir, "gw-1", url, List.of("gw-2", "gw-3"), Map.of(), clock, c -> {
        c.limits().setWorkerThreads(1);
        c.limits().setQueueCapacity(8);
      }, kernels));
      started.add(TestNetwork.start(dir, "gw-2", url, List.of("gw-1", "gw-3"), Map.of(), clock, c -> {}));
      started.add(TestNetwork.start(dir, "gw-3", url, List.of("gw-1", "gw-2"), Map.of(), clock, c -> {}));
      Gateway busy = started.get(0);
      await().atMost(Duration.ofSeconds(30)).until(() -> busy.network().peers().peers().stream()
          .allMatch(p -> p.state() == PeerTable.State.UP));
      try (Mqtt5Device dev = Mqtt5Device.connect(busy.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
        // With an idle queue a deadline is met here.
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"w1\",\"kernel\":\"test.slow\",\"inputs\":{\"x\":[1]},\"deadlineMs\":100}");
        JsonNode measured = dev.next().json();
        assertEquals("[\"gw-1\"]", measured.path("executedBy").toString(), measured.toString());
        assertTrue(measured.path("runMicros").asLong() >= GatedKernels.SLOW_MS * 1000, measured.toString());

        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"g1\",\"kernel\":\"test.gate\",\"inputs\":{\"x\":[1]}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> busy.scheduler().stats().running() == 1);
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"g2\",\"kernel\":\"test.gate\",\"inputs\":{\"x\":[2]}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> busy.scheduler().stats().queued() == 1);

        // Two jobs of about 200 ms ahead: a deadline of 300 ms would be missed here; the idle peers are predicted sooner.
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"d1\"," + SAXPY + ",\"deadlineMs\":300}");
        JsonNode offloaded = dev.next().json();
        assertEquals("d1", offloaded.path("id").asText(), offloaded.toString());
        assertEquals("ok", offloaded.path("status").asText(), offloaded.toString());
        assertEquals("[6.0,9.0,12.0]", offloaded.path("outputs").path("y").toString());
        String peer = offloaded.path("executedBy").get(0).asText();
        assertTrue(List.of("gw-2", "gw-3").contains(peer) && offloaded.path("executedBy").size() == 1, offloaded.toString());
        assertEquals(1, busy.network().peers().peer(peer).answered());

        // A deadline the queue here meets: it waits here, behind the gated jobs.
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"d2\"," + SAXPY + ",\"deadlineMs\":60000}");
        await().atMost(Duration.ofSeconds(10)).until(() -> busy.scheduler().stats().queued() == 2);
        kernels.gate.countDown();
        Map<String, JsonNode> here = new HashMap<>();
        for (int i = 0; i < 3; i++) {
          JsonNode r = dev.next().json();
          here.put(r.path("id").asText(), r);
        }
        assertEquals("[\"gw-1\"]", here.get("d2").path("executedBy").toString(), here.toString());
        assertEquals("ok", here.get("d2").path("status").asText(), here.toString());
        assertEquals("[\"gw-1\"]", here.get("g2").path("executedBy").toString(), here.toString());
      }
    } finally {
      kernels.gate.countDown();
      for (Gateway g : started) {
        g.stop().toCompletionStage().toCompletableFuture().get();
      }
      broker.stop().join();
    }
  }
}
