package dev.cairn.runtime.metering;

import dev.cairn.anchor.usage.UsageTotals;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open epochs' usage in memory: per epoch, device and kernel, the totals of the jobs whose leaves
 * are durable. A job is counted in the epoch it completed in while that epoch is open, else (it became
 * durable after its epoch was sealed) in the first open one. Thread-safe: workers record, the metering
 * thread takes whole epochs to seal them.
 */
public final class UsageMeter {
  private static final Logger LOG = LoggerFactory.getLogger(UsageMeter.class);
  /** Devices per epoch before further devices are counted under {@link #OVERFLOW}. */
  static final int MAX_DEVICES = 100_000;
  static final String OVERFLOW = "_overflow";

  private final int epochSeconds;
  private final ConcurrentSkipListMap<Long, Map<String, Map<String, UsageTotals>>> open = new ConcurrentSkipListMap<>();
  /** The highest epoch sealed; jobs of it or before count in the next one. */
  private volatile long sealedThrough;
  private volatile boolean overflowLogged;

  UsageMeter(int epochSeconds, long sealedThrough) {
    this.epochSeconds = epochSeconds;
    this.sealedThrough = sealedThrough;
  }

  /** A job's input bytes as metered: 4 bytes a float, as the kernels take them. */
  public static long inputBytes(dev.cairn.scheduler.JobRequest request) {
    long n = 0;
    for (float[] v : request.inputs().values()) {
      n += 4L * v.length;
    }
    return n;
  }

  public int epochSeconds() {
    return epochSeconds;
  }

  public long epochOf(long millis) {
    return Math.floorDiv(millis, epochSeconds * 1000L);
  }

  /** Counts one durable job of {@code device} that completed at {@code completedMs}; returns the epoch it counts in. */
  public long record(String device, String kernel, long completedMs, UsageTotals job) {
    long epoch = Math.max(epochOf(completedMs), sealedThrough + 1);
    Map<String, Map<String, UsageTotals>> devices = open.computeIfAbsent(epoch, e -> new ConcurrentHashMap<>());
    String who = device;
    if (devices.size() >= MAX_DEVICES && !devices.containsKey(device)) {
      who = OVERFLOW;
      if (!overflowLogged) {
        overflowLogged = true;
        LOG.warn("more than {} devices used this gateway in epoch {}: further devices are counted together as {}",
            MAX_DEVICES, epoch, OVERFLOW);
      }
    }
    devices.computeIfAbsent(who, d -> new ConcurrentHashMap<>()).merge(kernel, job, UsageTotals::plus);
    return epoch;
  }

  /**
   * Removes and returns the usage of every open epoch up to {@code epoch}, by epoch, device and kernel,
   * and counts later jobs of those epochs in the next one.
   */
  synchronized Map<Long, Map<String, Map<String, UsageTotals>>> takeThrough(long epoch) {
    sealedThrough = Math.max(sealedThrough, epoch);
    Map<Long, Map<String, Map<String, UsageTotals>>> out = new TreeMap<>();
    for (Long e : open.headMap(epoch, true).keySet()) {
      Map<String, Map<String, UsageTotals>> devices = open.remove(e);
      if (devices != null) {
        out.put(e, devices);
      }
    }
    return out;
  }

  /** Undoes {@link #takeThrough} after the statements could not be stored: they stay open. */
  synchronized void putBack(long sealedBefore, Map<Long, Map<String, Map<String, UsageTotals>>> taken) {
    sealedThrough = sealedBefore;
    taken.forEach((epoch, devices) -> devices.forEach((device, kernels) -> kernels.forEach((k, t) -> {
      Map<String, Map<String, UsageTotals>> d = open.computeIfAbsent(epoch, e -> new ConcurrentHashMap<>());
      d.computeIfAbsent(device, x -> new ConcurrentHashMap<>()).merge(k, t, UsageTotals::plus);
    })));
  }

  /**
   * A job recorded while its epoch was being taken may have landed in it after the copy: a second take
   * after sealing moves such stragglers into the next open epoch.
   */
  synchronized void moveStragglers() {
    for (Long e : open.headMap(sealedThrough, true).keySet()) {
      Map<String, Map<String, UsageTotals>> late = open.remove(e);
      if (late != null) {
        late.forEach((device, kernels) -> kernels.forEach((k, t) -> record(device, k, (sealedThrough + 1) * epochSeconds * 1000L, t)));
      }
    }
  }

  public long sealedThrough() {
    return sealedThrough;
  }

  /** The open usage of one device (or of all, when {@code device} is null), by kernel, in epochs from..to. */
  public Map<String, Map<String, UsageTotals>> openUsage(String device, long fromEpoch, long toEpoch) {
    Map<String, Map<String, UsageTotals>> out = new TreeMap<>();
    open.subMap(fromEpoch, true, toEpoch, true).forEach((e, devices) -> devices.forEach((d, kernels) -> {
      if (device == null || device.equals(d)) {
        Map<String, UsageTotals> mine = out.computeIfAbsent(d, x -> new TreeMap<>());
        kernels.forEach((k, t) -> mine.merge(k, t, UsageTotals::plus));
      }
    }));
    return out;
  }

  /** A device's totals in the epoch that holds {@code nowMs} (what its quota is checked against). */
  public UsageTotals current(String device, long nowMs) {
    long epoch = Math.max(epochOf(nowMs), sealedThrough + 1);
    Map<String, Map<String, UsageTotals>> devices = open.get(epoch);
    Map<String, UsageTotals> kernels = devices == null ? null : devices.get(device);
    return kernels == null ? UsageTotals.ZERO : kernels.values().stream().reduce(UsageTotals.ZERO, UsageTotals::plus);
  }
}
