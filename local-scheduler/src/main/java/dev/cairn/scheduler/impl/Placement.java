package dev.cairn.scheduler.impl;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.BackendException;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelCatalog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the backend for each job from a cost model: for every kernel and backend, the time of one call
 * by input size (sizes grouped by powers of two), first from a short calibration run in the background
 * at start-up, then from every job's own measurement (a moving average, outliers capped at
 * {@link #OUTLIER} times the estimate). A job goes to the backend
 * predicted to finish it first, an accelerator only when it is predicted {@link #ACCELERATOR_MARGIN}
 * times faster; small jobs therefore stay on the CPU, where nothing is copied. A shape
 * an accelerator has not compiled yet runs on the CPU while it compiles in the background, once the
 * model says the accelerator would pay. Now and then (one job in {@link #EXPLORE_EVERY}) a job is sent
 * alone to a backend not chosen that came within {@link #EXPLORE_WITHIN} of the best, so its figures
 * stay current, as long as such jobs are predicted to cost at most {@link #EXPLORE_BUDGET} of the time
 * of all jobs placed: re-measuring a slower backend is a loss, and the budget bounds it.
 *
 * <p>The first backend is the CPU backend, which runs every kernel.
 */
final class Placement implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Placement.class);
  static final int BUCKETS = 32;
  /** Weight of a new measurement in the moving average. */
  static final double ALPHA = 0.2;
  /** One job in this many of a kernel and size goes to a backend not chosen, to re-measure it. */
  static final int EXPLORE_EVERY = 64;
  /** Most of the predicted time of all placed jobs that re-measuring may take. */
  static final double EXPLORE_BUDGET = 0.02;
  /** Sizes the start-up calibration measures, in input elements. */
  static final int[] CALIBRATION_SIZES = {1 << 10, 1 << 14, 1 << 18, 1 << 20};

  private final List<Backend> backends;
  /** Nanoseconds per call, by "kernel backend" then size bucket; NaN where not measured. */
  private final Map<String, double[]> model = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> decisions = new ConcurrentHashMap<>();
  private final Set<String> preparing = ConcurrentHashMap.newKeySet();
  /** Predicted nanoseconds of all jobs placed where there was a choice, and of those sent to re-measure. */
  private final java.util.concurrent.atomic.DoubleAdder placedNanos = new java.util.concurrent.atomic.DoubleAdder();
  private final java.util.concurrent.atomic.DoubleAdder exploredNanos = new java.util.concurrent.atomic.DoubleAdder();
  private final ExecutorService background;
  private final java.util.concurrent.CompletableFuture<Void> calibrated = new java.util.concurrent.CompletableFuture<>();

  Placement(List<Backend> backends) {
    if (backends.isEmpty()) {
      throw new IllegalArgumentException("at least the CPU backend is needed");
    }
    this.backends = List.copyOf(backends);
    this.background = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cairn-placement");
      t.setDaemon(true);
      t.setPriority(Thread.MIN_PRIORITY);
      return t;
    });
  }

  List<Backend> backends() {
    return backends;
  }

  Backend cpu() {
    return backends.get(0);
  }

  static int bucket(long elements) {
    return Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(Math.max(1, elements)));
  }

  /**
   * Where a call runs, and whether queued calls of its shape may join it (not when the call is sent to
   * re-measure a backend).
   */
  record Choice(Backend backend, boolean mayBatch) {}

  /** The backend for a checked call of {@code kernel}. */
  Choice choose(Kernel kernel, KernelArgs args) {
    if (backends.size() == 1) {
      return new Choice(cpu(), true);
    }
    long elements = args.elementCount();
    int bucket = bucket(elements);
    String name = kernel.spec().name();
    Backend best = cpu();
    double cpuCost = predict(name, cpu(), bucket);
    double bestCost = cpuCost;
    List<Backend> others = new ArrayList<>();
    List<Double> costs = new ArrayList<>();
    for (Backend b : backends.subList(1, backends.size())) {
      if (!b.supports(kernel)) {
        continue;
      }
      double cost = predict(name, b, bucket);
      boolean pays = Double.isNaN(bestCost) ? !Double.isNaN(cost) : cost * ACCELERATOR_MARGIN < bestCost;
      if (!b.prepared(kernel, args)) {
        if (pays || Double.isNaN(cost)) {
          prepareInBackground(kernel, b, args);
        }
        continue;
      }
      others.add(b);
      costs.add(cost);
      if (pays) {
        best = b;
        bestCost = cost;
      }
    }
    if (!others.isEmpty()) {
      long n = decisions.computeIfAbsent(name + " " + bucket, k -> new AtomicLong()).incrementAndGet();
      double known = Double.isNaN(bestCost) ? 0 : bestCost;
      placedNanos.add(known);
      if (n % EXPLORE_EVERY == 0) {
        // Re-measure a backend that was not chosen, if it came close (within EXPLORE_WITHIN of the best)
        // or is not measured at this size: the cheapest way to notice that it got faster.
        List<Backend> candidates = new ArrayList<>();
        if (best != cpu() && close(cpuCost, bestCost)) {
          candidates.add(cpu());
        }
        for (int i = 0; i < others.size(); i++) {
          if (others.get(i) != best && close(costs.get(i), bestCost)) {
            candidates.add(others.get(i));
          }
        }
        if (!candidates.isEmpty()) {
          Backend pick = candidates.get((int) ((n / EXPLORE_EVERY) % candidates.size()));
          double price = pick == cpu() ? cpuCost : costs.get(others.indexOf(pick));
          price = Double.isNaN(price) ? known : price;
          if (exploredNanos.sum() + price <= EXPLORE_BUDGET * placedNanos.sum()) {
            exploredNanos.add(price);
            return new Choice(pick, false);
          }
        }
      }
    }
    return new Choice(best, true);
  }

  /**
   * An accelerator must be predicted this much faster than the best so far to take a job: its figures
   * are measured alone, but under load it shares the host (copies, launches one at a time, and a CPU
   * device such as PoCL the very same cores), so a small predicted gain is often a loss.
   */
  static final double ACCELERATOR_MARGIN = 1.5;

  /** Re-measuring pays only for a backend within this factor of the best. */
  static final double EXPLORE_WITHIN = 2.0;

  private static boolean close(double cost, double best) {
    return Double.isNaN(cost) || Double.isNaN(best) || cost <= best * EXPLORE_WITHIN;
  }

  /**
   * Predicted nanoseconds per call; NaN when nothing is known of this kernel on this backend. Unmeasured
   * sizes are read off the line through the nearest measured sizes below and above.
   */
  double predict(String kernel, Backend backend, int bucket) {
    double[] t = model.get(kernel + " " + backend.name());
    if (t == null) {
      return Double.NaN;
    }
    if (!Double.isNaN(t[bucket])) {
      return t[bucket];
    }
    int lo = bucket - 1;
    while (lo >= 0 && Double.isNaN(t[lo])) {
      lo--;
    }
    int hi = bucket + 1;
    while (hi < BUCKETS && Double.isNaN(t[hi])) {
      hi++;
    }
    double n = Math.pow(2, bucket);
    if (lo >= 0 && hi < BUCKETS) {
      // Between two measured sizes: on the line through them (a fixed cost plus a cost per element).
      double nLo = Math.pow(2, lo);
      double nHi = Math.pow(2, hi);
      return t[lo] + (t[hi] - t[lo]) * (n - nLo) / (nHi - nLo);
    }
    if (lo >= 0) {
      return t[lo] * n / Math.pow(2, lo);
    }
    // Only larger sizes measured: fixed costs do not shrink, so take the smallest of them as it is.
    return hi < BUCKETS ? t[hi] : Double.NaN;
  }

  /** Records one call's time on a backend (a batch's time divided by its calls). */
  void record(Kernel kernel, Backend backend, long elements, long nanosPerCall) {
    double[] t = model.computeIfAbsent(kernel.spec().name() + " " + backend.name(), k -> {
      double[] fresh = new double[BUCKETS];
      java.util.Arrays.fill(fresh, Double.NaN);
      return fresh;
    });
    int b = bucket(elements);
    synchronized (t) {
      t[b] = Double.isNaN(t[b]) ? nanosPerCall : (1 - ALPHA) * t[b] + ALPHA * Math.min(nanosPerCall, OUTLIER * t[b]);
    }
  }

  /**
   * A call slower than this many times the estimate counts as this many times: one call stalled by a
   * collection pause or a recompilation (in the interpreter, vector code runs a hundred times slower)
   * would otherwise make its backend look slow for long, and a backend that is not chosen is not
   * measured again. A lasting slowdown still moves the estimate: by up to 1.6 times per call.
   */
  static final double OUTLIER = 4.0;

  private void prepareInBackground(Kernel kernel, Backend backend, KernelArgs args) {
    String key = backend.name() + " " + backend.batchKey(kernel, args);
    if (!preparing.add(key)) {
      return;
    }
    try {
      background.execute(() -> {
        long t0 = System.nanoTime();
        try {
          backend.prepare(kernel, args);
          LOG.info("{} compiled {} for {} in {} ms", backend.name(), key, kernel.spec().name(), (System.nanoTime() - t0) / 1_000_000);
          measure(kernel, backend, args, 3);
        } catch (BackendException e) {
          LOG.warn("{}: {} stays on {}: {}", kernel.spec().name(), key, cpu().name(), e.getMessage());
        }
      });
    } catch (RejectedExecutionException e) {
      preparing.remove(key);
    }
  }

  /** Runs a call {@code times} times on a backend and records each. */
  private void measure(Kernel kernel, Backend backend, KernelArgs args, int times) {
    for (int i = 0; i < times; i++) {
      long t0 = System.nanoTime();
      backend.execute(kernel, args);
      record(kernel, backend, args.elementCount(), System.nanoTime() - t0);
    }
  }

  /**
   * Measures, in the background, each kernel that more than one backend runs, at a few sizes, on every
   * such backend (compiling first where needed), and logs the table.
   */
  void calibrateInBackground(KernelCatalog catalog) {
    if (backends.size() == 1) {
      calibrated.complete(null);
      return;
    }
    background.execute(() -> {
      try {
        calibrate(catalog);
      } catch (RuntimeException e) {
        LOG.warn("placement calibration stopped: {}; live measurements will fill the model", e.toString());
      } finally {
        calibrated.complete(null);
      }
    });
  }

  private void calibrate(KernelCatalog catalog) {
    long t0 = System.nanoTime();
    Random random = new Random(1);
    for (Kernel k : catalog.all()) {
      List<Backend> able = backends.stream().filter(b -> b.supports(k)).toList();
      if (able.size() < 2) {
        continue;
      }
      for (int size : CALIBRATION_SIZES) {
        KernelArgs args = k.sample(size, random);
        if (args == null) {
          break;
        }
        for (Backend b : able) {
          try {
            if (!b.prepared(k, args)) {
              b.prepare(k, args);
            }
            measure(k, b, args, 3);
          } catch (BackendException e) {
            LOG.warn("calibration: {} does not run on {}: {}", k.spec().name(), b.name(), e.getMessage());
          }
        }
      }
    }
    LOG.info("placement calibrated in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, describe());
  }

  /** Completes when {@link #calibrateInBackground} has measured everything. */
  java.util.concurrent.CompletionStage<Void> calibrated() {
    return calibrated;
  }

  /** The model as "kernel backend" to {size: micros per call}, for logs and the admin API. */
  Map<String, Map<Long, Long>> describe() {
    Map<String, Map<Long, Long>> out = new java.util.TreeMap<>();
    model.forEach((key, t) -> {
      Map<Long, Long> sizes = new LinkedHashMap<>();
      synchronized (t) {
        for (int b = 0; b < BUCKETS; b++) {
          if (!Double.isNaN(t[b])) {
            sizes.put(1L << Math.max(0, b - 1), Math.round(t[b] / 1000));
          }
        }
      }
      out.put(key, sizes);
    });
    return out;
  }

  @Override
  public void close() {
    background.shutdownNow();
  }
}
