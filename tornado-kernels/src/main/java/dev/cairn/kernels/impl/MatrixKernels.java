package dev.cairn.kernels.impl;

/** Dense layer {@code y = act(W x + b)} over a range of rows, W row-major m×n. */
final class MatrixKernels {
  static final int NONE = 0;
  static final int RELU = 1;
  static final int SIGMOID = 2;
  static final int TANH = 3;

  /**
   * Each row's dot product is summed in 16 logical lanes: lane l adds up w[j]·x[j] for j ≡ l (mod 16)
   * over the row's first n - n % 16 elements, in order; then {@link #finishRow}. The Vector API path
   * ({@link SimdDense}) keeps exactly this order, so a result has the same bytes with or without it.
   */
  static final int LANES = 16;

  private MatrixKernels() {}

  /** Rows [fromRow, toRow) of y = act(W x + b), on the Vector API when {@link Simd#enabled()}. */
  static void dense(float[] w, float[] x, float[] b, float[] y, int n, int activation, int fromRow, int toRow) {
    if (Simd.enabled()) {
      SimdDense.dense(w, x, b, y, n, activation, fromRow, toRow);
    } else {
      denseScalar(w, x, b, y, n, activation, fromRow, toRow);
    }
  }

  /** {@link #dense} in plain Java. */
  static void denseScalar(float[] w, float[] x, float[] b, float[] y, int n, int activation, int fromRow, int toRow) {
    int nb = n - n % LANES;
    float[] lanes = new float[LANES];
    for (int r = fromRow; r < toRow; r++) {
      int o = r * n;
      java.util.Arrays.fill(lanes, 0f);
      for (int j = 0; j < nb; j += LANES) {
        for (int l = 0; l < LANES; l++) {
          lanes[l] += w[o + j + l] * x[j + l];
        }
      }
      y[r] = finishRow(lanes, 0, w, o, x, nb, n, b[r], activation);
    }
  }

  /**
   * Adds up the 16 lanes at {@code lanes[off, off + 16)} in halves (lane l += lane l + h for h = 8, 4,
   * 2, 1), then the row's last n - nb products in order, then the bias; applies the activation.
   */
  static float finishRow(float[] lanes, int off, float[] w, int o, float[] x, int nb, int n, float bias, int activation) {
    for (int h = LANES / 2; h > 0; h /= 2) {
      for (int l = 0; l < h; l++) {
        lanes[off + l] += lanes[off + l + h];
      }
    }
    float s = lanes[off];
    for (int j = nb; j < n; j++) {
      s += w[o + j] * x[j];
    }
    return activate(s + bias, activation);
  }

  /** StrictMath, not Math: JIT intrinsics of exp and tanh may differ from the interpreter in the last bit. */
  static float activate(float v, int activation) {
    switch (activation) {
      case RELU:
        return v > 0 ? v : 0f;
      case SIGMOID:
        return (float) (1.0 / (1.0 + StrictMath.exp(-v)));
      case TANH:
        return (float) StrictMath.tanh(v);
      default:
        return v;
    }
  }
}
