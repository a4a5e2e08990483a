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

/** {@code matrix.dense}: y = activation(W·x + b), W row-major m×n. */
final class DenseKernel extends AbstractKernel {
  static final List<String> ACTIVATIONS = List.of("none", "relu", "sigmoid", "tanh");
  /** Multiply-adds per chunk; rows per chunk follow from the row length. */
  static final int WORK_PER_CHUNK = 1 << 16;

  DenseKernel() {
    super(new KernelSpec(
        "matrix.dense", "1.1.0", "dense layer: y = activation(W x + b)",
        List.of(ParamSpec.choice("activation", "none", ACTIVATIONS, "applied to each output")),
        List.of(
            new InputSpec("W", 1, "m x n matrix, row-major"),
            new InputSpec("x", 1, "vector of n"),
            new InputSpec("b", 1, "vector of m")),
        List.of(new OutputSpec("y", OutputSpec.Kind.F32_ARRAY, "vector of m"))));
  }

  @Override
  void checkShapes(KernelArgs args) {
    long m = args.input("b").length;
    long n = args.input("x").length;
    int w = args.input("W").length;
    if (m * n != w) {
      throw new KernelArgumentException(
          "input 'W' has " + w + " elements; with m = " + m + " (length of b) and n = " + n
              + " (length of x) it must have m*n = " + (m * n));
    }
  }

  @Override
  public Map<String, Object> run(KernelArgs args, Parallel parallel) {
    float[] w = args.input("W");
    float[] x = args.input("x");
    float[] b = args.input("b");
    int n = x.length;
    int act = ACTIVATIONS.indexOf(args.choice("activation"));
    float[] y = new float[b.length];
    int rowsPerChunk = Math.max(1, WORK_PER_CHUNK / n);
    parallel.forRange(b.length, rowsPerChunk, (from, to) -> MatrixKernels.dense(w, x, b, y, n, act, from, to));
    return Map.of("y", y);
  }

  @Override
  public KernelArgs sample(int elements, Random random) {
    int n = Math.max(1, (int) Math.sqrt(elements));
    return check(new KernelArgs(Map.of("activation", "relu"), Map.of("W", AbstractKernel.randomFloats(n * n, random),
        "x", AbstractKernel.randomFloats(n, random), "b", AbstractKernel.randomFloats(n, random))));
  }
}
