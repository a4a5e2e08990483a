package dev.cairn.runtime.cli;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.Backends;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.kernels.Parallel;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.ResultSealer;
import dev.cairn.scheduler.Scheduler;
import dev.cairn.scheduler.SchedulerOptions;
import dev.cairn.scheduler.Ticker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn bench kernels}: every kernel on every backend, in GB/s and GFLOP/s, against references
 * measured in the same run: a plain copy of the same input bytes on as many threads (the memory
 * bandwidth bound), the kernel's sequential run on one thread, and for {@code matrix.dense} numpy's
 * matrix-vector product (OpenBLAS) when python3 with numpy is on the PATH. Then a mixed workload of
 * small and large jobs through the scheduler, on each backend alone and with placement.
 */
@Command(name = "kernels", mixinStandardHelpOptions = true,
    description = "Kernel throughput per backend against a plain copy, the sequential run and numpy (OpenBLAS); then placement on a mixed workload. Writes docs/BENCHMARKS.md and a plot.")
final class KernelBench implements Callable<Integer> {
  @Option(names = "--rounds", defaultValue = "3", description = "rounds; medians are reported (default ${DEFAULT-VALUE})")
  int rounds;

  @Option(names = "--min-ms", defaultValue = "300", description = "shortest time of one measurement (default ${DEFAULT-VALUE})")
  int minMs;

  @Option(names = "--mixed-jobs", defaultValue = "4000", description = "jobs of the mixed workload per round (default ${DEFAULT-VALUE})")
  int mixedJobs;

  @Option(names = "--docs", defaultValue = "docs", description = "where BENCHMARKS.md and the plot go (default ${DEFAULT-VALUE})")
  Path docs;

  @Option(names = "--python", defaultValue = "python3", description = "python with numpy for the OpenBLAS reference (default ${DEFAULT-VALUE})")
  String python;

  static final int THREADS = Backends.DEFAULT_JVM_THREADS;

  /**
   * A kernel call to measure: bytes it reads and writes, floating-point operations (0: not counted),
   * and optionally a floor: the least work per element any implementation of the kernel must do.
   */
  record Case(String kernel, String shape, KernelArgs args, double flops, boolean streaming, Floor floor) {
    Case(String kernel, String shape, KernelArgs args, double flops, boolean streaming) {
      this(kernel, shape, args, flops, streaming, null);
    }
  }

  /**
   * Work every implementation of a kernel must do at least, over input {@code x} into {@code out}, run
   * like the copy (the array split across the threads); {@code what} says what it does.
   */
  record Floor(String what, FloorBody body) {}

  interface FloorBody {
    void run(float[] x, float[] out, int from, int to);
  }

  /** One float square root and one division per element: a z-score needs both for every element. */
  static void sqrtAndDivide(float[] x, float[] out, int from, int to) {
    for (int i = from; i < to; i++) {
      float v = x[i];
      out[i] = v / (float) Math.sqrt(v);
    }
  }

  /**
   * One counter increment per element, with no bin arithmetic at all: the element's low bits pick one of
   * 64 counters, in four tables so that neighbours do not wait on each other's increments.
   */
  static void countOnly(float[] x, float[] out, int from, int to) {
    int[] counts = new int[256];
    int i = from;
    for (; i + 3 < to; i += 4) {
      counts[Float.floatToRawIntBits(x[i]) & 63]++;
      counts[64 + (Float.floatToRawIntBits(x[i + 1]) & 63)]++;
      counts[128 + (Float.floatToRawIntBits(x[i + 2]) & 63)]++;
      counts[192 + (Float.floatToRawIntBits(x[i + 3]) & 63)]++;
    }
    for (; i < to; i++) {
      counts[Float.floatToRawIntBits(x[i]) & 63]++;
    }
    out[from] = counts[0] + counts[64] + counts[128] + counts[192];
  }

  /** Medians of one case. */
  record Row(Case c, double inBytes, double outBytes, Map<String, Double> seconds, double copySeconds, double floorSeconds) {
    /** What the kernel's bytes per call come to in the floor's time: NaN without a floor. */
    double floorGbps() {
      return (inBytes + outBytes) / floorSeconds / 1e9;
    }

