package dev.cairn.kernels.impl;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelArgumentException;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.Parallel;
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

  @Override
  public Map<String, Object> run(KernelArgs args, Parallel parallel) {
    float[] x = args.input("x");
    int n = x.length;
    int bits = Integer.numberOfTrailingZeros(n);
    double[] re = new double[n];
    double[] im = new double[n];
    double[] cos = new double[Math.max(1, n / 2)];
    double[] sin = new double[Math.max(1, n / 2)];
    for (int k = 0; k < n / 2; k++) {
      double a = 2 * Math.PI * k / n;
      cos[k] = StrictMath.cos(a);
      sin[k] = StrictMath.sin(a);
    }
    parallel.forRange(n, GRAIN, (from, to) -> SpectrumKernels.bitReverse(x, re, im, bits, from, to));
    for (int half = 1; half < n; half *= 2) {
      int h = half;
      parallel.forRange(n / 2, GRAIN, (from, to) -> SpectrumKernels.stage(re, im, cos, sin, n, h, from, to));
    }
    float[] power = new float[n / 2 + 1];
    parallel.forRange(power.length, GRAIN, (from, to) -> SpectrumKernels.power(re, im, power, from, to));
    return Map.of("power", power);
  }
}
