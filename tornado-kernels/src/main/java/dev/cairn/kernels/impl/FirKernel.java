package dev.cairn.kernels.impl;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.Parallel;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** {@code signal.fir}: FIR filter with zero history before the first sample. */
final class FirKernel extends AbstractKernel {
  static final int WORK_PER_CHUNK = 1 << 16;

  FirKernel() {
    super(new KernelSpec(
        "signal.fir", "1.0.0", "FIR filter: y[i] = sum_k taps[k]*x[i-k], zero before the first sample",
        List.of(),
        List.of(new InputSpec("x", 1, "signal"), new InputSpec("taps", 1, "filter coefficients")),
        List.of(new OutputSpec("y", OutputSpec.Kind.F32_ARRAY, "filtered signal, same length as x"))));
  }

  @Override
  void checkShapes(KernelArgs args) {}

  @Override
  public Map<String, Object> run(KernelArgs args, Parallel parallel) {
    float[] x = args.input("x");
    float[] taps = args.input("taps");
    float[] y = new float[x.length];
    int grain = Math.max(256, WORK_PER_CHUNK / taps.length);
    parallel.forRange(x.length, grain, (from, to) -> SignalKernels.fir(x, taps, y, from, to));
    return Map.of("y", y);
  }

  @Override
  public KernelArgs sample(int elements, Random random) {
    return check(new KernelArgs(Map.of(), Map.of("x", AbstractKernel.randomFloats(Math.max(1, elements), random),
        "taps", AbstractKernel.randomFloats(32, random))));
  }
}
