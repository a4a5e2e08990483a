package dev.cairn.kernels.impl;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.Parallel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The multi-core CPU backend. A large loop is cut into fixed chunks that a ForkJoinPool runs; the
 * calling thread takes part (ForkJoin's {@code invoke} from outside the pool waits for the result,
 * and work-stealing keeps concurrent callers from starving each other). A single chunk runs inline.
 */
public final class JvmBackend implements Backend {
  private final int threads;
  private final ForkJoinPool pool;
  private final Parallel parallel;

  public JvmBackend(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, was " + threads);
    }
    this.threads = threads;
    AtomicInteger n = new AtomicInteger();
    pool = new ForkJoinPool(threads, p -> {
      ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
      t.setName("cairn-jvm-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    }, null, false);
    parallel = (size, grain, body) -> {
      int chunks = Parallel.chunkCount(size, grain);
      if (chunks <= 1) {
        if (size > 0) {
          body.run(0, size);
        }
        return;
      }
      pool.invoke(new Chunks(0, chunks, size, grain, body));
    };
  }

  @Override
  public String name() {
    return "jvm";
  }

  @Override
  public Map<String, Object> execute(Kernel kernel, KernelArgs checkedArgs) {
    return kernel.run(checkedArgs, parallel);
  }

  @Override
  public List<String> devices() {
    return List.of("jvm: " + threads + " threads on " + dev.cairn.kernels.Backends.host() + ", Java " + Runtime.version().feature());
  }

  /** The CPU's model name from /proc/cpuinfo, or "unknown CPU" off Linux. */
  public static String cpuModel() {
    try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("model name") || l.startsWith("Model"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown CPU");
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown CPU";
    }
  }

  @Override
  public void close() {
    pool.shutdown();
  }

  /** Chunks [lo, hi) of the loop, split in halves until one is left. */
  private static final class Chunks extends RecursiveAction {
    private static final long serialVersionUID = 1L;
    private final int lo;
    private final int hi;
    private final int size;
    private final int grain;
    private final transient Parallel.RangeBody body;

    Chunks(int lo, int hi, int size, int grain, Parallel.RangeBody body) {
      this.lo = lo;
      this.hi = hi;
      this.size = size;
      this.grain = grain;
      this.body = body;
    }

    @Override
    protected void compute() {
      if (hi - lo == 1) {
        int from = lo * grain;
        body.run(from, Math.min(size, from + grain));
        return;
      }
      int mid = (lo + hi) >>> 1;
      invokeAll(new Chunks(lo, mid, size, grain, body), new Chunks(mid, hi, size, grain, body));
    }
  }
}
