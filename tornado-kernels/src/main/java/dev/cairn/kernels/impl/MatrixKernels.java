package dev.cairn.kernels.impl;

/** Dense layer {@code y = act(W x + b)} over a range of rows, W row-major m×n. */
final class MatrixKernels {
  static final int NONE = 0;
  static final int RELU = 1;
  static final int SIGMOID = 2;
  static final int TANH = 3;

  private MatrixKernels() {}

  static void dense(float[] w, float[] x, float[] b, float[] y, int n, int activation, int fromRow, int toRow) {
    for (int r = fromRow; r < toRow; r++) {
      int o = r * n;
      // Four independent accumulators break the add dependency chain (C2 does not reorder float adds).
      float s0 = 0;
      float s1 = 0;
      float s2 = 0;
      float s3 = 0;
      int j = 0;
      for (; j + 3 < n; j += 4) {
        s0 += w[o + j] * x[j];
        s1 += w[o + j + 1] * x[j + 1];
        s2 += w[o + j + 2] * x[j + 2];
        s3 += w[o + j + 3] * x[j + 3];
      }
      for (; j < n; j++) {
        s0 += w[o + j] * x[j];
      }
      float v = (s0 + s1) + (s2 + s3) + b[r];
      y[r] = activate(v, activation);
    }
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
