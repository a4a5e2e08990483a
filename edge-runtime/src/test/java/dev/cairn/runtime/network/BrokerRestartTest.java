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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker restarts with nothing retained: the gateways reconnect by themselves, announce again and offload again. */
class BrokerRestartTest {
  @TempDir Path dir;

  @Test
  void afterTheBrokerRestartsGatewaysAnnounceAgainAndJobsMoveAgain() throws Exception {
    int port = TestNetwork.freePort();
    EmbeddedHiveMQ broker = TestNetwork.broker(dir.resolve("broker"), port);
    String url = "tcp://127.0.0.1:" + port;
    MutableClock clock = new MutableClock();
    Gateway gw1 = null;
    Gateway gw2 = null;
    try {
      gw1 = TestNetwork.start(dir, "gw-1", url, List.of("gw-2"), Map.of(), clock, c -> {});
      gw2 = TestNetwork.start(dir, "gw-2", url, List.of("gw-1"), Map.of(), clock, c -> {});
      Gateway a = gw1;
      Gateway b = gw2;
      await().atMost(Duration.ofSeconds(30)).until(() -> a.network().peers().peer("gw-2").state() == PeerTable.State.UP);
      long before = gw1.network().peers().peer("gw-2").last().atMillis();
      String scraped = gw1.metrics().scrape(null);
      org.junit.jupiter.api.Assertions.assertTrue(scraped.contains("cairn_peers{state=\"up\"} 1.0"), scraped);
      org.junit.jupiter.api.Assertions.assertTrue(scraped.contains("cairn_peers{state=\"down\"} 0.0"), scraped);

      broker.stop().join();
      broker.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> !a.network().connected() && !b.network().connected());
      broker = TestNetwork.broker(dir.resolve("broker2"), port);
      // Whichever reconnects second may first hear the other's announcement from the new broker's retained store
      // (unknown: it may be stale), then live from the next refresh (up).
      await().atMost(Duration.ofSeconds(60)).until(() -> a.network().connected() && b.network().connected()
          && a.network().peers().peer("gw-2").last().atMillis() > before
          // The first announcement after the restart may reach gw-1 as a retained one (gw-2 published it before
          // gw-1 subscribed), which does not make a peer up; the next, live one does.
          && a.network().peers().peer("gw-2").state() == PeerTable.State.UP);
      assertEquals(PeerTable.State.UP, gw1.network().peers().peer("gw-2").state());

      try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
        dev.publishJson("cairn/dev1/jobs", """
            {"id":"b1","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1],"y":[1]},"placement":{"gateway":"gw-2"}}""");
        JsonNode r = dev.next().json();
        assertEquals("ok", r.path("status").asText(), r.toString());
        assertEquals("[\"gw-2\"]", r.path("executedBy").toString());
      }
    } finally {
      for (Gateway g : new Gateway[] {gw1, gw2}) {
        if (g != null) {
          g.stop().toCompletionStage().toCompletableFuture().get();
        }
      }
      broker.stop().join();
    }
  }
}
