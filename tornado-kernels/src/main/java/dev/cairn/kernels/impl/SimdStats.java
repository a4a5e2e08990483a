package dev.cairn.kernels.impl;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code vector.stats} chunks with the Vector API, in the order of {@link VectorKernels#statsPartial}'s
 * 16 logical lanes, so both give the same bytes. Each half of a vector of 2·d floats is widened into d
 * doubles, which cover 2·d of the 16 lanes; a CPU with fewer than eight doubles per vector makes
 * 16 / 2d passes over the chunk, each for its part of the lanes.
 *
 * <p>Min and max are taken on the floats' bits mapped to ints in the floats' order ({@link #ordered}):
 * integer min and max cost one instruction, while a vector {@code Math.min} on floats costs several
 * (for NaN and -0.0) in a chain that made the first pass four times slower than the second. For the
 * finite numbers admission lets in, the mapping orders exactly as {@code Math.min} does, -0.0 below 0.0.
 */
final class SimdStats {
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  /** Floats of the same width as D: each vector widens into two of D, parts 0 and 1. */
  private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, D.vectorShape());
  /** Half of F: d floats that widen into one vector of D (one instruction, where F's part 1 takes two). */
  private static final VectorSpecies<Float> H = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
  private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, D.vectorShape());
  private static final int LANES = VectorKernels.LANES;

  private SimdStats() {}

  /** Whether this CPU's double vectors split the 16 logical lanes evenly, two at a time. */
  static boolean usable() {
    return F.length() == 2 * D.length() && F.length() <= LANES && LANES % F.length() == 0;
  }

  /** {@link VectorKernels#statsPartial} on the Vector API. */
  static void statsPartial(
      float[] x, int from, int to, int c, double[] sum, double[] m2, float[] min, float[] max) {
    int d = D.length();
    int end = from + (to - from) / LANES * LANES;
    double k = VectorKernels.shift(x, from, to);
    double[] lanes = new double[LANES];
    double[] squares = new double[LANES];
    int low = ordered(Float.floatToRawIntBits(x[from]));
    int high = low;
    for (int q = 0; q < LANES; q += 2 * d) {
      // Vectors live within one pass: carried across passes, the JIT of Java 17 would box them.
      DoubleVector s0 = DoubleVector.zero(D);
      DoubleVector s1 = DoubleVector.zero(D);
      DoubleVector t0 = DoubleVector.zero(D);
      DoubleVector t1 = DoubleVector.zero(D);
      IntVector lo = IntVector.broadcast(I, low);
      IntVector hi = IntVector.broadcast(I, high);
      for (int i = from + q; i < end; i += LANES) {
        DoubleVector d0 = ((DoubleVector) FloatVector.fromArray(H, x, i).convertShape(VectorOperators.F2D, D, 0)).sub(k);
        DoubleVector d1 = ((DoubleVector) FloatVector.fromArray(H, x, i + d).convertShape(VectorOperators.F2D, D, 0)).sub(k);
        s0 = s0.add(d0);
        s1 = s1.add(d1);
        t0 = d0.fma(d0, t0);
        t1 = d1.fma(d1, t1);
        IntVector bits = (IntVector) FloatVector.fromArray(F, x, i).reinterpretAsInts();
        IntVector order = bits.lanewise(VectorOperators.XOR, bits.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.AND, 0x7fffffff));
        lo = lo.min(order);
        hi = hi.max(order);
      }
      s0.intoArray(lanes, q);
      s1.intoArray(lanes, q + d);
      t0.intoArray(squares, q);
      t1.intoArray(squares, q + d);
      low = Math.min(low, lo.reduceLanes(VectorOperators.MIN));
      high = Math.max(high, hi.reduceLanes(VectorOperators.MAX));
    }
    for (int i = end; i < to; i++) {
      int order = ordered(Float.floatToRawIntBits(x[i]));
      low = Math.min(low, order);
      high = Math.max(high, order);
    }
    VectorKernels.finish(x, from, end, to, k, lanes, squares, c, sum, m2);
    min[c] = Float.intBitsToFloat(ordered(low));
    max[c] = Float.intBitsToFloat(ordered(high));
  }

  /**
   * A float's bits as an int that orders like the float (-0.0 below 0.0): negative floats have their
   * other 31 bits flipped. The mapping is its own inverse.
   */
  static int ordered(int bits) {
    return bits ^ ((bits >> 31) & 0x7fffffff);
  }
}
