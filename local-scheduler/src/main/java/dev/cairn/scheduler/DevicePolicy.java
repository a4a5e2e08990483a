package dev.cairn.scheduler;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one device may do here, beyond the gateway-wide limits of {@link SchedulerOptions}. A rate is a
 * token bucket holding one second's worth (so a device may send a burst of {@code jobsPerSecond} jobs at
 * once, then that many per second).
 *
 * @param kernels the kernels the device may run; null: every enabled kernel
 * @param jobsPerSecond jobs admitted per second; 0: no limit
 * @param bytesPerSecond encoded payload bytes ({@link JobRequest#payloadBytes()}) admitted per second;
 *     0: no limit. A job larger than this can never be admitted and gets {@code TOO_LARGE}
 * @param maxInFlight jobs queued or running at once; 0: the gateway-wide
 *     {@link SchedulerOptions#maxInFlightPerDevice()}. It replaces that limit for this device, so it may be
 *     higher as well as lower
 */
public record DevicePolicy(Set<String> kernels, int jobsPerSecond, int bytesPerSecond, int maxInFlight) {
  /** Above this a per-device job rate is no longer a quota: leave it at 0 instead. */
  public static final int MAX_JOBS_PER_SECOND = 1_000_000;

  private static final DevicePolicy NONE = new DevicePolicy(null, 0, 0, 0);

  public DevicePolicy {
    if (kernels != null) {
      if (kernels.isEmpty()) {
        throw new IllegalArgumentException(
            "kernels must name at least one kernel (leave it out to allow every enabled kernel)");
      }
      for (String k : kernels) {
        if (k == null || k.isBlank()) {
          throw new IllegalArgumentException("kernels must be kernel names, such as vector.saxpy; one is empty");
        }
      }
      kernels = Collections.unmodifiableSortedSet(new TreeSet<>(kernels));
    }
    if (jobsPerSecond < 0 || jobsPerSecond > MAX_JOBS_PER_SECOND) {
      throw new IllegalArgumentException("jobsPerSecond must be 0 (no limit) or 1 to " + MAX_JOBS_PER_SECOND
          + ", was " + jobsPerSecond);
    }
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bytesPerSecond must be 0 (no limit) or a positive number of bytes, was "
          + bytesPerSecond);
    }
    if (maxInFlight < 0) {
      throw new IllegalArgumentException("maxInFlight must be 0 (the gateway's maxInFlightPerDevice) or a positive "
          + "number of jobs, was " + maxInFlight);
    }
  }

  /** No limits of its own: every enabled kernel, no rates, the gateway-wide in-flight limit. */
  public static DevicePolicy none() {
    return NONE;
  }

  public DevicePolicy withKernels(Set<String> value) {
    return new DevicePolicy(value, jobsPerSecond, bytesPerSecond, maxInFlight);
  }

  public DevicePolicy withJobsPerSecond(int value) {
    return new DevicePolicy(kernels, value, bytesPerSecond, maxInFlight);
  }

  public DevicePolicy withBytesPerSecond(int value) {
    return new DevicePolicy(kernels, jobsPerSecond, value, maxInFlight);
  }

  public DevicePolicy withMaxInFlight(int value) {
    return new DevicePolicy(kernels, jobsPerSecond, bytesPerSecond, value);
  }

  /** Whether the device may run {@code kernel} (the kernel must still be enabled on the gateway). */
  public boolean allows(String kernel) {
    return kernels == null || kernels.contains(kernel);
  }

  /**
   * Why device {@code deviceId} may not run {@code kernel} under this policy (naming the kernels of
   * {@code catalog} it may run), or null when it may.
   */
  public String kernelRefusal(String deviceId, String kernel, dev.cairn.kernels.KernelCatalog catalog) {
    if (allows(kernel)) {
      return null;
    }
    String allowed = kernels.stream().filter(k -> catalog.find(k).isPresent()).sorted()
        .collect(java.util.stream.Collectors.joining(", "));
    return "device '" + deviceId + "' may run " + (allowed.isEmpty() ? "no kernel" : "only " + allowed) + " here; '" + kernel
        + "' is not allowed for it";
  }

  /** Whether a rate (jobs or bytes per second) applies, so the scheduler keeps a bucket for the device. */
  public boolean limitsRate() {
    return jobsPerSecond > 0 || bytesPerSecond > 0;
  }
}
