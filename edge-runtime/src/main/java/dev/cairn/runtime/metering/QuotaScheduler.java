package dev.cairn.runtime.metering;

import dev.cairn.anchor.usage.UsageTotals;
import dev.cairn.runtime.config.AclSettings;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.ForwardingScheduler;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.Scheduler;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Refuses a device's jobs with {@code BUSY} once its usage in the open epoch reached its quota
 * ({@code acl} {@code jobsPerEpoch}, {@code cpuSecondsPerEpoch}), saying when the quota resets; every
 * other job goes to the scheduler it wraps. A job already admitted runs to its end, so usage can pass
 * a CPU quota by the jobs in flight when it was reached.
 */
public final class QuotaScheduler extends ForwardingScheduler {
  private final UsageMeter meter;
  private final Clock clock;
  private volatile AclSettings.Quotas quotas;

  public QuotaScheduler(Scheduler inner, UsageMeter meter, Clock clock, AclSettings.Quotas quotas) {
    super(inner);
    this.meter = meter;
    this.clock = clock;
    this.quotas = quotas;
  }

  /** New quotas, for jobs from now on. */
  public void setQuotas(AclSettings.Quotas next) {
    quotas = next;
  }

  @Override
  public CompletionStage<JobResult> submit(JobRequest request) {
    AclSettings.Quota q = quotas.forDevice(request.deviceId());
    if (q.limited()) {
      long now = clock.millis();
      UsageTotals used = meter.current(request.deviceId(), now);
      String over = null;
      if (q.jobsPerEpoch() > 0 && used.jobs() >= q.jobsPerEpoch()) {
        over = "its quota of " + q.jobsPerEpoch() + " jobs per epoch is used (" + used.jobs() + " jobs)";
      } else if (q.cpuSecondsPerEpoch() > 0 && used.cpuSeconds() >= q.cpuSecondsPerEpoch()) {
        over = "its quota of " + q.cpuSecondsPerEpoch() + " CPU seconds per epoch is used (" + used.cpuSeconds() + " s)";
      }
      if (over != null) {
        long resetMs = (Math.max(meter.epochOf(now), meter.sealedThrough() + 1) + 1) * meter.epochSeconds() * 1000L;
        return CompletableFuture.completedFuture(JobResult.error(request.id(), request.deviceId(), ErrorCode.BUSY,
            "device " + request.deviceId() + ": " + over + "; it resets at " + Instant.ofEpochMilli(resetMs)
                + " (in " + Math.max(0, (resetMs - now + 999) / 1000) + " s)"));
      }
    }
    return inner.submit(request);
  }
}
