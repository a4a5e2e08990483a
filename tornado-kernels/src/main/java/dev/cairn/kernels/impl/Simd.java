package dev.cairn.kernels.impl;

/**
 * Whether kernels use the Vector API: the JVM must have been started with
 * {@code --add-modules jdk.incubator.vector}, the CPU's float vectors must split 16 lanes evenly, and
 * {@code -Dcairn.simd=false} turns it off. Either way a kernel gives the same bytes.
 */
public final class Simd {
  private static final int BITS = detect();

  private Simd() {}

  /** Whether {@code matrix.dense}, {@code vector.stats}, {@code signal.fir} and {@code image.conv2d} run on the Vector API. */
  static boolean enabled() {
    return BITS > 0;
  }

  /** One line for {@code cairn devices} and the benchmarks. */
  public static String describe() {
    if (BITS > 0) {
      return "SIMD " + BITS + "-bit (jdk.incubator.vector)";
    }
    if ("false".equals(System.getProperty("cairn.simd"))) {
      return "SIMD off (-Dcairn.simd=false)";
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return "SIMD off (start java with --add-modules jdk.incubator.vector)";
    }
    return "SIMD off (this CPU's vectors do not split 16 lanes)";
  }

  private static int detect() {
    if ("false".equals(System.getProperty("cairn.simd")) || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return 0;
    }
    return SimdStats.usable() ? SimdDense.usableBits() : 0;
  }
}
