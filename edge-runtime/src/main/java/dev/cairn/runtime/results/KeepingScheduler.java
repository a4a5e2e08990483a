package dev.cairn.runtime.results;

import dev.cairn.anchor.kept.KeptStore;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.KeptResults;
import dev.cairn.scheduler.Scheduler;
import dev.cairn.scheduler.SchedulerOptions;
import dev.cairn.scheduler.SchedulerStats;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler as devices see it once results are kept: a successful result is handed to the journal to keep
 * for the retention time as it is released, and a job whose id already has a kept result gets that result back,
 * {@linkplain JobResult#asReplayed() replayed}, without running again. Jobs the {@link KeptIndex} has never
 * seen go straight to the scheduler, so its refusals still come before {@code submit} returns.
 */
public final class KeepingScheduler implements Scheduler, KeptResults {
  private static final Logger LOG = LoggerFactory.getLogger(KeepingScheduler.class);
  /** How often expired results are removed from the journal. */
  static final long SWEEP_EVERY_MS = 60_000;

  private final Scheduler scheduler;
  private final KeptStore store;
  private final Clock clock;
  private final long retentionMs;
  private volatile KeptIndex index = new KeptIndex();
  private final AtomicLong lastSweepMs;
  private final AtomicLong replayed = new AtomicLong();
  private final AtomicLong keptCount = new AtomicLong();

  private KeepingScheduler(Scheduler scheduler, KeptStore store, Clock clock, long retentionMs) {
    this.scheduler = scheduler;
    this.store = store;
    this.clock = clock;
    this.retentionMs = retentionMs;
    this.lastSweepMs = new AtomicLong(clock.millis());
  }

  /**
   * Keeps results of {@code scheduler}'s jobs in {@code store} for {@code retentionMs} (0: keeps none, and
   * replays none). Reads the keys of the results kept so far (on the calling thread, at start).
   */
  public static KeepingScheduler open(Scheduler scheduler, KeptStore store, Clock clock, long retentionMs) {
    KeepingScheduler s = new KeepingScheduler(scheduler, store, clock, retentionMs);
    if (retentionMs > 0) {
      long now = clock.millis();
      store.expireResults(now).toCompletableFuture().join();
      long[] keys = store.resultKeys(now).toCompletableFuture().join();
      for (long k : keys) {
        s.index.add(k);
      }
      if (keys.length > 0) {
        LOG.info("{} results kept within results.retention can be fetched or replayed", keys.length);
      }
    }
    return s;
  }

  @Override
  public CompletionStage<JobResult> submit(JobRequest request) {
    if (retentionMs <= 0) {
      return scheduler.submit(request);
    }
    long key = KeptStore.key(request.deviceId(), request.id());
    if (!index.mightContain(key)) {
      return run(request, key);
    }
    return store.result(request.deviceId(), request.id(), clock.millis())
        .thenCompose(found -> {
          if (found.isPresent()) {
            replayed.incrementAndGet();
            LOG.debug("{} job {} already done: its kept result is replayed", request.deviceId(), request.id());
            return CompletableFuture.completedFuture(ResultBytes.decode(found.get()).asReplayed());
          }
          return run(request, key);
        })
        .exceptionally(e -> JobResult.error(request.id(), request.deviceId(), ErrorCode.INTERNAL,
            "the journal could not be read for a kept result of this job (" + e.getMessage() + "); retry"));
  }

  /** Runs a job; an ok result is handed to the journal to keep as it is released. */
  private CompletionStage<JobResult> run(JobRequest request, long key) {
    return scheduler.submit(request).thenCompose(r -> {
      if (!r.isOk()) {
        return CompletableFuture.completedFuture(r);
      }
      long now = clock.millis();
      // In the index before the row exists: at worst a lookup that finds nothing yet.
      index.add(key);
      keptCount.incrementAndGet();
      sweepIfDue(now);
      // Not waited for: the journal's writer takes work in order, so a fetch or a resubmission after this result
      // is released finds it; only a crash in the next few milliseconds can lose the kept copy (the leaf is durable).
      store.keepResult(request.deviceId(), request.id(), ResultBytes.encode(r), now + retentionMs).whenComplete((v, e) -> {
        if (e != null) {
          LOG.warn("{} job {}: its result could not be kept ({}); it is sent, but cannot be fetched again",
              request.deviceId(), request.id(), e.getMessage());
        }
      });
      return CompletableFuture.completedFuture(r);
    });
  }

  private void sweepIfDue(long now) {
    long last = lastSweepMs.get();
    if (now - last < SWEEP_EVERY_MS || !lastSweepMs.compareAndSet(last, now)) {
      return;
    }
    store.expireResults(now).whenComplete((n, e) -> {
      if (e != null) {
        LOG.warn("expired kept results could not be removed: {}", e.getMessage());
      } else if (n > 0) {
        LOG.debug("{} kept results expired (results.retention {} ms)", n, retentionMs);
      }
    });
  }

  @Override
  public CompletionStage<Optional<JobResult>> find(String deviceId, String jobId) {
    if (retentionMs <= 0) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return store.result(deviceId, jobId, clock.millis()).thenApply(found -> found.map(b -> ResultBytes.decode(b).asReplayed()));
  }

  /** Results replayed to resubmitted jobs since start. */
  public long replayed() {
    return replayed.get();
  }

  /** Results kept since start. */
  public long kept() {
    return keptCount.get();
  }

  public long retentionMs() {
    return retentionMs;
  }

  @Override
  public SchedulerOptions options() {
    return scheduler.options();
  }

  @Override
  public void reconfigure(SchedulerOptions options, KernelCatalog kernels) {
    scheduler.reconfigure(options, kernels);
  }

  @Override
  public CompletionStage<Void> calibrated() {
    return scheduler.calibrated();
  }

  @Override
  public KernelCatalog catalog() {
    return scheduler.catalog();
  }

  @Override
  public SchedulerStats stats() {
    return scheduler.stats();
  }

  @Override
  public CompletionStage<Void> stop() {
    return scheduler.stop();
  }
}
