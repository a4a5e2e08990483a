package dev.cairn.kernels.impl;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.OutputSpec.Kind;
import dev.cairn.kernels.Parallel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vector.stats}: count, sum, min, max, mean and population variance. Chunks are fixed by the
 * length alone and merged in chunk order (Chan et al.), so the bytes do not depend on threads.
 */
final class StatsKernel extends AbstractKernel {
  static final int GRAIN = 1 << 16;

  StatsKernel() {
    super(new KernelSpec(
        "vector.stats", "1.2.0", "count, sum, min, max, mean and population variance of a vector",
        List.of(),
        List.of(new InputSpec("x", 1, "vector")),
        List.of(
            new OutputSpec("count", Kind.I64, "number of elements"),
            new OutputSpec("sum", Kind.F64, "sum"),
            new OutputSpec("min", Kind.F64, "smallest element"),
            new OutputSpec("max", Kind.F64, "largest element"),
            new OutputSpec("mean", Kind.F64, "arithmetic mean"),
            new OutputSpec("variance", Kind.F64, "population variance (divided by count)"))));
  }

  @Override
  void checkShapes(KernelArgs args) {}

  @Override
  public Map<String, Object> run(KernelArgs args, Parallel parallel) {
    float[] x = args.input("x");
    int chunks = Parallel.chunkCount(x.length, GRAIN);
    double[] sum = new double[chunks];
    double[] m2 = new double[chunks];
    float[] min = new float[chunks];
    float[] max = new float[chunks];
    parallel.forRange(x.length, GRAIN,
        (from, to) -> VectorKernels.statsPartial(x, from, to, from / GRAIN, sum, m2, min, max));
    long n = 0;
    double s = 0;
    double mu = 0;
    double sq = 0;
    float lo = min[0];
    float hi = max[0];
    for (int c = 0; c < chunks; c++) {
      long nb = Math.min(GRAIN, x.length - (long) c * GRAIN);
      long total = n + nb;
      double delta = sum[c] / nb - mu;
      mu += delta * nb / total;
      sq += m2[c] + delta * delta * n * nb / total;
      n = total;
      s += sum[c];
      lo = Math.min(lo, min[c]);
      hi = Math.max(hi, max[c]);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("count", n);
    out.put("sum", s);
    out.put("min", (double) lo);
    out.put("max", (double) hi);
    out.put("mean", mu);
    out.put("variance", sq / n);
    return out;
  }
}
