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
   * Partial statistics of {@code x[from, to)} into slot {@code c} of the partial arrays, in two passes:
   * the sum (so the chunk's mean), then M2, the sum of squared deviations from that mean (more accurate
   * than one pass of sums of squares); min and max. On the Vector API when {@link Simd#enabled()}.
   */
  static void statsPartial(float[] x, int from, int to, int c, double[] sum, double[] m2, float[] min, float[] max) {
    if (Simd.enabled()) {
      SimdStats.statsPartial(x, from, to, c, sum, m2, min, max);
    } else {
      statsPartialScalar(x, from, to, c, sum, m2, min, max);
    }
  }

  /** {@link #statsPartial} in plain Java. */
  static void statsPartialScalar(float[] x, int from, int to, int c, double[] sum, double[] m2, float[] min, float[] max) {
    int end = from + (to - from) / LANES * LANES;
    double[] lanes = new double[LANES];
    float lo = x[from];
    float hi = x[from];
    for (int i = from; i < end; i += LANES) {
      for (int l = 0; l < LANES; l++) {
        float v = x[i + l];
        lanes[l] += v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
    }
    double total = finishLanes(lanes, x, end, to, false, 0);
    double mean = total / (to - from);
    java.util.Arrays.fill(lanes, 0);
    for (int i = from; i < end; i += LANES) {
      for (int l = 0; l < LANES; l++) {
        double dev = x[i + l] - mean;
        lanes[l] += dev * dev;
      }
    }
    for (int i = end; i < to; i++) {
      lo = x[i] < lo ? x[i] : lo;
      hi = x[i] > hi ? x[i] : hi;
    }
    sum[c] = total;
    m2[c] = finishLanes(lanes, x, end, to, true, mean);
    min[c] = lo == 0 ? signedZero(x, from, to, true) : lo;
    max[c] = hi == 0 ? signedZero(x, from, to, false) : hi;
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
   * elements x[end, to) in order: as they are, or with {@code squares} their squared deviations from
   * {@code mean}.
   */
  static double finishLanes(double[] lanes, float[] x, int end, int to, boolean squares, double mean) {
    for (int h = LANES / 2; h > 0; h /= 2) {
      for (int l = 0; l < h; l++) {
        lanes[l] += lanes[l + h];
      }
    }
    double s = lanes[0];
    for (int i = end; i < to; i++) {
      if (!squares) {
        s += x[i];
      } else {
        double dev = x[i] - mean;
        s += dev * dev;
      }
    }
    return s;
  }
}
