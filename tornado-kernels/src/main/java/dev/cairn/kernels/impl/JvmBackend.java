package dev.cairn.kernels.impl;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import java.util.List;
import java.util.Map;

/**
 * The multi-core CPU backend. A large loop is cut into fixed chunks that the calling thread and
 * {@code threads - 1} helper threads run ({@link ChunkRunner}); a single chunk runs inline.
 */
public final class JvmBackend implements Backend {
  private final int threads;
  private final ChunkRunner parallel;

  public JvmBackend(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, was " + threads);
    }
    this.threads = threads;
    parallel = new ChunkRunner(threads, "cairn-jvm-");
    Simd.warmUpInBackground();
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
    return List.of("jvm: " + threads + " threads on " + dev.cairn.kernels.Backends.host() + ", Java " + Runtime.version().feature() + ", " + Simd.describe());
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
    parallel.close();
  }
}
