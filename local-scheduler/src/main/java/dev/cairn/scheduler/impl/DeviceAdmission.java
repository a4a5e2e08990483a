package dev.cairn.scheduler.impl;

import dev.cairn.kernels.KernelCatalog;
import dev.cairn.scheduler.DevicePolicy;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.SchedulerOptions;

/**
 * The checks of a {@link DevicePolicy}: allowed kernels, job size against the byte rate, the device's
 * in-flight limit, and its rates as token buckets.
 *
 * <p>The bucket table holds only devices with a rate, and at most {@code maxBuckets} of them, the least
 * recently used forgotten first. Forgetting is safe enough: a forgotten device's next job finds a full
 * bucket, so the worst it gains is one extra second's burst, and only after {@code maxBuckets} other
 * rate-limited devices were seen since it; its in-flight limit and the gateway's queue still hold.
 * A device costs the table about 200 bytes (its entry, bucket and id), 20 MB at the default bound.
 */
final class DeviceAdmission {
  /** Devices whose buckets are kept. */
  static final int DEFAULT_MAX_BUCKETS = 100_000;
  /** Bucket levels are tokens times this, so refilling by elapsed nanoseconds times rate stays exact. */
  private static final long SCALE = 1_000_000_000L;

  private final BoundedMap<String, Bucket> buckets;

  DeviceAdmission(int maxBuckets) {
    buckets = new BoundedMap<>(maxBuckets, true);
  }

  /** The checks that need only the policy; a job that fails one could never be admitted as it is. */
  static void check(DevicePolicy p, JobRequest r, KernelCatalog catalog) {
    String forbidden = p.kernelRefusal(r.deviceId(), r.kernel(), catalog);
    if (forbidden != null) {
      throw new JobException(ErrorCode.FORBIDDEN, forbidden);
    }
    if (p.bytesPerSecond() > 0 && r.payloadBytes() > p.bytesPerSecond()) {
      // Never BUSY: waiting would not help, since the bucket never holds more than one second's bytes.
      throw new JobException(ErrorCode.TOO_LARGE, "job is " + r.payloadBytes() + " bytes, more than device '"
          + r.deviceId() + "' may send in one second (its quota is " + p.bytesPerSecond()
          + " bytes per second), so it could never be admitted; send jobs of at most " + p.bytesPerSecond() + " bytes");
    }
  }

  static int maxInFlight(DevicePolicy p, SchedulerOptions options) {
    return p.maxInFlight() > 0 ? p.maxInFlight() : options.maxInFlightPerDevice();
  }

  /**
   * Under the scheduler's lock: the device's bucket filled up to {@code nowNanos}, made for it on first
   * use; null when its policy has no rate.
   */
  Bucket bucket(String deviceId, DevicePolicy p, long nowNanos) {
    if (!p.limitsRate()) {
      return null;
    }
    Bucket b = buckets.get(deviceId);
    if (b == null) {
      b = new Bucket(p, nowNanos);
      buckets.put(deviceId, b);
    } else {
      b.follow(p);
      b.refill(nowNanos);
    }
    return b;
  }

  int size() {
    return buckets.size();
  }

  /** One device's rates. Levels are tokens times {@link #SCALE}; a bucket holds one second's worth. */
  static final class Bucket {
    private int jobsPerSecond;
    private int bytesPerSecond;
    private long jobs;
    private long bytes;
    private long lastNanos;

    Bucket(DevicePolicy p, long nowNanos) {
      jobsPerSecond = p.jobsPerSecond();
      bytesPerSecond = p.bytesPerSecond();
      jobs = jobsPerSecond * SCALE;
      bytes = bytesPerSecond * SCALE;
      lastNanos = nowNanos;
    }

    /** A changed policy (reconfigure) takes effect with what the device has left, never more than the new burst. */
    void follow(DevicePolicy p) {
      if (p.jobsPerSecond() != jobsPerSecond || p.bytesPerSecond() != bytesPerSecond) {
        jobsPerSecond = p.jobsPerSecond();
        bytesPerSecond = p.bytesPerSecond();
        jobs = Math.min(jobs, jobsPerSecond * SCALE);
        bytes = Math.min(bytes, bytesPerSecond * SCALE);
      }
    }

    void refill(long nowNanos) {
      // One second refills an empty bucket, so capping there keeps the products far from overflow.
      long elapsed = Math.min(Math.max(0, nowNanos - lastNanos), SCALE);
      lastNanos = nowNanos;
      jobs = Math.min(jobs + elapsed * jobsPerSecond, jobsPerSecond * SCALE);
      bytes = Math.min(bytes + elapsed * bytesPerSecond, bytesPerSecond * SCALE);
    }

    /** Null when a job of {@code payloadBytes} fits now; else BUSY naming the quota that waits longest. */
    JobException refusal(String deviceId, int payloadBytes) {
      long jobWait = jobsPerSecond == 0 ? 0 : waitNanos(SCALE - jobs, jobsPerSecond);
      long byteWait = bytesPerSecond == 0 ? 0 : waitNanos(cost(payloadBytes) - bytes, bytesPerSecond);
      if (jobWait == 0 && byteWait == 0) {
        return null;
      }
      String quota = jobWait >= byteWait
          ? jobsPerSecond + (jobsPerSecond == 1 ? " job" : " jobs") + " per second"
          : bytesPerSecond + " bytes per second (this job is " + payloadBytes + " bytes)";
      long ms = (Math.max(jobWait, byteWait) + 999_999) / 1_000_000;
      return new JobException(ErrorCode.BUSY, "device '" + deviceId + "' is over its quota of " + quota
          + "; retry in " + ms + " ms");
    }

    /** Takes the job's tokens; only for a job {@link #refusal} let through and the scheduler accepted. */
    void take(int payloadBytes) {
      if (jobsPerSecond > 0) {
        jobs -= SCALE;
      }
      if (bytesPerSecond > 0) {
        bytes -= cost(payloadBytes);
      }
    }

    private static long cost(int payloadBytes) {
      return Math.max(0, payloadBytes) * SCALE;
    }

    private static long waitNanos(long missing, int perSecond) {
      return missing <= 0 ? 0 : (missing + perSecond - 1) / perSecond;
    }
  }
}
