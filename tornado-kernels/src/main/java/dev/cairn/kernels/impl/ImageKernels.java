package dev.cairn.kernels.impl;

/** Image loops over row ranges and value histograms over index ranges. */
final class ImageKernels {
  private ImageKernels() {}

  /**
   * k×k convolution (k odd) of a row-major w-wide image, edges clamped, rows [fromRow, toRow); each
   * pixel adds its products row by row, left to right. 3×3 and 5×5 filters run on the Vector API when
   * {@link Simd#enabled()}, same bytes.
   */
  static void conv2d(float[] img, int w, int h, float[] filter, int k, float[] out, int fromRow, int toRow) {
    if (Simd.enabled() && (k == 3 || k == 5)) {
      SimdFilters.conv2d(img, w, h, filter, k, out, fromRow, toRow);
    } else {
      for (int y = fromRow; y < toRow; y++) {
        conv2dRow(img, w, h, filter, k, out, y, 0, w);
      }
    }
  }

  /** {@link #conv2d} of row y, columns [fromX, toX), in plain Java. */
  static void conv2dRow(float[] img, int w, int h, float[] filter, int k, float[] out, int y, int fromX, int toX) {
    int r = k / 2;
    for (int x = fromX; x < toX; x++) {
      float acc = 0;
      for (int dy = -r; dy <= r; dy++) {
        int yy = Math.min(h - 1, Math.max(0, y + dy));
        int row = yy * w;
        int f = (dy + r) * k;
        for (int dx = -r; dx <= r; dx++) {
          int xx = Math.min(w - 1, Math.max(0, x + dx));
          acc += filter[f + dx + r] * img[row + xx];
        }
      }
      out[y * w + x] = acc;
    }
  }

  /**
   * Counts x[from, to) into partial histogram slot {@code chunk} (bins ints per chunk). Counts go to a
   * local array first: neighbouring slots run on other threads at the same time, and counting in place
   * would make the cores fight over the cache lines the slots share.
   */
  static void histogram(float[] x, double min, double max, int bins, int[] partial, long[] outside, int chunk, int from, int to) {
    int[] counts = new int[bins];
    double scale = bins / (max - min);
    long out = 0;
    for (int i = from; i < to; i++) {
      double v = x[i];
      if (v < min || v > max) {
        out++;
        continue;
      }
      int b = (int) ((v - min) * scale);
      counts[Math.min(bins - 1, b)]++;
    }
    System.arraycopy(counts, 0, partial, chunk * bins, bins);
    outside[chunk] = out;
  }
}
