package dev.cairn.kernels.impl;

/**
 * Whether kernels use the Vector API: the JVM must have been started with
 * {@code --add-modules jdk.incubator.vector}, the CPU's float vectors must split 16 lanes evenly, and
 * {@code -Dcairn.simd=false} turns it off. Either way a kernel gives the same bytes.
 */
public final class Simd {
  /** Why the Vector API is not used whatever the CPU, or null when it may be. */
  private static final String OFF = offReason();
  private static final int BITS = OFF == null && SimdStats.usable() ? SimdDense.usableBits() : 0;

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
    return OFF != null ? OFF : "SIMD off (this CPU's vectors do not split 16 lanes)";
  }

  private static String offReason() {
    if ("false".equals(System.getProperty("cairn.simd"))) {
      return "SIMD off (-Dcairn.simd=false)";
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return "SIMD off (start java with --add-modules jdk.incubator.vector)";
    }
    return null;
  }

  private static final java.util.concurrent.atomic.AtomicBoolean WARMED = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Compiles the vector loops before the first jobs need them, once per JVM, on a low-priority daemon
   * thread (about a second of one core). Until the JIT has compiled them, vector loops run in the
   * interpreter, 10 to 100 times slower than the plain loops: a 1024x1024 dense layer took 144 ms and
   * then about 15-50 ms for its next calls here, instead of 2 ms.
   */
  static void warmUpInBackground() {
    if (!enabled() || !WARMED.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(Simd::warmUp, "cairn-simd-warm-up");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  /** Runs every vector loop on small inputs until the JIT has compiled it. */
  static void warmUp() {
    int n = 64;
    int rows = 16;
    float[] w = ramp(rows * n);
    float[] x = ramp(n);
    float[] b = ramp(rows);
    float[] y = new float[rows];
    float[] signal = ramp(4 * n);
    float[] filtered = new float[signal.length];
    float[] taps = ramp(8);
    float[] f3 = ramp(9);
    float[] f5 = ramp(25);
    float[] image = new float[signal.length];
    double[] sum = new double[1];
    double[] m2 = new double[1];
    float[] min = new float[1];
    float[] max = new float[1];
    for (int i = 0; i < 20_000; i++) {
      SimdDense.dense(w, x, b, y, n, MatrixKernels.RELU, 0, rows);
      SimdStats.statsPartial(signal, 0, signal.length, 0, sum, m2, min, max);
      SimdFilters.fir(signal, taps, filtered, 0, signal.length);
      SimdFilters.conv2d(signal, n, 4, f3, 3, image, 0, 4);
      SimdFilters.conv2d(signal, n, 4, f5, 5, image, 0, 4);
    }
  }

  private static float[] ramp(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (i % 7) * 0.25f - 0.5f;
    }
    return a;
  }

}
