package dev.cairn.runtime.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.embedded.EmbeddedHiveMQ;
import dev.cairn.anchor.MutableClock;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.e2e.Mqtt5Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway whose queue is full sends the next job to a peer with room instead of refusing it; the jobs
 * it had already taken still run here. gw-1 has one worker and a queue of one, kept busy by a kernel that
 * waits for the test.
 */
class OverloadOffloadTest {
  @TempDir Path dir;

  @Test
  void aFullQueueSendsTheNextJobToAPeerWithRoom() throws Exception {
    int port = TestNetwork.freePort();
    EmbeddedHiveMQ broker = TestNetwork.broker(dir.resolve("broker"), port);
    String url = "tcp://127.0.0.1:" + port;
    MutableClock clock = new MutableClock();
    GatedKernels kernels = new GatedKernels();
    Gateway gw1 = null;
    Gateway gw2 = null;
    try {
      gw1 = TestNetwork.start(dir, "gw-1", url, List.of("gw-2"), Map.of(), clock, c -> {
        c.limits().setWorkerThreads(1);
        c.limits().setQueueCapacity(1);
      }, kernels);
      gw2 = TestNetwork.start(dir, "gw-2", url, List.of("gw-1"), Map.of(), clock, c -> {});
      Gateway busy = gw1;
      await().atMost(Duration.ofSeconds(30)).until(() -> busy.network().peers().peer("gw-2").state() == PeerTable.State.UP);
      try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"g1\",\"kernel\":\"test.gate\",\"inputs\":{\"x\":[1]}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> busy.scheduler().stats().running() == 1);
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"g2\",\"kernel\":\"test.gate\",\"inputs\":{\"x\":[2]}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> busy.scheduler().stats().queued() == 1);
        // The queue is full: this one runs on gw-2.
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"s1\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},"
            + "\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}");
        JsonNode offloaded = dev.next().json();
        assertEquals("s1", offloaded.path("id").asText(), offloaded.toString());
        assertEquals("ok", offloaded.path("status").asText(), offloaded.toString());
        assertEquals("[\"gw-2\"]", offloaded.path("executedBy").toString());
        assertEquals("[6.0,9.0,12.0]", offloaded.path("outputs").path("y").toString());
        kernels.gate.countDown();
        Map<String, JsonNode> gated = new HashMap<>();
        for (int i = 0; i < 2; i++) {
          JsonNode r = dev.next().json();
          gated.put(r.path("id").asText(), r);
        }
        assertEquals("[\"gw-1\"]", gated.get("g1").path("executedBy").toString(), gated.toString());
        assertEquals("[\"gw-1\"]", gated.get("g2").path("executedBy").toString(), gated.toString());
      }
    } finally {
      kernels.gate.countDown();
      for (Gateway g : new Gateway[] {gw1, gw2}) {
        if (g != null) {
          g.stop().toCompletionStage().toCompletableFuture().get();
        }
      }
      broker.stop().join();
    }
  }

  @Test
  void withSharedOffloadTheBrokerSpreadsTheOverflowOverThePeers() throws Exception {
    int port = TestNetwork.freePort();
    EmbeddedHiveMQ broker = TestNetwork.broker(dir.resolve("broker"), port);
    String url = "tcp://127.0.0.1:" + port;
    MutableClock clock = new MutableClock();
    GatedKernels kernels = new GatedKernels();
    java.util.List<Gateway> started = new java.util.ArrayList<>();
    org.eclipse.paho.mqttv5.client.MqttClient watcher = null;
    try {
      started.add(TestNetwork.start(dir, "gw-1", url, List.of("gw-2", "gw-3"), Map.of(), clock, c -> {
        c.limits().setWorkerThreads(1);
        c.limits().setQueueCapacity(1);
        c.network().offload().setShared(true);
      }, kernels));
      started.add(TestNetwork.start(dir, "gw-2", url, List.of("gw-1", "gw-3"), Map.of(), clock, c -> {}));
      started.add(TestNetwork.start(dir, "gw-3", url, List.of("gw-1", "gw-2"), Map.of(), clock, c -> {}));
      Gateway busy = started.get(0);
      await().atMost(Duration.ofSeconds(30)).until(() -> busy.network().peers().peers().stream()
          .allMatch(p -> p.state() == PeerTable.State.UP));
      java.util.concurrent.atomic.AtomicInteger offered = new java.util.concurrent.atomic.AtomicInteger();
      watcher = Mqtt5Device.client(url, new dev.cairn.runtime.demo.NoDelaySocketFactory(), null, null);
      watcher.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
              new org.eclipse.paho.mqttv5.common.MqttSubscription("cairn/net/work/vector.saxpy", 1)},
          new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(t, m) -> offered.incrementAndGet()});
      try (Mqtt5Device dev = Mqtt5Device.connect(busy.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"g1\",\"kernel\":\"test.gate\",\"inputs\":{\"x\":[1]}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> busy.scheduler().stats().running() == 1);
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"g2\",\"kernel\":\"test.gate\",\"inputs\":{\"x\":[2]}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> busy.scheduler().stats().queued() == 1);
        java.util.Set<String> executors = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) {
          dev.publishJson("cairn/dev1/jobs", "{\"id\":\"s" + i + "\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},"
              + "\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}");
          JsonNode r = dev.next().json();
          assertEquals("s" + i, r.path("id").asText(), r.toString());
          assertEquals("[6.0,9.0,12.0]", r.path("outputs").path("y").toString(), r.toString());
          executors.add(r.path("executedBy").get(0).asText());
        }
        // Each was offered on the shared topic first; the broker gave it to a peer, or back to busy gw-1, which
        // answered BUSY, and the job went on to a peer.
        await().atMost(Duration.ofSeconds(10)).until(() -> offered.get() == 6);
        org.junit.jupiter.api.Assertions.assertTrue(java.util.Set.of("gw-2", "gw-3").containsAll(executors), executors.toString());
        kernels.gate.countDown();
        dev.next();
        dev.next();
      }
    } finally {
      kernels.gate.countDown();
      if (watcher != null) {
        watcher.disconnect();
        watcher.close();
      }
      for (Gateway g : started) {
        g.stop().toCompletionStage().toCompletableFuture().get();
      }
      broker.stop().join();
    }
  }
}
