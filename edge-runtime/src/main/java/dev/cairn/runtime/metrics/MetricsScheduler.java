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

  public MetricsScheduler(Scheduler inner, MeterRegistry registry, Clock clock) {
    super(inner);
    this.registry = registry;
    this.refusals = new Refusals(clock);
  }

  Refusals refusals() {
    return refusals;
  }

  /** One kernel's meters, looked up once per job by its name. */
  private final class KernelMeters {
    final String kernel;
    final Counter accepted;
    final Timer queue;
    final Timer latency;
    final Map<String, Counter> completed = new ConcurrentHashMap<>();
    final Map<String, Timer> run = new ConcurrentHashMap<>();

    KernelMeters(String kernel) {
      this.kernel = kernel;
      accepted = Counter.builder("cairn.jobs.accepted").tag("kernel", kernel).register(registry);
      queue = histogram("cairn.job.queue", kernel).register(registry);
      // The status page's recent p50 and p99: over about the last 10 seconds (published as quantiles; the
      // queue and run histograms hold the buckets, so a job is not bucketed a third time).
      latency = Timer.builder("cairn.job.latency").tag("kernel", kernel).publishPercentiles(0.5, 0.99)
          .distributionStatisticExpiry(Duration.ofSeconds(10)).distributionStatisticBufferLength(2).register(registry);
    }

    Counter completed(String backend) {
      return completed.computeIfAbsent(backend,
          b -> Counter.builder("cairn.jobs.completed").tag("kernel", kernel).tag("backend", b).register(registry));
    }

    Timer run(String backend) {
      return run.computeIfAbsent(backend, b -> histogram("cairn.job.run", kernel).tag("backend", b).register(registry));
    }
  }

  private final Map<String, KernelMeters> kernels = new ConcurrentHashMap<>();

  private static Timer.Builder histogram(String name, String kernel) {
    return Timer.builder(name).tag("kernel", kernel).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(1000)).maximumExpectedValue(Duration.ofSeconds(30));
  }

  @Override
  public CompletionStage<JobResult> submit(JobRequest request) {
    long start = System.nanoTime();
    KernelMeters m = meters(request.kernel());
    String kernel = m.kernel;
    CompletionStage<JobResult> stage = inner.submit(request);
    boolean atDoor = stage.toCompletableFuture().isDone();
    if (!atDoor) {
      m.accepted.increment();
    }
    return stage.whenComplete((r, e) -> {
      if (r == null) {
        return;
      }
      if (r.isOk()) {
        String backend = r.backend() == null ? "none" : r.backend();
        m.completed(backend).increment();
        m.queue.record(r.queueMicros(), TimeUnit.MICROSECONDS);
        m.run(backend).record(r.runMicros(), TimeUnit.MICROSECONDS);
        m.latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      } else if (atDoor) {
        counter("cairn.jobs.refused", kernel, r.code().name()).increment();
        refusals.add(request.deviceId(), request.id(), r.code(), r.message());
      } else {
        counter("cairn.jobs.failed", kernel, r.code().name()).increment();
      }
    });
  }

  /** The meters of {@code kernel}: looked up by the device's name, checked against the catalog only the first time. */
  private KernelMeters meters(String kernel) {
    KernelMeters m = kernels.get(kernel);
    return m != null ? m
        : kernels.computeIfAbsent(inner.catalog().find(kernel).isPresent() ? kernel : "unknown", KernelMeters::new);
  }

  @Override
  public void refusedBeforeSubmit(String deviceId, String jobId, ErrorCode code, String message) {
    counter("cairn.jobs.refused", "none", code.name()).increment();
    refusals.add(deviceId, jobId, code, message);
    inner.refusedBeforeSubmit(deviceId, jobId, code, message);
  }

  /** Refusals and failures, by kernel and code (rare: looked up by a built key). */
  private Counter counter(String name, String kernel, String code) {
    return counters.computeIfAbsent(name + '\0' + kernel + '\0' + code,
        key -> Counter.builder(name).tag("kernel", kernel).tag("code", code).register(registry));
  }
}
