package dev.cairn.runtime.metrics;

import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.ForwardingScheduler;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.Scheduler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records every job the scheduler it wraps answers: accepted, completed (by kernel and backend),
 * refused at admission and failed after it (by kernel and code), queue and run time histograms, and
 * the time from arrival to result with its recent p50 and p99. A job whose stage completed before
 * {@code submit} returned was refused at admission (the {@link Scheduler} contract); the adapters report
 * what they refuse before admission (kernel {@code none}). Every refusal is also logged at INFO, at most
 * {@link Refusals#LINES_PER_SECOND} lines a second. Kernel names come
 * from devices: one that is not installed is counted as {@code unknown}, so a device cannot make new
 * series.
 */
public final class MetricsScheduler extends ForwardingScheduler {
  private final MeterRegistry registry;
  private final Refusals refusals;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  public MetricsScheduler(Scheduler inner, MeterRegistry registry, Clock clock) {
    super(inner);
    this.registry = registry;
    this.refusals = new Refusals(clock);
  }

  Refusals refusals() {
    return refusals;
  }

  @Override
  public CompletionStage<JobResult> submit(JobRequest request) {
    long start = System.nanoTime();
    String kernel = inner.catalog().find(request.kernel()).isPresent() ? request.kernel() : "unknown";
    CompletionStage<JobResult> stage = inner.submit(request);
    boolean atDoor = stage.toCompletableFuture().isDone();
    if (!atDoor) {
      counter("cairn.jobs.accepted", "kernel", kernel, null, null).increment();
    }
    return stage.whenComplete((r, e) -> {
      if (r == null) {
        return;
      }
      if (r.isOk()) {
        String backend = r.backend() == null ? "none" : r.backend();
        counter("cairn.jobs.completed", "kernel", kernel, "backend", backend).increment();
        timer("cairn.job.queue", kernel, null).record(r.queueMicros(), TimeUnit.MICROSECONDS);
        timer("cairn.job.run", kernel, backend).record(r.runMicros(), TimeUnit.MICROSECONDS);
        timer("cairn.job.latency", kernel, null).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      } else if (atDoor) {
        counter("cairn.jobs.refused", "kernel", kernel, "code", r.code().name()).increment();
        refusals.add(request.deviceId(), request.id(), r.code(), r.message());
      } else {
        counter("cairn.jobs.failed", "kernel", kernel, "code", r.code().name()).increment();
      }
    });
  }

  @Override
  public void refusedBeforeSubmit(String deviceId, String jobId, ErrorCode code, String message) {
    counter("cairn.jobs.refused", "kernel", "none", "code", code.name()).increment();
    refusals.add(deviceId, jobId, code, message);
    inner.refusedBeforeSubmit(deviceId, jobId, code, message);
  }

  private Counter counter(String name, String k1, String v1, String k2, String v2) {
    return counters.computeIfAbsent(name + '\0' + v1 + '\0' + v2, key -> {
      Counter.Builder b = Counter.builder(name).tag(k1, v1);
      if (k2 != null) {
        b.tag(k2, v2);
      }
      return b.register(registry);
    });
  }

  private Timer timer(String name, String kernel, String backend) {
    return timers.computeIfAbsent(name + '\0' + kernel + '\0' + backend, key -> {
      Timer.Builder b = Timer.builder(name).tag("kernel", kernel).publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofNanos(1000)).maximumExpectedValue(Duration.ofSeconds(30));
      if (backend != null) {
        b.tag("backend", backend);
      }
      if (name.equals("cairn.job.latency")) {
        // The status page's recent p50 and p99: over about the last 10 seconds.
        b.publishPercentiles(0.5, 0.99).distributionStatisticExpiry(Duration.ofSeconds(10)).distributionStatisticBufferLength(2);
      }
      return b.register(registry);
    });
  }
}
