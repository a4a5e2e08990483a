package dev.cairn.kernels.impl;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * The kernels TornadoVM compiles, in its {@code @Parallel} style, each over a batch of {@code k} calls
 * of the same shape laid end to end (one launch for the batch). The arithmetic is the JVM kernels',
 * in the same order, so results agree with them up to the device's float rounding.
 */
final class TornadoKernels {
  private TornadoKernels() {}

  /** {@code vector.saxpy}: call {@code i / n} scales by {@code a[i / n]}. */
  static void saxpy(float[] a, float[] x, float[] y, float[] out, int n) {
    for (@Parallel int i = 0; i < out.length; i++) {
      out[i] = a[i / n] * x[i] + y[i];
    }
  }

  /** {@code matrix.dense} without its activation: y = W x + b, rows of all calls in one range. */
  static void dense(float[] w, float[] x, float[] b, float[] y, int m, int n) {
    for (@Parallel int row = 0; row < y.length; row++) {
      int o = row * n;
      int xo = (row / m) * n;
      float s0 = 0;
      float s1 = 0;
      float s2 = 0;
      float s3 = 0;
      int j = 0;
      for (; j + 3 < n; j += 4) {
        s0 += w[o + j] * x[xo + j];
        s1 += w[o + j + 1] * x[xo + j + 1];
        s2 += w[o + j + 2] * x[xo + j + 2];
        s3 += w[o + j + 3] * x[xo + j + 3];
      }
      for (; j < n; j++) {
        s0 += w[o + j] * x[xo + j];
      }
      y[row] = (s0 + s1) + (s2 + s3) + b[row];
    }
  }

  /** {@code signal.fir}: causal FIR of each call's signal (length n) with its own taps (length t). */
  static void fir(float[] x, float[] taps, float[] y, int n, int t) {
    for (@Parallel int i = 0; i < y.length; i++) {
      int call = i / n;
      int at = i - call * n;
      int kMax = TornadoMath.min(t - 1, at);
      int tapBase = call * t;
      float acc = 0;
      for (int k = 0; k <= kMax; k++) {
        acc += taps[tapBase + k] * x[i - k];
      }
      y[i] = acc;
    }
  }

  /** {@code image.conv2d}: k×k filter over each call's w×h image, edges clamped. */
  static void conv2d(float[] img, float[] filter, float[] out, int w, int h, int k) {
    for (@Parallel int p = 0; p < out.length; p++) {
      int pixels = w * h;
      int call = p / pixels;
      int q = p - call * pixels;
      int y = q / w;
      int x = q - y * w;
      int r = k / 2;
      int base = call * pixels;
      int fBase = call * k * k;
      float acc = 0;
      for (int dy = -r; dy <= r; dy++) {
        int yy = TornadoMath.min(h - 1, TornadoMath.max(0, y + dy));
        int row = base + yy * w;
        int f = fBase + (dy + r) * k;
        for (int dx = -r; dx <= r; dx++) {
          int xx = TornadoMath.min(w - 1, TornadoMath.max(0, x + dx));
          acc += filter[f + dx + r] * img[row + xx];
        }
      }
      out[p] = acc;
    }
  }
}
