package dev.cairn.kernels.impl;

/** Signal processing loops over an output range. */
final class SignalKernels {
  private SignalKernels() {}

  /**
   * FIR filter: {@code y[i] = sum_k taps[k] * x[i - k]}, with x before index 0 taken as zero (those
   * products are left out), k in order. On the Vector API when {@link Simd#enabled()}, same bytes.
   */
  static void fir(float[] x, float[] taps, float[] y, int from, int to) {
    if (Simd.enabled()) {
      SimdFilters.fir(x, taps, y, from, to);
    } else {
      firScalar(x, taps, y, from, to);
    }
  }

  /** {@link #fir} in plain Java. */
  static void firScalar(float[] x, float[] taps, float[] y, int from, int to) {
    int t = taps.length;
    for (int i = from; i < to; i++) {
      int kMax = Math.min(t - 1, i);
      float acc = 0;
      for (int k = 0; k <= kMax; k++) {
        acc += taps[k] * x[i - k];
      }
      y[i] = acc;
    }
  }
}
