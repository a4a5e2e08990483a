package dev.cairn.runtime.cli;

import dev.cairn.anchor.AnchorOptions;
import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.Canonical;
import dev.cairn.anchor.LeafInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn bench}: the project's own benchmarks, each against a reference measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks with same-run references.",
    subcommands = {BenchCommand.Anchor.class, CoapBench.class, KernelBench.class, MqttBench.class, NetworkBench.class})
final class BenchCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** Durable leaf append plus sealing, against raw SHA-256 of the same bytes. */
  @Command(name = "anchor", mixinStandardHelpOptions = true,
      description = "Leaves per second made durable in the journal and sealed into signed batches, against SHA-256 of the same outputs in the same run.")
  static final class Anchor implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--leaves", defaultValue = "300000", description = "leaves per round (default ${DEFAULT-VALUE})")
    int leaves;

    @Option(names = "--rounds", defaultValue = "3", description = "rounds; the median is reported (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--warmup", defaultValue = "2", description = "rounds run first and not counted, for the JIT (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--threads", defaultValue = "2", description = "appending threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--dir", description = "where to put the journal (default: a temporary directory, deleted after)")
    Path dir;

    @Override
    public Integer call() throws Exception {
      if (leaves < 1000 || rounds < 1 || threads < 1 || warmup < 0) {
        throw new IllegalArgumentException("--leaves must be at least 1000, --rounds and --threads at least 1, --warmup at least 0");
      }
      Map<String, Object> outputs = Map.of("y", new float[64]);
      byte[] inputDigest = new byte[32];
      double[] anchorRates = new double[rounds];
      double[] shaRates = new double[rounds];
      for (int w = 0; w < warmup; w++) {
        shaRate(outputs);
        anchorRate(outputs, inputDigest, rounds + w);
        System.out.printf("warm-up %d of %d done%n", w + 1, warmup);
      }
      for (int round = 0; round < rounds; round++) {
        shaRates[round] = shaRate(outputs);
        anchorRates[round] = anchorRate(outputs, inputDigest, round);
        System.out.printf("round %d: %,.0f leaves/s durable and sealed; SHA-256 of the same outputs %,.0f/s%n",
            round + 1, anchorRates[round], shaRates[round]);
      }
      java.util.Arrays.sort(anchorRates);
      java.util.Arrays.sort(shaRates);
      double a = anchorRates[rounds / 2];
      double s = shaRates[rounds / 2];
      System.out.printf("median: %,.0f leaves/s (aim 200,000), SHA-256 reference %,.0f/s, ratio %.3f; %d threads, %d cores%n",
          a, s, a / s, threads, Runtime.getRuntime().availableProcessors());
      return 0;
    }

    /** SHA-256 of the salt and canonical output bytes, as many times as there are leaves, on the same threads. */
    private double shaRate(Map<String, Object> outputs) throws Exception {
      byte[] salt = new byte[16];
      long t0 = System.nanoTime();
      CompletableFuture<?>[] parts = new CompletableFuture<?>[threads];
      for (int t = 0; t < threads; t++) {
        parts[t] = CompletableFuture.runAsync(() -> {
          try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < leaves / threads; i++) {
              md.update(salt);
              md.update(Canonical.outputBytes(outputs));
              md.digest();
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
      }
      CompletableFuture.allOf(parts).get();
      return leaves / ((System.nanoTime() - t0) / 1e9);
    }

    private double anchorRate(Map<String, Object> outputs, byte[] inputDigest, int round) throws Exception {
      Path d = dir != null ? Files.createDirectories(dir.resolve("round-" + round)) : Files.createTempDirectory("cairn-bench");
      AnchorService service = AnchorService.open(AnchorOptions.defaults(d, "bench"), Clock.systemUTC());
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long t0 = System.nanoTime();
      Thread[] workers = new Thread[threads];
      for (int t = 0; t < threads; t++) {
        int id = t;
        workers[t] = new Thread(() -> {
          Semaphore window = new Semaphore(AnchorOptions.DEFAULT_MAX_PENDING_LEAVES / threads);
          for (int i = 0; i < leaves / threads; i++) {
            window.acquireUninterruptibly();
            service.append(new LeafInput("dev" + id, "j" + i, "vector.saxpy", "1.0.0", inputDigest, outputs, "jvm", 0, 0))
                .whenComplete((l, e) -> {
                  if (e != null) {
                    failure.compareAndSet(null, e);
                  }
                  window.release();
                });
          }
          window.acquireUninterruptibly(AnchorOptions.DEFAULT_MAX_PENDING_LEAVES / threads);
        });
        workers[t].start();
      }
      for (Thread w : workers) {
        w.join();
      }
      service.sealNow().toCompletableFuture().get(60, TimeUnit.SECONDS);
      double rate = (leaves / threads * threads) / ((System.nanoTime() - t0) / 1e9);
      service.close().toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (failure.get() != null) {
        throw new IllegalStateException("an append failed: " + failure.get().getMessage(), failure.get());
      }
      if (dir == null) {
        try (Stream<Path> files = Files.walk(d)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
      return rate;
    }
  }
}
