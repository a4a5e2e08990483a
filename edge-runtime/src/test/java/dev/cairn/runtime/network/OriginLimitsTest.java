package dev.cairn.runtime.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.embedded.EmbeddedHiveMQ;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.AclSettings;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.PlacementHint;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device's kernels and usage quota at its own gateway hold for jobs placed on a peer too. */
class OriginLimitsTest {
  @TempDir Path dir;

  static final PlacementHint ON_GW2 = new PlacementHint("gw-2", Map.of(), 1, 1);

  static JobResult run(Gateway g, String id, String kernel, Map<String, float[]> inputs, Map<String, Object> params,
      PlacementHint placement) throws Exception {
    return g.scheduler().submit(new JobRequest("dev1", id, kernel, params, inputs, 5, 0, 64, false, placement))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aPeerIsNoWayAroundTheOriginsAclOrQuota() throws Exception {
    int port = TestNetwork.freePort();
    EmbeddedHiveMQ broker = TestNetwork.broker(dir.resolve("broker"), port);
    String url = "tcp://127.0.0.1:" + port;
    Gateway gw1 = null;
    Gateway gw2 = null;
    try {
      gw1 = TestNetwork.start(dir, "gw-1", url, List.of("gw-2"), Map.of(), Clock.systemUTC(), c -> {
        AclSettings.Entry only = new AclSettings.Entry();
        only.setKernels(List.of("vector.saxpy"));
        only.setJobsPerEpoch(1);
        c.acl().setDefault(only);
      });
      gw2 = TestNetwork.start(dir, "gw-2", url, List.of("gw-1"), Map.of(), Clock.systemUTC(), c -> {});
      Gateway a = gw1;
      await().atMost(Duration.ofSeconds(30)).until(() -> a.network().peers().peer("gw-2").state() == PeerTable.State.UP);
      Map<String, float[]> saxpy = Map.of("x", new float[] {1, 2}, "y", new float[] {3, 4});

      JobResult dense = run(gw1, "o1", "matrix.dense", Map.of("W", new float[] {1, 0, 0, 1}, "x", new float[] {2, 3},
          "b", new float[] {0, 0}), Map.of(), ON_GW2);
      assertEquals(ErrorCode.FORBIDDEN, dense.code(), String.valueOf(dense));
      assertTrue(dense.message().contains("may run only vector.saxpy"), dense.message());

      JobResult placed = run(gw1, "o2", "vector.saxpy", saxpy, Map.of("a", 2.0), ON_GW2);
      assertTrue(placed.isOk(), String.valueOf(placed));
      assertEquals(List.of("gw-2"), placed.executedBy());
      JobResult here = run(gw1, "o3", "vector.saxpy", saxpy, Map.of("a", 2.0), null);
      assertTrue(here.isOk(), String.valueOf(here));
      // One job per epoch, used up here: the next is refused, though gw-2 would have run it.
      JobResult over = run(gw1, "o4", "vector.saxpy", saxpy, Map.of("a", 2.0), ON_GW2);
      assertEquals(ErrorCode.BUSY, over.code(), String.valueOf(over));
      assertTrue(over.message().contains("quota"), over.message());
    } finally {
      for (Gateway g : new Gateway[] {gw1, gw2}) {
        if (g != null) {
          g.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
      }
      broker.stop().join();
    }
  }
}
