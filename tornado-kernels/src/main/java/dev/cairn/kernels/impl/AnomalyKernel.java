package dev.cairn.kernels.impl;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.Parallel;
import dev.cairn.kernels.ParamSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code stats.anomaly}: rolling z-score of each sample against the {@code window} samples before it
 * (0 for the first {@code window} samples and where those samples do not vary), and the indices whose
 * |z| exceeds {@code threshold}.
 */
final class AnomalyKernel extends AbstractKernel {
  static final int GRAIN = 1 << 14;

  AnomalyKernel() {
    super(new KernelSpec(
        "stats.anomaly", "1.0.0", "rolling z-score over a window; indices above a threshold",
        List.of(
            ParamSpec.integer("window", 32, 2, 1 << 16, "samples before each one that it is compared with"),
            new ParamSpec("threshold", ParamSpec.ParamType.NUMBER, 3.0, 0, Double.MAX_VALUE, List.of(), "|z| above this is an anomaly")),
        List.of(new InputSpec("x", 1, "samples")),
        List.of(
            new OutputSpec("scores", OutputSpec.Kind.F32_ARRAY, "z-score per sample"),
            new OutputSpec("anomalies", OutputSpec.Kind.I32_ARRAY, "indices with |z| > threshold, ascending"))));
  }

  @Override
  void checkShapes(KernelArgs args) {}

  /** Scores of [from, to): window sums started afresh at {@code from}, then slid, so chunks are independent. */
  static void scores(float[] x, int window, float[] out, int from, int to) {
    double sum = 0;
    double sq = 0;
    int start = Math.max(from, window);
    for (int i = from; i < Math.min(to, window); i++) {
      out[i] = 0;
    }
    if (start >= to) {
      return;
    }
    for (int j = start - window; j < start; j++) {
      sum += x[j];
      sq += (double) x[j] * x[j];
    }
    for (int i = start; i < to; i++) {
      double mean = sum / window;
      // Comparisons, not Math.max: Java 17's Math.max of doubles made this loop 3.6x slower here. The
      // values are finite, where both give the same.
      double diff = sq / window - mean * mean;
      double sd = Math.sqrt(diff > 0 ? diff : 0);
      double size = Math.abs(mean);
      out[i] = sd < 1e-12 * (size > 1 ? size : 1) ? 0f : (float) ((x[i] - mean) / sd);
      double leaving = x[i - window];
      sum += x[i] - leaving;
      sq += (double) x[i] * x[i] - leaving * leaving;
    }
  }

  @Override
  public Map<String, Object> run(KernelArgs args, Parallel parallel) {
    float[] x = args.input("x");
    int window = (int) args.number("window");
    double threshold = args.number("threshold");
    float[] out = new float[x.length];
    parallel.forRange(x.length, GRAIN, (from, to) -> scores(x, window, out, from, to));
    int[] idx = new int[x.length];
    int n = 0;
    for (int i = 0; i < x.length; i++) {
      if (Math.abs(out[i]) > threshold) {
        idx[n++] = i;
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("scores", out);
    result.put("anomalies", Arrays.copyOf(idx, n));
    return result;
  }
}
