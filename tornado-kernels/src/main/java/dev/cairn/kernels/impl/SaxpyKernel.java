package dev.cairn.kernels.impl;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelArgumentException;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.Parallel;
import dev.cairn.kernels.ParamSpec;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code vector.saxpy}: y = a·x + y. In place, into y, when the call gives its inputs over
 * ({@link KernelArgs#mayOverwriteInputs()}), as BLAS does: a fresh output array costs more than the
 * arithmetic (the JVM zeroes it on one thread, then it is written again).
 */
final class SaxpyKernel extends AbstractKernel {
  static final int GRAIN = 1 << 16;

  SaxpyKernel() {
    super(new KernelSpec(
        "vector.saxpy", "1.0.0", "y = a*x + y over float vectors",
        List.of(ParamSpec.number("a", null, "scale of x")),
        List.of(new InputSpec("x", 1, "vector"), new InputSpec("y", 1, "vector, same length as x")),
        List.of(new OutputSpec("y", OutputSpec.Kind.F32_ARRAY, "a*x + y"))));
  }

  @Override
  void checkShapes(KernelArgs args) {
    int nx = args.input("x").length;
    int ny = args.input("y").length;
    if (nx != ny) {
      throw new KernelArgumentException("input 'x' has " + nx + " elements, 'y' has " + ny + "; they must be equal");
    }
  }

  @Override
  public Map<String, Object> run(KernelArgs args, Parallel parallel) {
    float a = (float) args.number("a");
    float[] x = args.input("x");
    float[] y = args.input("y");
    float[] out = args.mayOverwriteInputs() ? y : new float[x.length];
    parallel.forRange(x.length, GRAIN, (from, to) -> VectorKernels.saxpy(a, x, y, out, from, to));
    return Map.of("y", out);
  }

  @Override
  public KernelArgs sample(int elements, Random random) {
    int n = Math.max(1, elements / 2);
    return check(new KernelArgs(Map.of("a", 2.0), Map.of("x", AbstractKernel.randomFloats(n, random), "y", AbstractKernel.randomFloats(n, random))));
  }
}
