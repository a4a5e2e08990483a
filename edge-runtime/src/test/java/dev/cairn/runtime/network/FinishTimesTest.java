package dev.cairn.runtime.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.SchedulerStats;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FinishTimesTest {
  final FinishTimes times = new FinishTimes(10_000);

  /** A peer that announced {@code queued} jobs waiting and {@code free} places left. */
  static PeerTable.Peer peer(String id, int queued, int free, double latencyMs, double runMs, long answered, long timedOut) {
    Announcement a = new Announcement(id, new byte[32], Map.of("vector.saxpy", "1.0.0"), List.of("jvm"), free, queued, 1, Map.of(),
        "test", 1);
    return new PeerTable.Peer(id, PeerTable.State.UP, a, 1, latencyMs, runMs,
        PeerTable.score(answered, timedOut, 0, 0, latencyMs), answered, timedOut, 0, 0, null);
  }

  static List<String> ids(List<PeerTable.Peer> peers) {
    return peers.stream().map(PeerTable.Peer::id).toList();
  }

  @Test
  void aShortQueueNearbyBeatsAnIdlePeerFarAway() {
    // Least loaded first would pick gw-far; it finishes in 300 ms, gw-near in 2 + 4 x 1 ms.
    PeerTable.Peer near = peer("gw-near", 4, 4, 2, 1, 5, 0);
    PeerTable.Peer far = peer("gw-far", 0, 8, 300, 1, 5, 0);
    assertEquals(6, times.finishMs(near), 1e-9);
    assertEquals(300, times.finishMs(far), 1e-9);
    assertEquals(List.of("gw-near", "gw-far"), ids(times.rank(List.of(far, near))));
  }

  @Test
  void aLongQueueOfSlowJobsLosesToAFartherIdlePeer() {
    PeerTable.Peer busy = peer("gw-busy", 10, 100, 5, 20, 5, 0);
    PeerTable.Peer idle = peer("gw-idle", 0, 100, 50, 20, 5, 0);
    assertEquals(205, times.finishMs(busy), 1e-9);
    assertEquals(List.of("gw-idle", "gw-busy"), ids(times.rank(List.of(busy, idle))));
  }

  @Test
  void aPeerWithALowScoreIsPenalised() {
    PeerTable.Peer sure = peer("gw-sure", 0, 8, 10, 1, 4, 0);
    PeerTable.Peer flaky = peer("gw-flaky", 0, 8, 10, 1, 4, 2);
    assertEquals(times.finishMs(sure), times.finishMs(flaky), 1e-9, "the same predicted finish");
    assertEquals(List.of("gw-sure", "gw-flaky"), ids(times.rank(List.of(flaky, sure))));
    // Its reliability of 5/7 (one answer counted to begin with) costs 2/7 of offload.timeoutMs on top of the stretched prediction.
    assertEquals(10 / flaky.score() + 10_000.0 * 2 / 7, times.rankMs(flaky), 1e-6);
    // Even an idle, unmeasured peer that timed out goes after a measured one that answers.
    PeerTable.Peer timedOut = peer("gw-lost", 0, 8, -1, -1, 0, 1);
    assertEquals(List.of("gw-sure", "gw-lost"), ids(times.rank(List.of(timedOut, sure))));
  }

  @Test
  void aPeerNotMeasuredYetCountsAsFastAndRunsJobsAsThisGatewayDoes() {
    PeerTable.Peer fresh = peer("gw-new", 5, 5, -1, -1, 0, 0);
    assertEquals(5 * FinishTimes.UNKNOWN_RUN_MS, times.finishMs(fresh), 1e-9, "nothing ran here yet either");
    times.ran(JobResult.ok("j", "d", Map.of(), "jvm", 0, 8_000, null, null));
    assertEquals(40, times.finishMs(fresh), 1e-9, "five jobs of this gateway's 8 ms");
    PeerTable.Peer measured = peer("gw-old", 0, 8, 3, 8, 1, 0);
    assertEquals(List.of("gw-old", "gw-new"), ids(times.rank(List.of(fresh, measured))));
  }

  @Test
  void onlyPeersPredictedToFinishWithinTheDeadlineMeetIt() {
    PeerTable.Peer near = peer("gw-near", 4, 4, 2, 1, 5, 0);
    PeerTable.Peer far = peer("gw-far", 0, 8, 300, 1, 5, 0);
    PeerTable.Peer full = peer("gw-full", 0, 0, 1, 1, 5, 0);
    assertEquals(List.of("gw-near"), ids(times.meeting(List.of(far, full, near), 100)));
    assertEquals(List.of("gw-near", "gw-far"), ids(times.meeting(List.of(far, full, near), 300)));
    assertEquals(List.of(), ids(times.meeting(List.of(far, full, near), 5)), "none can: the job runs here");
  }

  @Test
  void aFullPeerGoesLastWhateverItsPrediction() {
    PeerTable.Peer full = peer("gw-full", 0, 0, 1, 1, 5, 0);
    PeerTable.Peer slow = peer("gw-slow", 0, 8, 900, 1, 5, 0);
    assertEquals(List.of("gw-slow", "gw-full"), ids(times.rank(List.of(full, slow))));
  }

  @Test
  void theLocalWaitCountsTheJobsAheadWorkersAtATime() {
    assertEquals(0, times.localWaitMs(stats(5, 1), 1), 1e-9, "nothing measured yet");
    times.ran(JobResult.ok("j", "d", Map.of(), "jvm", 0, 100_000, null, null));
    times.ran(JobResult.error("k", "d", dev.cairn.scheduler.ErrorCode.BUSY, "not counted"));
    assertEquals(100, times.localRunMs(), 1e-9);
    assertEquals(0, times.localWaitMs(stats(0, 1), 2), 1e-9, "a worker is free");
    assertEquals(200, times.localWaitMs(stats(1, 1), 1), 1e-9, "the running job and the queued one");
    assertEquals(50, times.localWaitMs(stats(1, 4), 4), 1e-9, "two jobs ahead must end, four workers at a time");
  }

  static SchedulerStats stats(int queued, int running) {
    return new SchedulerStats(0, 0, 0, queued, running, Map.of(), Map.of(), 0, Map.of());
  }
}
