package dev.cairn.kernels.impl;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.Parallel;
import dev.cairn.kernels.ParamSpec;
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
        "stats.anomaly", "1.1.0", "rolling z-score over a window; indices above a threshold",
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

  /** Samples whose window sums are taken before their scores: the loops' scratch arrays. */
  static final int BLOCK = 1024;

  /**
   * Scores of [from, to): window sums started afresh at {@code from}, then slid, so chunks are
   * independent. The sums are of d = x - k, where the shift k is a sample of the current window, moved
   * to the window's newest sample at the start of every block of {@link #BLOCK} samples ({@code S +=
   * w·δ}, {@code Q += δ(2S + w·δ)}): with unshifted sums, a signal with a large offset lost its variance to cancellation (a
   * score off by 0.02 at an offset of 1e7), and a flat stretch could score noise. Block by block,
   * three loops: the sliding sums (the only loop-carried chain), then each sample's mean and standard
   * deviation, then its score. Kept apart, the square roots and divisions do not wait on the chain.
   */
  static void scores(float[] x, int window, float[] out, int from, int to) {
    int start = Math.max(from, window);
    for (int i = from; i < Math.min(to, window); i++) {
      out[i] = 0;
    }
    if (start >= to) {
      return;
    }
    double k = x[start - 1];
    double sum = 0;
    double sq = 0;
    for (int j = start - window; j < start; j++) {
      double d = x[j] - k;
      sum += d;
      sq += d * d;
    }
    double inverse = 1.0 / window;
    double[] means = new double[Math.min(BLOCK, to - start)];
    double[] sds = new double[means.length];
    for (int b = start; b < to; b += means.length) {
      int m = Math.min(means.length, to - b);
      if (b > start) {
        double moved = x[b - 1];
        double delta = k - moved;
        sq += delta * (2 * sum + window * delta);
        sum += window * delta;
        k = moved;
      }
      for (int c = 0; c < m; c++) {
        int i = b + c;
        means[c] = sum;
        sds[c] = sq;
        double in = x[i] - k;
        double leaving = x[i - window] - k;
        sum += in - leaving;
        sq += in * in - leaving * leaving;
      }
      for (int c = 0; c < m; c++) {
        double mean = means[c] * inverse;
        means[c] = mean;
        // Finite values: max and the comparison give the same; here the loop has no branch.
        sds[c] = Math.sqrt(Math.max(sds[c] * inverse - mean * mean, 0.0));
      }
      for (int c = 0; c < m; c++) {
        double mean = means[c];
        double sd = sds[c];
        // Comparisons, not Math.max: Java 17's Math.max of doubles is slow in a loop with branches.
        double size = Math.abs(mean + k);
        out[b + c] = sd < 1e-12 * (size > 1 ? size : 1) ? 0f : (float) ((x[b + c] - k - mean) / sd);
      }
    }
  }

  /** Indices in [from, to) whose |score| exceeds {@code threshold}, ascending. */
  static int[] above(float[] scores, double threshold, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      if (Math.abs(scores[i]) > threshold) {
        n++;
      }
    }
    int[] idx = new int[n];
    n = 0;
    for (int i = from; i < to && n < idx.length; i++) {
      if (Math.abs(scores[i]) > threshold) {
        idx[n++] = i;
      }
    }
    return idx;
  }

  @Override
  public Map<String, Object> run(KernelArgs args, Parallel parallel) {
    float[] x = args.input("x");
    int window = (int) args.number("window");
    double threshold = args.number("threshold");
    float[] out = new float[x.length];
    // Each chunk finds its own anomalies while its scores are still in cache; joined in chunk order.
    int[][] found = new int[Parallel.chunkCount(x.length, GRAIN)][];
    parallel.forRange(x.length, GRAIN, (from, to) -> {
      scores(x, window, out, from, to);
      found[from / GRAIN] = above(out, threshold, from, to);
    });
    int total = 0;
    for (int[] f : found) {
      total += f.length;
    }
    int[] anomalies = new int[total];
    int at = 0;
    for (int[] f : found) {
      System.arraycopy(f, 0, anomalies, at, f.length);
      at += f.length;
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("scores", out);
    result.put("anomalies", anomalies);
    return result;
  }
}
