package dev.cairn.runtime.network;

import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.SchedulerStats;
import java.util.Comparator;
import java.util.List;

/**
 * When a job would finish here or on a peer, and so which peer goes first.
 *
 * <p>A peer's predicted finish is its measured round trip plus its announced queue times its run time per
 * job: {@code finishMs = latencyMs + queueLength * runMs}. {@code latencyMs} counts as 0 before the first
 * answer (so that an unmeasured peer gets measured); {@code runMs} is what the peer's answers say its jobs
 * ran for, or, before its first answer, this gateway's own average run time, or {@value #UNKNOWN_RUN_MS} ms
 * before any job ran here (so that a longer queue still counts). Peers are ranked by
 * {@code finishMs / score + (1 - trust) * offload.timeoutMs}, lowest first: the score (reliability, agreement
 * and speed, {@link PeerTable}) stretches the prediction, and a peer that times out or contradicts the
 * quorum ({@code trust}: reliability times agreement) pays what a lost answer costs, a timeout. A peer
 * whose queue is full (load 1) goes after all others: it would answer {@code BUSY}.
 *
 * <p>This gateway's own wait is predicted from its queue: a new job starts once {@code queued + running -
 * workers + 1} jobs ahead of it are done, {@code workers} at a time, each taking the average run time.
 * Thread-safe.
 */
final class FinishTimes {
  /** The run time per queued job assumed before any was measured, in ms. */
  static final double UNKNOWN_RUN_MS = 1;

  private final long timeoutMs;
  private double localRunMs = -1;

  /**
   * @param timeoutMs how long a peer has to answer ({@code offload.timeoutMs}): the cost of a lost answer
   */
  FinishTimes(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /** Counts the run time of a job run here. */
  void ran(JobResult r) {
    if (r.isOk()) {
      synchronized (this) {
        localRunMs = PeerTable.average(localRunMs, r.runMicros() / 1000.0);
      }
    }
  }

  /** The average run time of this gateway's jobs, or -1 before the first. */
  synchronized double localRunMs() {
    return localRunMs;
  }

  /** How long a job submitted now would wait in this gateway's queue, in ms; 0 when nothing was measured yet. */
  double localWaitMs(SchedulerStats s, int workers) {
    long ahead = Math.max(0, (long) s.queued() + s.running() - workers + 1);
    return ahead * Math.max(0, localRunMs()) / workers;
  }

  /** When a job sent now to {@code p} would be back, in ms from now. */
  double finishMs(PeerTable.Peer p) {
    double run = p.runMs() >= 0 ? p.runMs() : localRunMs() >= 0 ? localRunMs() : UNKNOWN_RUN_MS;
    int queue = p.last() == null ? 0 : p.last().queueLength();
    return Math.max(0, p.latencyMs()) + queue * run;
  }

  /** The rank of {@code p}: its predicted finish adjusted by its score; lower is better. */
  double rankMs(PeerTable.Peer p) {
    double score = Math.max(p.score(), 1e-6);
    return finishMs(p) / score + (1 - p.trust()) * timeoutMs;
  }

  /** Those of {@code peers}, best first, that are not full and predicted to finish a job within {@code deadlineMs}. */
  List<PeerTable.Peer> meeting(List<PeerTable.Peer> peers, long deadlineMs) {
    return rank(peers).stream().filter(p -> p.load() < 1 && finishMs(p) <= deadlineMs).toList();
  }

  /** {@code peers} best first: not full before full, then by {@link #rankMs}, then in the order given. */
  List<PeerTable.Peer> rank(List<PeerTable.Peer> peers) {
    return peers.stream()
        .sorted(Comparator.comparing((PeerTable.Peer p) -> p.load() >= 1).thenComparingDouble(this::rankMs))
        .toList();
  }
}
