package dev.cairn.scheduler.impl;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.BackendException;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelArgumentException;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.kernels.RunCpu;
import dev.cairn.scheduler.CompletedJob;
import dev.cairn.scheduler.DevicePolicy;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.ResultSealer;
import dev.cairn.scheduler.Scheduler;
import dev.cairn.scheduler.SchedulerOptions;
import dev.cairn.scheduler.SchedulerStats;
import dev.cairn.scheduler.Ticker;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission, a bounded priority queue, and worker threads. The lock guards only the queue and the
 * admission tables and is never held while a kernel runs or a leaf is sealed, so {@link #submit}
 * returns at once on an event loop.
 */
public final class DefaultScheduler implements Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultScheduler.class);
  static final int MAX_ID_LENGTH = JobRequest.MAX_ID_LENGTH;
  /** Characters of a device's name for a kernel or input that a refusal repeats. */
  static final int SHOWN = 40;

  private volatile SchedulerOptions options;
  private volatile KernelCatalog catalog;
  private final Placement placement;
  private final ResultSealer sealer;
  private final Clock clock;
  private final Ticker ticker;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition jobsAvailable = lock.newCondition();
  private final PriorityQueue<Queued> queue = new PriorityQueue<>();
  private final Map<String, Integer> inFlightPerDevice = new HashMap<>();
  private final RecentIds recentIds;
  private final DeviceAdmission devices = new DeviceAdmission(DeviceAdmission.DEFAULT_MAX_BUCKETS);
  private final List<Thread> workers = new ArrayList<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private long sequence;
  private int running;
  /** Accepted jobs whose result is not yet completed (queued, running or sealing). */
  private int pending;
  private boolean stopping;

  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLongArray refusals = new AtomicLongArray(ErrorCode.values().length);
  private final Map<String, AtomicLong> byBackend = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong batches = new AtomicLong();

  /**
   * @param backends where kernels run: the CPU backend first (it runs every kernel), then any
   *     accelerators, which {@link Placement} chooses among per job
   */
  public DefaultScheduler(
      SchedulerOptions options, KernelCatalog catalog, List<Backend> backends, ResultSealer sealer, Clock clock,
      Ticker ticker) {
    this(options, catalog, new Placement(backends), sealer, clock, ticker);
    placement.calibrateInBackground(catalog);
  }

  DefaultScheduler(
      SchedulerOptions options, KernelCatalog catalog, Placement placement, ResultSealer sealer, Clock clock,
      Ticker ticker) {
    this.options = options;
    this.catalog = catalog;
    this.placement = placement;
    for (Backend b : placement.backends()) {
      byBackend.put(b.name(), new AtomicLong());
    }
    this.sealer = sealer;
    this.clock = clock;
    this.ticker = ticker;
    this.recentIds = new RecentIds(options.recentIdsPerGateway());
    for (int i = 0; i < options.workerThreads(); i++) {
      Thread t = new Thread(this::work, "cairn-worker-" + (i + 1));
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  @Override
  public CompletionStage<JobResult> submit(JobRequest request) {
    long receivedNanos = ticker.nanos();
    Instant received = clock.instant();
    // One snapshot of the limits for the whole admission, so a reconfigure in between cannot mix them.
    SchedulerOptions limits = options;
    DevicePolicy policy = limits.devicePolicies().forDevice(request.deviceId());
    Kernel kernel;
    KernelArgs args;
    try {
      kernel = admit(request, limits, policy);
      args = checkArgs(kernel, request);
    } catch (JobException e) {
      return refuse(request, e);
    }
    Queued job = new Queued(request, kernel, args, receivedNanos, received);
    lock.lock();
    try {
      JobException refusal = enqueue(job, limits, policy);
      if (refusal != null) {
        return refuse(request, refusal);
      }
    } finally {
      lock.unlock();
    }
    accepted.incrementAndGet();
    LOG.debug("{} from {} queued ({}, priority {})", request.id(), request.deviceId(), request.kernel(), request.priority());
    return job.result;
  }

  private Kernel admit(JobRequest r, SchedulerOptions options, DevicePolicy policy) {
    if (isStopping()) {
      throw new JobException(ErrorCode.BUSY, "gateway is shutting down; retry on another gateway or later");
    }
    if (r.payloadBytes() > options.maxPayloadBytes()) {
      throw new JobException(ErrorCode.TOO_LARGE,
          "payload is " + r.payloadBytes() + " bytes; this gateway accepts at most " + options.maxPayloadBytes());
    }
    if (r.id().isBlank() || r.id().length() > MAX_ID_LENGTH) {
      throw new JobException(ErrorCode.BAD_REQUEST,
          "job id must be 1 to " + MAX_ID_LENGTH + " characters, was " + r.id().length());
    }
    if (r.priority() < JobRequest.MIN_PRIORITY || r.priority() > JobRequest.MAX_PRIORITY) {
      throw new JobException(ErrorCode.BAD_REQUEST,
          "priority is " + r.priority() + "; it must be from " + JobRequest.MIN_PRIORITY + " to " + JobRequest.MAX_PRIORITY);
    }
    if (r.deadlineMs() < 0) {
      throw new JobException(ErrorCode.BAD_REQUEST,
          "deadlineMs is " + r.deadlineMs() + "; it must be 0 (no deadline) or a positive number of milliseconds");
    }
    KernelCatalog catalog = this.catalog;
    DeviceAdmission.check(policy, r, catalog);
    Kernel kernel = catalog.find(r.kernel()).orElseThrow(() -> new JobException(ErrorCode.UNKNOWN_KERNEL,
        "no kernel '" + shown(r.kernel()) + "' is installed on this gateway; installed: "
            + catalog.all().stream().map(k -> k.spec().name()).collect(Collectors.joining(", "))));
    for (Map.Entry<String, float[]> in : new java.util.TreeMap<>(r.inputs()).entrySet()) {
      if (in.getValue().length > options.maxElementsPerInput()) {
        throw new JobException(ErrorCode.TOO_LARGE, "input '" + shown(in.getKey()) + "' has " + in.getValue().length
            + " elements; this gateway accepts at most " + options.maxElementsPerInput() + " per input");
      }
    }
    return kernel;
  }

  /**
   * A device's name for something, as a refusal repeats it: at most {@link #SHOWN} characters, so that a
   * refusal stays a few lines however long the name (a kernel name can be as long as the payload).
   */
  static String shown(String name) {
    return name.length() <= SHOWN ? name : name.substring(0, SHOWN) + "... (" + name.length() + " characters)";
  }

  private static KernelArgs checkArgs(Kernel kernel, JobRequest r) {
    try {
      return kernel.check(new KernelArgs(r.params(), r.inputs(), r.inputsOwned()));
    } catch (KernelArgumentException e) {
      throw new JobException(ErrorCode.BAD_REQUEST, e.getMessage());
    } catch (RuntimeException e) {
      // A kernel whose own checks crash is the gateway's fault, not the device's; submit must not throw.
      LOG.error("{} from {}: kernel {} failed to check its arguments", r.id(), r.deviceId(), r.kernel(), e);
      throw new JobException(ErrorCode.INTERNAL, "kernel " + r.kernel() + " could not check the job: " + e);
    }
  }

  /**
   * Under the lock: the checks that need shared state, then the queue. Null when accepted; a refused job
   * takes nothing (no id, no in-flight slot, no rate tokens).
   */
  private JobException enqueue(Queued job, SchedulerOptions options, DevicePolicy policy) {
    JobRequest r = job.request;
    if (stopping) {
      return new JobException(ErrorCode.BUSY, "gateway is shutting down; retry on another gateway or later");
    }
    RecentIds.Key key = new RecentIds.Key(r.deviceId(), r.id());
    if (recentIds.contains(key)) {
      return new JobException(ErrorCode.DUPLICATE,
          "device '" + r.deviceId() + "' already sent a job with id '" + r.id() + "'; give each job a new id");
    }
    int mine = inFlightPerDevice.getOrDefault(r.deviceId(), 0);
    if (mine >= DeviceAdmission.maxInFlight(policy, options)) {
      return new JobException(ErrorCode.BUSY, "device '" + r.deviceId() + "' already has " + mine
          + " jobs queued or running, the most allowed; wait for results before sending more");
    }
    DeviceAdmission.Bucket rate = devices.bucket(r.deviceId(), policy, job.receivedNanos);
    if (rate != null) {
      JobException over = rate.refusal(r.deviceId(), r.payloadBytes());
      if (over != null) {
        return over;
      }
    }
    if (queue.size() >= options.queueCapacity()) {
      return new JobException(ErrorCode.BUSY,
          "the gateway's queue is full (" + options.queueCapacity() + " jobs); retry later");
    }
    if (rate != null) {
      rate.take(r.payloadBytes());
    }
    recentIds.add(key);
    inFlightPerDevice.put(r.deviceId(), mine + 1);
    job.sequence = sequence++;
    queue.add(job);
    pending++;
    jobsAvailable.signal();
    return null;
  }

  private CompletionStage<JobResult> refuse(JobRequest r, JobException e) {
    refusals.incrementAndGet(e.code().ordinal());
    LOG.debug("{} from {} refused: {} {}", r.id(), r.deviceId(), e.code(), e.getMessage());
    // An id over the limit is not repeated: the refusal would be as long as the id.
    String id = r.id().length() <= MAX_ID_LENGTH ? r.id() : null;
    return CompletableFuture.completedFuture(JobResult.error(id, r.deviceId(), e));
  }

  private void work() {
    while (true) {
      Queued job;
      lock.lock();
      try {
        while (queue.isEmpty() && !stopping) {
          jobsAvailable.awaitUninterruptibly();
        }
        job = queue.poll();
        if (job == null) {
          return;
        }
        running++;
      } finally {
        lock.unlock();
      }
      List<Queued> batch = List.of(job);
      try {
        Placement.Choice choice = placement.choose(job.kernel, job.args);
        batch = choice.mayBatch() ? withSameShape(job, choice.backend()) : List.of(job);
        execute(batch, choice.backend());
      } catch (RuntimeException | Error e) {
        // execute() handles kernel failures itself; this is a bug in the scheduler, keep the worker alive.
        LOG.error("{} failed in the scheduler", job.request.id(), e);
        for (Queued q : batch) {
          finish(q, JobResult.error(q.request.id(), q.request.deviceId(), ErrorCode.INTERNAL, "the scheduler failed: " + e));
        }
      } finally {
        lock.lock();
        try {
          running -= batch.size();
        } finally {
          lock.unlock();
        }
      }
    }
  }

  /**
   * The job plus queued jobs of the same kernel and shape, taken off the queue, when the backend runs
   * several calls in one launch; otherwise the job alone.
   */
  private List<Queued> withSameShape(Queued job, Backend backend) {
    int max = backend.maxBatch();
    if (max <= 1) {
      return List.of(job);
    }
    String key = backend.batchKey(job.kernel, job.args);
    if (key == null) {
      return List.of(job);
    }
    List<Queued> batch = new ArrayList<>(max);
    batch.add(job);
    lock.lock();
    try {
      for (java.util.Iterator<Queued> it = queue.iterator(); it.hasNext() && batch.size() < max; ) {
        Queued q = it.next();
        if (q.kernel == job.kernel && key.equals(backend.batchKey(q.kernel, q.args))) {
          it.remove();
          batch.add(q);
        }
      }
      running += batch.size() - 1;
    } finally {
      lock.unlock();
    }
    return batch;
  }

  /** Runs jobs of one kernel and shape on {@code backend} (the CPU backend if it cannot), then seals each. */
  private void execute(List<Queued> jobs, Backend backend) {
    long start = ticker.nanos();
    List<Queued> live = new ArrayList<>(jobs.size());
    for (Queued job : jobs) {
      JobRequest r = job.request;
      long waitedNanos = start - job.receivedNanos;
      if (r.deadlineMs() > 0 && waitedNanos > r.deadlineMs() * 1_000_000L) {
        finish(job, JobResult.error(r.id(), r.deviceId(), ErrorCode.DEADLINE_EXCEEDED,
            "waited " + waitedNanos / 1_000_000L + " ms in the queue, deadline was " + r.deadlineMs() + " ms"));
        continue;
      }
      try {
        // Before the kernel runs: it may overwrite input arrays the request owns.
        job.inputDigest = sealer.inputDigest(r, job.args.params());
      } catch (RuntimeException e) {
        LOG.error("{} from {}: the digest of its inputs could not be taken", r.id(), r.deviceId(), e);
        finish(job, JobResult.error(r.id(), r.deviceId(), ErrorCode.INTERNAL, "the receipt's input digest could not be taken: " + e));
        continue;
      }
      live.add(job);
    }
    if (live.isEmpty()) {
      return;
    }
    Kernel kernel = live.get(0).kernel;
    List<Map<String, Object>> outputs;
    Backend ran = backend;
    long cpu = RunCpu.start();
    try {
      outputs = run(kernel, live, backend);
    } catch (BackendException e) {
      // The backend has logged why; the jobs still run, on the CPU.
      ran = placement.cpu();
      start = ticker.nanos();
      cpu = RunCpu.start();
      try {
        outputs = run(kernel, live, ran);
      } catch (RuntimeException again) {
        failAll(live, kernel, again);
        return;
      }
    } catch (RuntimeException e) {
      failAll(live, kernel, e);
      return;
    }
    long end = ticker.nanos();
    long runMicros = (end - start) / 1000;
    long cpuMicros = RunCpu.since(cpu) / 1000 / live.size();
    placement.record(kernel, ran, live.get(0).args.elementCount(), (end - start) / live.size());
    byBackend.computeIfAbsent(ran.name(), n -> new AtomicLong()).addAndGet(live.size());
    if (live.size() > 1) {
      batches.incrementAndGet();
    }
    for (int i = 0; i < live.size(); i++) {
      seal(live.get(i), outputs.get(i), ran.name(), (start - live.get(i).receivedNanos) / 1000, runMicros, cpuMicros);
    }
  }

  private static List<Map<String, Object>> run(Kernel kernel, List<Queued> jobs, Backend backend) {
    if (jobs.size() == 1) {
      return List.of(backend.execute(kernel, jobs.get(0).args));
    }
    return backend.executeBatch(kernel, jobs.stream().map(q -> q.args).toList());
  }

  private void failAll(List<Queued> jobs, Kernel kernel, RuntimeException e) {
    for (Queued job : jobs) {
      JobRequest r = job.request;
      LOG.error("{} from {}: kernel {} failed", r.id(), r.deviceId(), r.kernel(), e);
      finish(job, JobResult.error(r.id(), r.deviceId(), ErrorCode.INTERNAL, "kernel " + kernel.spec().name() + " failed: " + e));
    }
  }

  private void seal(Queued job, Map<String, Object> outputs, String backendName, long queueMicros, long runMicros,
      long cpuMicros) {
    JobRequest r = job.request;
    CompletedJob done = new CompletedJob(r, job.kernel.spec().version(), job.args.params(), job.inputDigest, outputs,
        backendName, job.received, clock.instant(), queueMicros, runMicros, cpuMicros);
    CompletionStage<ResultSealer.Seal> seal;
    try {
      seal = sealer.seal(done);
    } catch (RuntimeException e) {
      seal = CompletableFuture.failedFuture(e);
    }
    seal.whenComplete((s, e) -> {
      if (e != null) {
        LOG.error("{} from {}: leaf could not be sealed", r.id(), r.deviceId(), e);
        finish(job, JobResult.error(r.id(), r.deviceId(), ErrorCode.INTERNAL,
            "result could not be made durable: " + rootMessage(e)));
      } else {
        finish(job, JobResult.ok(r.id(), r.deviceId(), outputs, backendName, queueMicros, runMicros,
            s.leafHex(), s.saltHex()));
      }
    });
  }

  private void finish(Queued job, JobResult result) {
    (result.isOk() ? completed : failed).incrementAndGet();
    boolean drained;
    lock.lock();
    try {
      inFlightPerDevice.computeIfPresent(job.request.deviceId(), (d, n) -> n <= 1 ? null : n - 1);
      pending--;
      drained = stopping && pending == 0;
    } finally {
      lock.unlock();
    }
    LOG.debug("{} from {} done: {}", job.request.id(), job.request.deviceId(), result.isOk() ? "ok" : result.code());
    job.result.complete(result);
    if (drained) {
      stopped.complete(null);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private boolean isStopping() {
    lock.lock();
    try {
      return stopping;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public CompletionStage<Void> calibrated() {
    return placement.calibrated();
  }

  @Override
  public void reconfigure(SchedulerOptions next, KernelCatalog kernels) {
    if (next.workerThreads() != options.workerThreads() || next.recentIdsPerGateway() != options.recentIdsPerGateway()) {
      throw new IllegalArgumentException("workerThreads and recentIdsPerGateway change only with a restart");
    }
    lock.lock();
    try {
      options = next;
      catalog = kernels;
    } finally {
      lock.unlock();
    }
    LOG.info("scheduler reconfigured: {} kernels, limits {}", kernels.all().size(), next);
  }

  @Override
  public SchedulerOptions options() {
    return options;
  }

  @Override
  public KernelCatalog catalog() {
    return catalog;
  }

  @Override
  public SchedulerStats stats() {
    int q;
    int run;
    lock.lock();
    try {
      q = queue.size();
      run = running;
    } finally {
      lock.unlock();
    }
    Map<ErrorCode, Long> byCode = new EnumMap<>(ErrorCode.class);
    for (ErrorCode c : ErrorCode.values()) {
      long n = refusals.get(c.ordinal());
      if (n > 0) {
        byCode.put(c, n);
      }
    }
    Map<String, Long> backends = new java.util.TreeMap<>();
    byBackend.forEach((name, n) -> backends.put(name, n.get()));
    return new SchedulerStats(accepted.get(), completed.get(), failed.get(), q, run, byCode, backends, batches.get(),
        placement.describe());
  }

  @Override
  public CompletionStage<Void> stop() {
    lock.lock();
    try {
      if (!stopping) {
        stopping = true;
        jobsAvailable.signalAll();
        placement.close();
        if (pending == 0) {
          stopped.complete(null);
        }
      }
    } finally {
      lock.unlock();
    }
    return stopped.copy();
  }

  /** A job in the queue: priority first, then earliest deadline, then arrival. */
  private static final class Queued implements Comparable<Queued> {
    final JobRequest request;
    final Kernel kernel;
    final KernelArgs args;
    final long receivedNanos;
    final Instant received;
    final long deadlineNanos;
    final CompletableFuture<JobResult> result = new CompletableFuture<>();
    long sequence;
    /** Taken on the worker just before the job runs. */
    byte[] inputDigest;

    Queued(JobRequest request, Kernel kernel, KernelArgs args, long receivedNanos, Instant received) {
      this.request = request;
      this.kernel = kernel;
      this.args = args;
      this.receivedNanos = receivedNanos;
      this.received = received;
      this.deadlineNanos = request.deadlineMs() > 0 ? receivedNanos + request.deadlineMs() * 1_000_000L : Long.MAX_VALUE;
    }

    @Override
    public int compareTo(Queued o) {
      if (request.priority() != o.request.priority()) {
        return Integer.compare(o.request.priority(), request.priority());
      }
      if (deadlineNanos != o.deadlineNanos) {
        // Deadlines without one are Long.MAX_VALUE; compare as differences would overflow, so compare plainly.
        return Long.compare(deadlineNanos, o.deadlineNanos);
      }
      return Long.compare(sequence, o.sequence);
    }
  }
}
