package dev.cairn.kernels.impl;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code matrix.dense} rows with the Vector API, in the order of {@link MatrixKernels#dense}'s 16
 * logical lanes, so both give the same bytes. Loaded only when the {@code jdk.incubator.vector} module
 * is present ({@link Simd}); the JVM then compiles these loops to the CPU's vector instructions.
 */
final class SimdDense {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = MatrixKernels.LANES;

  private SimdDense() {}

  /** Vector width in bits, when it splits the 16 logical lanes evenly; otherwise 0 (not usable). */
  static int usableBits() {
    int l = S.length();
    return l <= LANES && LANES % l == 0 ? S.vectorBitSize() : 0;
  }

  /**
   * Rows [fromRow, toRow) of y = act(W x + b). Four rows at a time share each load of x; a CPU with
   * vectors of fewer than 16 floats makes one pass over the rows per part of the 16 lanes.
   */
  static void dense(float[] w, float[] x, float[] b, float[] y, int n, int activation, int fromRow, int toRow) {
    int nb = n - n % LANES;
    int step = S.length();
    float[] lanes = new float[4 * LANES];
    int r = fromRow;
    for (; r + 3 < toRow; r += 4) {
      int o0 = r * n;
      int o1 = o0 + n;
      int o2 = o1 + n;
      int o3 = o2 + n;
      for (int q = 0; q < LANES; q += step) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        for (int j = q; j < nb; j += LANES) {
          FloatVector xv = FloatVector.fromArray(S, x, j);
          a0 = a0.add(FloatVector.fromArray(S, w, o0 + j).mul(xv));
          a1 = a1.add(FloatVector.fromArray(S, w, o1 + j).mul(xv));
          a2 = a2.add(FloatVector.fromArray(S, w, o2 + j).mul(xv));
          a3 = a3.add(FloatVector.fromArray(S, w, o3 + j).mul(xv));
        }
        a0.intoArray(lanes, q);
        a1.intoArray(lanes, LANES + q);
        a2.intoArray(lanes, 2 * LANES + q);
        a3.intoArray(lanes, 3 * LANES + q);
      }
      for (int k = 0; k < 4; k++) {
        y[r + k] = MatrixKernels.finishRow(lanes, k * LANES, w, (r + k) * n, x, nb, n, b[r + k], activation);
      }
    }
    for (; r < toRow; r++) {
      int o = r * n;
      for (int q = 0; q < LANES; q += step) {
        FloatVector a = FloatVector.zero(S);
        for (int j = q; j < nb; j += LANES) {
          a = a.add(FloatVector.fromArray(S, w, o + j).mul(FloatVector.fromArray(S, x, j)));
        }
        a.intoArray(lanes, q);
      }
      y[r] = MatrixKernels.finishRow(lanes, 0, w, o, x, nb, n, b[r], activation);
    }
  }
}
