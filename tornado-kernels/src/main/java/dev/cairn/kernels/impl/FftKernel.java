package dev.cairn.kernels.impl;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelArgumentException;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.Parallel;
import java.lang.ref.SoftReference;
import java.util.List;
import java.util.Map;

/** {@code signal.fft}: power spectrum |X_k|^2, k = 0..n/2, of a real signal of power-of-two length. */
final class FftKernel extends AbstractKernel {
  static final int GRAIN = 1 << 14;

  FftKernel() {
    super(new KernelSpec(
        "signal.fft", "1.0.0", "power spectrum |X_k|^2 (k = 0..n/2) of a real signal whose length n is a power of two",
        List.of(),
        List.of(new InputSpec("x", 1, "signal, power-of-two length")),
        List.of(new OutputSpec("power", OutputSpec.Kind.F32_ARRAY, "n/2 + 1 values"))));
  }

  @Override
  void checkShapes(KernelArgs args) {
    int n = args.input("x").length;
    if (Integer.bitCount(n) != 1) {
      throw new KernelArgumentException("input 'x' has " + n + " elements; signal.fft needs a power of two (pad with zeros to "
          + Integer.highestOneBit(n) * 2 + ")");
    }
  }

  /**
   * The largest twiddle table made so far: cos and sin of 2πk/N for k < N/2, softly held (the collector
   * may take it back). Computing one with StrictMath took 36 ms for N = 2^20 here, a third of the whole
   * transform. A smaller power of two n reads every (N/n)-th entry, which is the same double:
   * (2π·k·m)/(n·m) rounds exactly as (2π·k)/n when m is a power of two.
   */
  private static volatile SoftReference<double[][]> largest = new SoftReference<>(null);

  static double[][] twiddles(int n, Parallel parallel) {
    double[][] t = largest.get();
    if (t != null && 2 * t[0].length >= n) {
      return t;
    }
    t = computeTwiddles(n, parallel);
    largest = new SoftReference<>(t);
    return t;
  }

  /** The table for n: max(1, n/2) entries (n = 1 has the one entry k = 0, as n = 2). */
  static double[][] computeTwiddles(int n, Parallel parallel) {
    double[] cos = new double[Math.max(1, n / 2)];
    double[] sin = new double[cos.length];
    parallel.forRange(cos.length, GRAIN, (from, to) -> SpectrumKernels.twiddles(cos, sin, n, from, to));
    return new double[][] {cos, sin};
  }

  @Override
  public Map<String, Object> run(KernelArgs args, Parallel parallel) {
    float[] x = args.input("x");
    int n = x.length;
    int bits = Integer.numberOfTrailingZeros(n);
    double[] re = new double[n];
    double[] im = new double[n];
    double[][] table = twiddles(n, parallel);
    double[] cos = table[0];
    double[] sin = table[1];
    parallel.forRange(n, GRAIN, (from, to) -> SpectrumKernels.bitReverse(x, re, im, bits, from, to));
    for (int half = 1; half < n; half *= 2) {
      int h = half;
      parallel.forRange(n / 2, GRAIN, (from, to) -> SpectrumKernels.stage(re, im, cos, sin, h, from, to));
    }
    float[] power = new float[n / 2 + 1];
    parallel.forRange(power.length, GRAIN, (from, to) -> SpectrumKernels.power(re, im, power, from, to));
    return Map.of("power", power);
  }
}
