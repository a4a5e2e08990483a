package dev.cairn.kernels.impl;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code signal.fir} and {@code image.conv2d} with the Vector API: each vector holds neighbouring
 * outputs, and each output adds its products in the plain loop's order (a multiply, then an add, from
 * zero), so the bytes are the plain loops'. Outputs that need a clamped edge or a missing sample, and the last
 * few of a range, run the plain loop. Loaded only when {@link Simd#enabled()}.
 */
final class SimdFilters {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private SimdFilters() {}

  /** Outputs per block of {@link #fir}: the block stays in the first-level cache while each tap passes. */
  private static final int BLOCK = 1024;

  /**
   * {@link SignalKernels#fir} on the Vector API. Four taps at a time over a block of outputs: a vector
   * lives for one straight run of loads, multiplies and adds, then is stored (Java 17's JIT keeps only
   * such simple loops in registers; vectors carried through nested loops it boxes).
   */
  static void fir(float[] x, float[] taps, float[] y, int from, int to) {
    int t = taps.length;
    int l = S.length();
    // Before t - 1 an output has fewer products than taps: the plain loop.
    int start = Math.max(from, Math.min(to, t - 1));
    SignalKernels.firScalar(x, taps, y, from, start);
    for (int b = start; b < to; b += BLOCK) {
      int end = Math.min(to, b + BLOCK);
      int vectorEnd = b + (end - b) / l * l;
      java.util.Arrays.fill(y, b, vectorEnd, 0f);
      int k = 0;
      for (; k + 4 <= t; k += 4) {
        float t0 = taps[k];
        float t1 = taps[k + 1];
        float t2 = taps[k + 2];
        float t3 = taps[k + 3];
        for (int i = b; i < vectorEnd; i += l) {
          int j = i - k;
          FloatVector.fromArray(S, y, i)
              .add(FloatVector.fromArray(S, x, j).mul(t0))
              .add(FloatVector.fromArray(S, x, j - 1).mul(t1))
              .add(FloatVector.fromArray(S, x, j - 2).mul(t2))
              .add(FloatVector.fromArray(S, x, j - 3).mul(t3))
              .intoArray(y, i);
        }
      }
      for (; k < t; k++) {
        float tap = taps[k];
        for (int i = b; i < vectorEnd; i += l) {
          FloatVector.fromArray(S, y, i).add(FloatVector.fromArray(S, x, i - k).mul(tap)).intoArray(y, i);
        }
      }
      SignalKernels.firScalar(x, taps, y, vectorEnd, end);
    }
  }

  /**
   * {@link ImageKernels#conv2d} on the Vector API, for 3×3 and 5×5 filters only: per row, the columns whose
   * window needs no clamped column, one filter row at a time (rows are clamped as in the plain loop).
   */
  static void conv2d(float[] img, int w, int h, float[] filter, int k, float[] out, int fromRow, int toRow) {
    int r = k / 2;
    int l = S.length();
    for (int y = fromRow; y < toRow; y++) {
      int o = y * w;
      int first = Math.min(r, w);
      int vectorEnd = first + Math.max(0, w - r - first) / l * l;
      ImageKernels.conv2dRow(img, w, h, filter, k, out, y, 0, first);
      java.util.Arrays.fill(out, o + first, o + vectorEnd, 0f);
      for (int dy = -r; dy <= r; dy++) {
        int row = Math.min(h - 1, Math.max(0, y + dy)) * w;
        int f = (dy + r) * k;
        if (k == 3) {
          float c0 = filter[f];
          float c1 = filter[f + 1];
          float c2 = filter[f + 2];
          for (int x = first; x < vectorEnd; x += l) {
            int in = row + x;
            FloatVector.fromArray(S, out, o + x)
                .add(FloatVector.fromArray(S, img, in - 1).mul(c0))
                .add(FloatVector.fromArray(S, img, in).mul(c1))
                .add(FloatVector.fromArray(S, img, in + 1).mul(c2))
                .intoArray(out, o + x);
          }
        } else {
          float c0 = filter[f];
          float c1 = filter[f + 1];
          float c2 = filter[f + 2];
          float c3 = filter[f + 3];
          float c4 = filter[f + 4];
          for (int x = first; x < vectorEnd; x += l) {
            int in = row + x;
            FloatVector.fromArray(S, out, o + x)
                .add(FloatVector.fromArray(S, img, in - 2).mul(c0))
                .add(FloatVector.fromArray(S, img, in - 1).mul(c1))
                .add(FloatVector.fromArray(S, img, in).mul(c2))
                .add(FloatVector.fromArray(S, img, in + 1).mul(c3))
                .add(FloatVector.fromArray(S, img, in + 2).mul(c4))
                .intoArray(out, o + x);
          }
        }
      }
      ImageKernels.conv2dRow(img, w, h, filter, k, out, y, vectorEnd, w);
    }
  }
}
