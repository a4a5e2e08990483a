package dev.cairn.kernels.impl;

/**
 * Vector arithmetic as static, allocation-free loops over an index range, in TornadoVM's style: the
 * body of each loop is what a {@code @Parallel} loop would hold.
 */
final class VectorKernels {
  private VectorKernels() {}

  /** {@code out[i] = a * x[i] + y[i]} for i in [from, to). */
  static void saxpy(float a, float[] x, float[] y, float[] out, int from, int to) {
    for (int i = from; i < to; i++) {
      out[i] = a * x[i] + y[i];
    }
  }

  /**
   * Partial statistics of {@code x[from, to)} into slot {@code c} of the partial arrays: count is
   * {@code to - from}; mean and M2 (sum of squared deviations) by Welford, sum, min, max.
   */
  static void statsPartial(
      float[] x, int from, int to, int c, double[] sum, double[] mean, double[] m2, float[] min, float[] max) {
    double s = 0;
    double mu = 0;
    double sq = 0;
    float lo = x[from];
    float hi = x[from];
    for (int i = from; i < to; i++) {
      double v = x[i];
      s += v;
      double delta = v - mu;
      mu += delta / (i - from + 1);
      sq += delta * (v - mu);
      lo = Math.min(lo, x[i]);
      hi = Math.max(hi, x[i]);
    }
    sum[c] = s;
    mean[c] = mu;
    m2[c] = sq;
    min[c] = lo;
    max[c] = hi;
  }
}