    double gbps(String backend) {
      Double s = seconds.get(backend);
      return s == null ? Double.NaN : (inBytes + outBytes) / s / 1e9;
    }

    double gflops(String backend) {
      Double s = seconds.get(backend);
      return s == null || c.flops() == 0 ? Double.NaN : c.flops() / s / 1e9;
    }

    double copyGbps() {
      return 2 * inBytes / copySeconds / 1e9;
    }
  }

  @Override
  public Integer call() throws Exception {
    if (rounds < 1 || minMs < 10 || mixedJobs < 10) {
      throw new IllegalArgumentException("--rounds must be at least 1, --min-ms at least 10, --mixed-jobs at least 10");
    }
    List<Backend> backends = new ArrayList<>();
    backends.add(Backends.jvm(THREADS));
    String tornadoNote;
    try {
      backends.add(Backends.tornado());
      tornadoNote = "TornadoVM: " + String.join("; ", backends.get(1).devices());
    } catch (IllegalStateException e) {
      tornadoNote = "TornadoVM: not in this run (" + e.getMessage() + ")";
    }
    System.out.println(BenchReport.conditions() + ", " + Backends.simd());
    System.out.println(tornadoNote);
    try {
      List<Row> rows = new ArrayList<>();
      for (Case c : cases()) {
        rows.add(measure(c, backends));
      }
      double numpy = numpyGemv(1024, 1024);
      Map<String, Mixed> mixed = mixed(backends);
      report(rows, numpy, mixed, backends, tornadoNote);
    } finally {
      backends.forEach(Backend::close);
    }
    return 0;
  }

  static Kernel kernel(String name) {
    return KernelCatalog.builtIn().find(name).orElseThrow();
  }

