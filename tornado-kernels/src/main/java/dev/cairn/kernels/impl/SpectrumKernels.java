package dev.cairn.kernels.impl;

/** Radix-2 FFT stages and the power spectrum, as static loops over index ranges. */
final class SpectrumKernels {
  private SpectrumKernels() {}

  /** Bit-reversal permutation of x into (re, im) for indices [from, to). */
  static void bitReverse(float[] x, double[] re, double[] im, int bits, int from, int to) {
    for (int i = from; i < to; i++) {
      int j = bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
      re[j] = x[i];
      im[j] = 0;
    }
  }

  /** cos and sin of 2πk/n for k in [from, to), by StrictMath (the same bits on every JVM). */
  static void twiddles(double[] cos, double[] sin, int n, int from, int to) {
    for (int k = from; k < to; k++) {
      double a = 2 * Math.PI * k / n;
      cos[k] = StrictMath.cos(a);
      sin[k] = StrictMath.sin(a);
    }
  }

  /**
   * One butterfly stage of span {@code half}: butterflies {@code [from, to)} of the n/2 in the stage.
   * Twiddles come from a table of N/2 cos and sin values for some N at least n (a power of two): the
   * twiddle of butterfly k is entry k·N/(2·half).
   */
  static void stage(double[] re, double[] im, double[] cos, double[] sin, int half, int from, int to) {
    int step = cos.length / half;
    for (int b = from; b < to; b++) {
      int group = b / half;
      int k = b % half;
      int i = group * 2 * half + k;
      int j = i + half;
      double wr = cos[k * step];
      double wi = -sin[k * step];
      double tr = wr * re[j] - wi * im[j];
      double ti = wr * im[j] + wi * re[j];
      re[j] = re[i] - tr;
      im[j] = im[i] - ti;
      re[i] += tr;
      im[i] += ti;
    }
  }

  static void power(double[] re, double[] im, float[] out, int from, int to) {
    for (int k = from; k < to; k++) {
      out[k] = (float) (re[k] * re[k] + im[k] * im[k]);
    }
  }
}
