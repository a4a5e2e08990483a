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
   * Sums of a chunk are added up in the 16 logical lanes of {@link MatrixKernels#LANES}: lane l adds the
   * chunk's elements i with (i - from) ≡ l (mod 16), up to the last whole 16, in order; then
   * {@link #finishLanes}. The Vector API path ({@link SimdStats}) keeps exactly this order, so a result
   * has the same bytes with or without it.
   */
  static final int LANES = MatrixKernels.LANES;

  /**
   * Partial statistics of {@code x[from, to)} into slot {@code c} of the partial arrays, in one pass of
   * shifted sums: about {@link #shift} k (the mean of the chunk's first elements), the sum of d = x - k
   * and the sum of d² (each {@code Math.fma(d, d, s)}), then sum = Σd + n·k and M2 = Σd² - (Σd)²/n; min
   * and max. Since k is the mean of m of the chunk's own elements, (k - mean)² is at most n/m times the
   * variance, so the subtraction loses little: the variance's relative error stays near that of a
   * second pass about the mean. On the Vector API when {@link Simd#enabled()}.
   */
  static void statsPartial(float[] x, int from, int to, int c, double[] sum, double[] m2, float[] min, float[] max) {
    if (Simd.enabled()) {
      SimdStats.statsPartial(x, from, to, c, sum, m2, min, max);
    } else {
      statsPartialScalar(x, from, to, c, sum, m2, min, max);
    }
  }

  /** Elements of a chunk whose mean is the shift of {@link #statsPartial}, at most. */
  static final int SHIFT_SAMPLE = 256;

  /** The shift of {@link #statsPartial}: the mean of x[from, from + min(256, to - from)), added up in order. */
  static double shift(float[] x, int from, int to) {
    int m = Math.min(SHIFT_SAMPLE, to - from);
    double s = 0;
    for (int i = from; i < from + m; i++) {
      s += x[i];
    }
    return s / m;
  }

  /** {@link #statsPartial} in plain Java. */
  static void statsPartialScalar(float[] x, int from, int to, int c, double[] sum, double[] m2, float[] min, float[] max) {
    int end = from + (to - from) / LANES * LANES;
    double k = shift(x, from, to);
    double[] lanes = new double[LANES];
    double[] squares = new double[LANES];
    float lo = x[from];
    float hi = x[from];
    for (int i = from; i < end; i += LANES) {
      for (int l = 0; l < LANES; l++) {
        float v = x[i + l];
        double d = v - k;
        lanes[l] += d;
        squares[l] = Math.fma(d, d, squares[l]);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
    }
    for (int i = end; i < to; i++) {
      lo = x[i] < lo ? x[i] : lo;
      hi = x[i] > hi ? x[i] : hi;
    }
    finish(x, from, end, to, k, lanes, squares, c, sum, m2);
    min[c] = lo == 0 ? signedZero(x, from, to, true) : lo;
    max[c] = hi == 0 ? signedZero(x, from, to, false) : hi;
  }

  /**
   * Sum and M2 of a chunk from its lanes of Σd and Σd² ({@link #finishLanes}, which adds the chunk's
   * last elements x[end, to)).
   */
  static void finish(float[] x, int from, int end, int to, double k, double[] lanes, double[] squares, int c, double[] sum, double[] m2) {
    int n = to - from;
    double deviations = finishLanes(lanes, x, end, to, false, k);
    double sq = finishLanes(squares, x, end, to, true, k);
    sum[c] = deviations + n * k;
    m2[c] = Math.max(0, sq - deviations * deviations / n);
  }

  /**
   * The zero that {@code Math.min} (or with {@code min} false, {@code Math.max}) of x[from, to) gives
   * when its extreme is a zero: compares find extremes faster than {@code Math.min} of floats (1.8x
   * here on Java 17, 1.2x on Java 25) but do not tell -0.0 from 0.0.
   */
  static float signedZero(float[] x, int from, int to, boolean min) {
    int wanted = Float.floatToRawIntBits(min ? -0.0f : 0.0f);
    for (int i = from; i < to; i++) {
      if (Float.floatToRawIntBits(x[i]) == wanted) {
        return min ? -0.0f : 0.0f;
      }
    }
    return min ? 0.0f : -0.0f;
  }

  /**
   * Adds up the 16 lanes in halves (lane l += lane l + h for h = 8, 4, 2, 1), then the chunk's last
   * elements x[end, to) in order: their deviations d = x - {@code k}, or with {@code squares} d² (as
   * {@code Math.fma(d, d, s)}).
   */
  static double finishLanes(double[] lanes, float[] x, int end, int to, boolean squares, double k) {
    for (int h = LANES / 2; h > 0; h /= 2) {
      for (int l = 0; l < h; l++) {
        lanes[l] += lanes[l + h];
      }
    }
    double s = lanes[0];
    for (int i = end; i < to; i++) {
      double d = x[i] - k;
      s = squares ? Math.fma(d, d, s) : s + d;
    }
    return s;
  }
}