  static float[] floats(int n, Random random, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (random.nextFloat() * 2 - 1) * scale;
    }
    return v;
  }

  static KernelArgs args(String kernel, Map<String, Object> params, Map<String, float[]> inputs) {
    return kernel(kernel).check(new KernelArgs(params, inputs));
  }

  static List<Case> cases() {
    Random r = new Random(7);
    int n = 1 << 20;
    int side = 1024;
    List<Case> cases = new ArrayList<>();
    // In place into y, as the gateway runs it for a decoded request (whose arrays are its own).
    cases.add(new Case("vector.saxpy", "n=2^20, in place", args("vector.saxpy", Map.of("a", 2.0),
        Map.of("x", floats(n, r, 1), "y", floats(n, r, 1))).givingInputsOver(), 2.0 * n, true));
    cases.add(new Case("vector.stats", "n=2^20", args("vector.stats", Map.of(), Map.of("x", floats(n, r, 1))), 4.0 * n, true));
    cases.add(new Case("matrix.dense", "1024x1024", args("matrix.dense", Map.of("activation", "relu"),
        Map.of("W", floats(side * side, r, 1), "x", floats(side, r, 1), "b", floats(side, r, 1))), 2.0 * side * side, true));
    cases.add(new Case("signal.fir", "n=2^20, 32 taps", args("signal.fir", Map.of(),
        Map.of("x", floats(n, r, 1), "taps", floats(32, r, 1))), 2.0 * n * 32, false));
    cases.add(new Case("signal.fft", "n=2^20", args("signal.fft", Map.of(), Map.of("x", floats(n, r, 1))),
        2.5 * n * 20, false));
    cases.add(new Case("image.conv2d", "1024x1024, 3x3", args("image.conv2d", Map.of("width", (double) side),
        Map.of("image", floats(side * side, r, 1), "filter", floats(9, r, 1))), 2.0 * side * side * 9, false));
    cases.add(new Case("image.histogram", "n=2^20, 64 bins", args("image.histogram", Map.of("bins", 64.0, "min", -1.0, "max", 1.0),
        Map.of("x", floats(n, r, 1))), 0, true, new Floor("one counter increment per element and nothing else (`countOnly`: the "
            + "element's low bits pick one of 64 counters, four tables), as every histogram that counts in memory does", KernelBench::countOnly)));
    cases.add(new Case("stats.anomaly", "n=2^20, window 64", args("stats.anomaly", Map.of("window", 64.0),
        Map.of("x", floats(n, r, 1))), 0, true, new Floor("one float square root and one division per element and nothing else "
            + "(`sqrtAndDivide`, which C2 vectorizes): every z-score needs both, and the kernel keeps the window's sums as well, in double", KernelBench::sqrtAndDivide)));
    return cases;
  }

  /** Seconds per call of {@code body}: runs it for at least {@code minMs} after a warm-up. */
  double secondsPerCall(Runnable body) {
    long warm = System.nanoTime();
    for (int i = 0; i < 3 || System.nanoTime() - warm < 50_000_000L; i++) {
      body.run();
    }
    long t0 = System.nanoTime();
    long calls = 0;
    long min = minMs * 1_000_000L;
    do {
      body.run();
      calls++;
    } while (System.nanoTime() - t0 < min);
    return (System.nanoTime() - t0) / 1e9 / calls;
  }

  Row measure(Case c, List<Backend> backends) throws Exception {
    Kernel k = kernel(c.kernel());
    double inBytes = 0;
    for (float[] in : c.args().inputs().values()) {
      inBytes += 4.0 * in.length;
    }
    double outBytes = 0;
    for (Object o : backends.get(0).execute(k, c.args()).values()) {
      if (o instanceof float[] f) {
        outBytes += 4.0 * f.length;
      } else if (o instanceof int[] ints) {
        outBytes += 4.0 * ints.length;
      }
    }
    Map<String, double[]> samples = new LinkedHashMap<>();
    double[] copy = new double[rounds];
    double[] floor = new double[rounds];
    float[] floorIn = c.args().inputs().get("x");
    float[] floorOut = new float[floorIn == null ? 0 : floorIn.length];
    List<float[]> sources = new ArrayList<>(c.args().inputs().values());
    List<float[]> targets = sources.stream().map(s -> new float[s.length]).toList();
    ExecutorService copiers = Executors.newFixedThreadPool(THREADS);
    try {
      for (int r = 0; r < rounds; r++) {
        copy[r] = secondsPerCall(() -> parallelCopy(sources, targets, copiers));
        if (c.floor() != null) {
          floor[r] = secondsPerCall(() -> parallel(floorIn, floorOut, c.floor().body(), copiers));
        }
        samples.computeIfAbsent("sequential", x -> new double[rounds])[r] = secondsPerCall(() -> k.run(c.args(), Parallel.sequential()));
        for (Backend b : backends) {
          if (b.supports(k)) {
            samples.computeIfAbsent(b.name(), x -> new double[rounds])[r] = secondsPerCall(() -> b.execute(k, c.args()));
          }
        }
      }
    } finally {
      copiers.shutdown();
    }
    Map<String, Double> seconds = new LinkedHashMap<>();
    samples.forEach((name, s) -> seconds.put(name, BenchReport.median(s)));
    Row row = new Row(c, inBytes, outBytes, seconds, BenchReport.median(copy), c.floor() == null ? Double.NaN : BenchReport.median(floor));
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-16s %-18s copy %6.2f GB/s", c.kernel(), c.shape(), row.copyGbps()));
    for (String name : seconds.keySet()) {
      line.append(String.format(Locale.ROOT, " | %s %6.2f GB/s %7.2f GFLOP/s", name, row.gbps(name), row.gflops(name)));
    }
    if (c.floor() != null) {
      line.append(String.format(Locale.ROOT, " | floor %6.2f GB/s (%.2f of the copy)", row.floorGbps(), row.floorGbps() / row.copyGbps()));
    }
    System.out.println(line);
    return row;
  }

  /** Copies each source into its target, every array split across the threads. */
  static void parallelCopy(List<float[]> sources, List<float[]> targets, ExecutorService threads) {
    inParts(threads, part -> {
      for (int a = 0; a < sources.size(); a++) {
        float[] s = sources.get(a);
        int from = from(s.length, part);
        System.arraycopy(s, from, targets.get(a), from, from(s.length, part + 1) - from);
      }
    });
  }

  /** Where part {@code part} of {@link #THREADS} starts in an array of {@code length}. */
  private static int from(int length, int part) {
    return (int) ((long) length * part / THREADS);
  }

  /** Runs parts 0 to {@link #THREADS} - 1 on the threads and waits for all of them. */
  private static void inParts(ExecutorService threads, java.util.function.IntConsumer part) {
    List<Future<?>> parts = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int p = t;
      parts.add(threads.submit(() -> part.accept(p)));
    }
    for (Future<?> f : parts) {
      try {
        f.get();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Runs {@code body} over {@code x}, split across the threads as {@link #parallelCopy} splits it. */
  static void parallel(float[] x, float[] out, FloorBody body, ExecutorService threads) {
    inParts(threads, part -> body.run(x, out, from(x.length, part), from(x.length, part + 1)));
  }

  /** numpy's W @ x + b in GFLOP/s (median of 5), or NaN with a note when python3 or numpy is missing. */
  double numpyGemv(int m, int n) {
    String script = String.join("\n",
        "import time, numpy as np",
        "m, n = " + m + ", " + n,
        "W = np.random.rand(m, n).astype(np.float32); x = np.random.rand(n).astype(np.float32); b = np.random.rand(m).astype(np.float32)",
        "for _ in range(20): y = W @ x + b",
        "rates = []",
        "for _ in range(5):",
        "    t0 = time.perf_counter(); k = 0",
        "    while time.perf_counter() - t0 < " + (minMs / 1000.0) + ":",
        "        y = np.maximum(W @ x + b, 0); k += 1",
        "    rates.append(2.0 * m * n * k / (time.perf_counter() - t0) / 1e9)",
        "print(sorted(rates)[2], np.__version__)");
    try {
      Process p = new ProcessBuilder(python, "-c", script).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        System.out.println("numpy reference: not in this run (" + python + ": " + out.lines().reduce((a, b) -> b).orElse("") + ")");
        return Double.NaN;
      }
      String[] parts = out.lines().reduce((a, b) -> b).orElse("").split(" ");
      numpyVersion = parts.length > 1 ? parts[1] : "?";
      System.out.printf(Locale.ROOT, "numpy %s matrix-vector 1024x1024: %.2f GFLOP/s%n", numpyVersion, Double.parseDouble(parts[0]));
      return Double.parseDouble(parts[0]);
    } catch (java.io.IOException e) {
      System.out.println("numpy reference: not in this run (" + python + " not found)");
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
  }

  private String numpyVersion = "";

  /** The mixed workload's jobs: mostly small, every eighth large; only kernels every backend runs. */
  static List<JobRequest> mix(String device, int count) {
    Random r = new Random(11);
    List<JobRequest> jobs = new ArrayList<>(count);
    float[] big = floats(1024 * 1024, r, 1);
    float[] bigX = floats(1024, r, 1);
    float[] image = floats(512 * 512, r, 1);
    float[] signal = floats(1 << 18, r, 1);
    float[] small = floats(256, r, 1);
    float[] taps = floats(32, r, 1);
    float[] filter = floats(9, r, 1);
    for (int i = 0; i < count; i++) {
      String id = device + "-" + i;
      JobRequest j;
      if (i % 8 == 7) {
        j = switch ((i / 8) % 3) {
          case 0 -> new JobRequest(device, id, "matrix.dense", Map.of("activation", "relu"), Map.of("W", big, "x", bigX, "b", bigX), 5, 0, 0);
          case 1 -> new JobRequest(device, id, "image.conv2d", Map.of("width", 512.0), Map.of("image", image, "filter", filter), 5, 0, 0);
          default -> new JobRequest(device, id, "signal.fir", Map.of(), Map.of("x", signal, "taps", taps), 5, 0, 0);
        };
      } else {
        j = switch (i % 3) {
          case 0 -> new JobRequest(device, id, "vector.saxpy", Map.of("a", 2.0), Map.of("x", small, "y", small), 5, 0, 0);
          case 1 -> new JobRequest(device, id, "signal.fir", Map.of(), Map.of("x", small, "taps", taps), 5, 0, 0);
          default -> new JobRequest(device, id, "image.conv2d", Map.of("width", 16.0), Map.of("image", small, "filter", filter), 5, 0, 0);
        };
      }
      jobs.add(j);
    }
    return jobs;
  }

  /**
   * Jobs per second of the mixed workload, per configuration: each backend alone, then placement. All
   * configurations are calibrated and warmed up first, then measured in turn round by round, so a
   * drift in the machine's speed affects them alike, in an order that rotates from round to round.
   */
  Map<String, Mixed> mixed(List<Backend> backends) throws Exception {
    Map<String, List<Backend>> configs = new LinkedHashMap<>();
    for (Backend b : backends) {
      configs.put(b.name() + " only", List.of(b));
    }
    if (backends.size() > 1) {
      configs.put("placement", backends);
    }
    Map<String, double[]> rates = new LinkedHashMap<>();
    Map<String, Scheduler> schedulers = new LinkedHashMap<>();
    Map<String, Mixed> results = new LinkedHashMap<>();
    AtomicInteger devices = new AtomicInteger();
    try {
      for (var e : configs.entrySet()) {
        SchedulerOptions options = new SchedulerOptions(1 << 26, 1 << 22, 1 << 16, 4096, THREADS, 1 << 16);
        ResultSealer sealer = job -> CompletableFuture.completedFuture(new ResultSealer.Seal("", ""));
        Scheduler s = Scheduler.create(options, KernelCatalog.builtIn(), e.getValue(), sealer, Clock.systemUTC(), Ticker.system());
        schedulers.put(e.getKey(), s);
        System.out.println("mixed workload, " + e.getKey() + ": calibrating and warming up");
        s.calibrated().toCompletableFuture().get(30, TimeUnit.MINUTES);
        run(s, mix("warm" + devices.incrementAndGet(), mixedJobs));
        rates.put(e.getKey(), new double[rounds]);
      }
      List<String> names = new ArrayList<>(schedulers.keySet());
      for (int i = 0; i < rounds; i++) {
        // Each round starts with the next configuration, so none is always measured right after the
        // same other one (after TornadoVM's round, its threads and buffers are still winding down).
        for (int k = 0; k < names.size(); k++) {
          String name = names.get((i + k) % names.size());
          rates.get(name)[i] = run(schedulers.get(name), mix("d" + devices.incrementAndGet(), mixedJobs));
        }
      }
      for (var e : schedulers.entrySet()) {
        Mixed m = new Mixed(rates.get(e.getKey()), e.getValue().stats().backends());
        results.put(e.getKey(), m);
        System.out.printf(Locale.ROOT, "mixed workload, %s: %.1f jobs/s (median of %d), by backend %s%n", e.getKey(),
            BenchReport.median(m.rates()), rounds, m.byBackend());
      }
    } finally {
      for (Scheduler s : schedulers.values()) {
        s.stop().toCompletableFuture().get(5, TimeUnit.MINUTES);
      }
    }
    return results;
  }

  /** The median over rounds of {@code a[i] / b[i]}. */
  static double pairedRatio(double[] a, double[] b) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] / b[i];
    }
    return BenchReport.median(r);
  }

  /** One configuration of the mixed workload: jobs/s per round, and jobs run per backend (warm-up included). */
  record Mixed(double[] rates, Map<String, Long> byBackend) {}

  /** Jobs per second through the scheduler, 32 in flight; fails on any error result. */
  static double run(Scheduler s, List<JobRequest> jobs) throws Exception {
    Semaphore window = new Semaphore(32);
    List<CompletableFuture<JobResult>> results = new ArrayList<>(jobs.size());
    long t0 = System.nanoTime();
    for (JobRequest j : jobs) {
      window.acquire();
      CompletableFuture<JobResult> f = s.submit(j).toCompletableFuture();
      f.whenComplete((r, e) -> window.release());
      results.add(f);
    }
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
    double rate = jobs.size() / ((System.nanoTime() - t0) / 1e9);
    for (CompletableFuture<JobResult> f : results) {
      JobResult r = f.get();
      if (!r.isOk()) {
        throw new IllegalStateException("a mixed-workload job failed: " + r);
      }
    }
    return rate;
  }

  /**
   * The flags this JVM was started with that bear on speed (-X..., -Dcairn..., added JDK modules), and
   * how many others there were (TornadoVM's argfile brings a few hundred module-system flags).
   */
  static String jvmFlags() {
    List<String> kept = new ArrayList<>();
    int others = 0;
    for (String f : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      boolean modules = f.startsWith("--add-modules") && !f.contains("tornado");
      if (f.startsWith("-X") || f.startsWith("-Dcairn.") || modules || f.equals("jdk.incubator.vector")) {
        kept.add(f);
      } else {
        others++;
      }
    }
    String shown = kept.isEmpty() ? "none" : "`" + String.join(" ", kept) + "`";
    return others == 0 ? shown : shown + " and " + others + " module-system and TornadoVM flags";
  }

  void report(List<Row> rows, double numpy, Map<String, Mixed> mixed, List<Backend> backends, String tornadoNote) throws Exception {
    List<String> names = new ArrayList<>();
    names.add("sequential");
    backends.forEach(b -> names.add(b.name()));
    StringBuilder md = new StringBuilder();
    md.append("## Kernels (`cairn bench kernels`)\n\n");
    md.append("Conditions: ").append(BenchReport.conditions()).append("; JVM backend on ").append(THREADS)
        .append(" threads, ").append(Backends.simd()).append("; JVM flags: ").append(jvmFlags())
        .append("; medians of ").append(rounds).append(" rounds of at least ").append(minMs).append(" ms each. ")
        .append(tornadoNote).append(".\n\n");
    md.append("GB/s counts the bytes a call reads and writes once; the copy reference is `System.arraycopy` of the same\n")
        .append("input bytes on as many threads (read + write). Streaming kernels aim at 0.8 of the copy.\n\n");
    md.append("| kernel | shape | copy GB/s |");
    names.forEach(n -> md.append(' ').append(n).append(" GB/s | ").append(n).append(" GFLOP/s |"));
    md.append(" best / copy | floor / copy |\n|---|---|---|");
    names.forEach(n -> md.append("---|---|"));
    md.append("---|---|\n");
    Map<String, Map<String, Double>> plot = new LinkedHashMap<>();
    plot.put("copy (reference)", new LinkedHashMap<>());
    names.forEach(n -> plot.put(n, new LinkedHashMap<>()));
    List<String> categories = new ArrayList<>();
    for (Row row : rows) {
      String cat = row.c().kernel();
      categories.add(cat);
      plot.get("copy (reference)").put(cat, row.copyGbps());
      md.append(String.format(Locale.ROOT, "| `%s` | %s | %.2f |", row.c().kernel(), row.c().shape(), row.copyGbps()));
      double best = 0;
      for (String n : names) {
        double g = row.gbps(n);
        plot.get(n).put(cat, g);
        md.append(Double.isNaN(g) ? " — | — |" : String.format(Locale.ROOT, " %.2f | %s |", g,
            Double.isNaN(row.gflops(n)) ? "—" : String.format(Locale.ROOT, "%.2f", row.gflops(n))));
        if (!n.equals("sequential") && !Double.isNaN(g)) {
          best = Math.max(best, g);
        }
      }
      md.append(row.c().streaming() ? String.format(Locale.ROOT, " %.2f%s |", best / row.copyGbps(), best / row.copyGbps() >= 0.8 ? "" : " (below 0.8)")
          : " (compute-bound) |");
      md.append(row.c().floor() == null ? " — |\n" : String.format(Locale.ROOT, " %.2f |%n", row.floorGbps() / row.copyGbps()));
    }
    List<Row> floored = rows.stream().filter(r -> r.c().floor() != null).toList();
    if (!floored.isEmpty()) {
      md.append("\nFloors, measured in the same run on the same input and as many threads as the copy: a part of the kernel's work per\n")
          .append("element, alone. \"floor / copy\" is the kernel's bytes per call over the floor's time, against the copy: a kernel that does\n")
          .append("this work and more cannot pass it.\n");
      for (Row row : floored) {
        md.append(String.format(Locale.ROOT, "- `%s`: %s: %.2f GB/s, %.2f of the copy.%n", row.c().kernel(), row.c().floor().what(),
            row.floorGbps(), row.floorGbps() / row.copyGbps()));
      }
    }
    md.append("\n`vector.saxpy` runs in place into `y`, as the gateway runs it for a request decoded from a payload: it touches\n")
        .append("its 8 MB of inputs where the copy of those inputs touches 16 MB, so more of it stays in cache and it can beat the copy.\n");
    Row dense = rows.stream().filter(r -> r.c().kernel().equals("matrix.dense")).findFirst().orElseThrow();
    double ours = names.stream().filter(n -> !n.equals("sequential")).mapToDouble(dense::gflops).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
    md.append("\n`matrix.dense` 1024x1024 (a matrix-vector product plus bias and ReLU, 2 flops per weight): ");
    if (Double.isNaN(numpy)) {
      md.append(String.format(Locale.ROOT, "%.2f GFLOP/s; numpy was not available in this run, so no OpenBLAS reference.%n", ours));
    } else {
      md.append(String.format(Locale.ROOT, "%.2f GFLOP/s against numpy %s (OpenBLAS) on the same operation and cores %.2f GFLOP/s: "
          + "ratio %.2f (aim 0.5)%s.%n", ours, numpyVersion, numpy, ours / numpy, ours / numpy >= 0.5 ? "" : ", below the aim"));
    }
    md.append("\n### Placement on a mixed workload\n\n");
    md.append("Jobs through the scheduler, 32 in flight, ").append(mixedJobs).append(" per round: seven in eight small (256 floats:\n")
        .append("saxpy, 32-tap FIR, 16x16 conv2d), one in eight large (1024x1024 dense, 512x512 conv2d, 2^18-sample FIR),\n")
        .append("each configuration after its calibration and a warm-up round; the configurations are measured in turn, round by round,\n")
        .append("each round starting with the next configuration.\n\n")
        .append("| configuration | jobs/s (median) | slowest and fastest round | jobs by backend (warm-up included) |\n|---|---|---|---|\n");
    double bestFixed = 0;
    String bestName = null;
    for (var e : mixed.entrySet()) {
      double m = BenchReport.median(e.getValue().rates());
      double[] sorted = e.getValue().rates().clone();
      Arrays.sort(sorted);
      md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f - %.1f | %s |%n", e.getKey(), m, sorted[0], sorted[sorted.length - 1],
          e.getValue().byBackend()));
      if (!e.getKey().equals("placement") && m > bestFixed) {
        bestFixed = m;
        bestName = e.getKey();
      }
    }
    if (mixed.containsKey("placement")) {
      double[] placement = mixed.get("placement").rates();
      double ratio = BenchReport.median(placement) / bestFixed;
      double paired = pairedRatio(placement, mixed.get(bestName).rates());
      md.append(String.format(Locale.ROOT, "%nPlacement / best single backend (%s): %.3f, the median of the rounds' ratios (each round "
          + "of placement against the same round of `%s`, which cancels the machine's drift from round to round); aim at least 1.0%s. "
          + "The ratio of the medians: %.2f.%n", bestName, paired, bestName, paired >= 1.0 ? "" : ", below the aim", ratio));
      Map<String, Long> placed = mixed.get("placement").byBackend();
      if (placed.values().stream().filter(n -> n > 0).count() == 1) {
        md.append(String.format(Locale.ROOT, "Placement ran every job on `%s` (no other backend was predicted to pay), so this "
            + "ratio compares two runs of the same backend: the spread of the rounds above is the noise.%n",
            placed.entrySet().stream().filter(x -> x.getValue() > 0).findFirst().orElseThrow().getKey()));
      }
    } else {
      md.append("\nOnly one backend in this run, so placement had nothing to choose from.\n");
    }
    md.append("\n![kernel throughput](bench-kernels.png)\n");
    BenchReport.barChart(docs.resolve("bench-kernels.png"), "Kernel throughput (GB/s, higher is better)", "GB/s", categories, plot);
    Path file = BenchReport.writeSection(docs, "kernels", md.toString());
    System.out.println("wrote " + file + " and " + docs.resolve("bench-kernels.png"));
  }
}
