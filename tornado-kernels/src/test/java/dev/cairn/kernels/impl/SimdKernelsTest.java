package dev.cairn.kernels.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Vector API paths of the kernels give the plain loops' bytes (this module's tests run with the module). */
class SimdKernelsTest {
  private static final int[][] SHAPES = {
    {1, 1}, {1, 15}, {3, 16}, {4, 17}, {5, 31}, {7, 33}, {8, 48}, {9, 100}, {13, 1023}, {64, 1024}, {6, 4099},
  };

  /** The build also runs this class with vectors narrowed (-XX:MaxVectorSize), naming the widest it allows. */
  @Test
  void theVectorApiIsInUseHere() {
    assertTrue(Simd.enabled(), Simd.describe());
    String most = System.getProperty("cairn.test.simdBits");
    if (most != null) {
      int bits = Integer.parseInt(Simd.describe().replaceAll("^SIMD (\\d+)-bit.*", "$1"));
      assertTrue(bits <= Integer.parseInt(most), Simd.describe() + ", expected at most " + most + " bits");
    }
  }

  @Test
  void sameBitsAsThePlainLoopForEveryShapeRangeAndActivation() {
    Random random = new Random(42);
    for (int[] shape : SHAPES) {
      int m = shape[0];
      int n = shape[1];
      float[] w = floats(m * n, random);
      float[] x = floats(n, random);
      float[] b = floats(m, random);
      for (int act = MatrixKernels.NONE; act <= MatrixKernels.TANH; act++) {
        for (int from = 0; from <= Math.min(2, m - 1); from++) {
          float[] plain = new float[m];
          float[] simd = new float[m];
          MatrixKernels.denseScalar(w, x, b, plain, n, act, from, m);
          SimdDense.dense(w, x, b, simd, n, act, from, m);
          String what = m + "x" + n + ", activation " + act + ", rows from " + from;
          assertArrayEquals(bits(plain), bits(simd), what);
        }
      }
    }
  }

  @Test
  void sameBitsWithExtremesSignedZerosAndOverflow() {
    int m = 5;
    int n = 40;
    float[] w = new float[m * n];
    float[] x = new float[n];
    float[] b = new float[m];
    for (int i = 0; i < w.length; i++) {
      w[i] = switch (i % 5) {
        case 0 -> -0.0f;
        case 1 -> Float.MAX_VALUE;
        case 2 -> Float.MIN_VALUE;
        case 3 -> -1e20f;
        default -> 1e-20f;
      };
    }
    for (int j = 0; j < n; j++) {
      x[j] = j % 3 == 0 ? -0.0f : (j % 3 == 1 ? 3e30f : -7f);
    }
    float[] plain = new float[m];
    float[] simd = new float[m];
    MatrixKernels.denseScalar(w, x, b, plain, n, MatrixKernels.NONE, 0, m);
    SimdDense.dense(w, x, b, simd, n, MatrixKernels.NONE, 0, m);
    assertArrayEquals(bits(plain), bits(simd));
  }

  @Test
  void statsChunksHaveThePlainLoopsBitsForEveryLengthAndOffset() {
    Random random = new Random(7);
    float[] x = floats(5000, random);
    x[17] = -0.0f;
    x[18] = 0.0f;
    x[40] = Float.MAX_VALUE;
    x[41] = -Float.MAX_VALUE;
    for (int from : new int[] {0, 1, 16, 33}) {
      for (int length : new int[] {1, 2, 15, 16, 17, 31, 32, 33, 100, 1023, 4096, 4967}) {
        if (from + length > x.length) {
          continue;
        }
        double[][] plain = stats(x, from, from + length, false);
        double[][] simd = stats(x, from, from + length, true);
        for (int k = 0; k < plain.length; k++) {
          assertEquals(Double.doubleToRawLongBits(plain[k][0]), Double.doubleToRawLongBits(simd[k][0]),
              "output " + k + " of x[" + from + ", " + (from + length) + "): " + plain[k][0] + " vs " + simd[k][0]);
        }
      }
    }
  }

  @Test
  void statsMinAndMaxOrderSignedZerosAndNegativesLikeMathMin() {
    float[] zeros = new float[40];
    zeros[23] = -0.0f;
    float[] negatives = new float[40];
    for (int i = 0; i < negatives.length; i++) {
      negatives[i] = -1 - i * 0.5f;
    }
    negatives[31] = -Float.MIN_VALUE;
    float[] upToMinusZero = negatives.clone();
    upToMinusZero[5] = -0.0f;
    float[] positivesAndZero = new float[40];
    for (int i = 0; i < positivesAndZero.length; i++) {
      positivesAndZero[i] = 1 + i;
    }
    positivesAndZero[9] = 0.0f;
    for (float[] x : new float[][] {zeros, negatives, upToMinusZero, positivesAndZero}) {
      double[][] plain = stats(x, 0, x.length, false);
      double[][] simd = stats(x, 0, x.length, true);
      for (int k = 2; k < 4; k++) {
        assertEquals(Double.doubleToRawLongBits(plain[k][0]), Double.doubleToRawLongBits(simd[k][0]), "output " + k);
      }
    }
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(stats(zeros, 0, zeros.length, true)[2][0]));
    assertEquals(-Float.MIN_VALUE, stats(negatives, 0, negatives.length, true)[3][0]);
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(stats(upToMinusZero, 0, 40, false)[3][0]));
    assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(stats(positivesAndZero, 0, 40, false)[2][0]));
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(stats(zeros, 0, 40, false)[2][0]));
    assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(stats(zeros, 0, 40, false)[3][0]));
  }

  @Test
  void statsWithAnExactMeanOfZeroStillSumSquares() {
    float[] x = {-2, 2, -1, 1, -3, 3};
    double[][] plain = stats(x, 0, x.length, false);
    double[][] simd = stats(x, 0, x.length, true);
    assertEquals(0.0, plain[0][0]);
    assertEquals(28.0, plain[1][0]);
    assertEquals(28.0, simd[1][0]);
  }

  @Test
  void firHasThePlainLoopsBitsForEveryLengthTapCountAndRange() {
    Random random = new Random(11);
    for (int n : new int[] {1, 5, 31, 32, 33, 100, 1000, 4099}) {
      float[] x = floats(n, random);
      for (int t : new int[] {1, 3, 32, 33}) {
        float[] taps = floats(t, random);
        for (int[] range : new int[][] {{0, n}, {Math.min(7, n), n}, {Math.min(40, n), Math.max(Math.min(40, n), n - 3)}}) {
          float[] plain = nans(n);
          float[] simd = nans(n);
          SignalKernels.firScalar(x, taps, plain, range[0], range[1]);
          SimdFilters.fir(x, taps, simd, range[0], range[1]);
          assertArrayEquals(bits(plain), bits(simd), "n " + n + ", taps " + t + ", range " + range[0] + ".." + range[1]);
        }
      }
    }
  }

  @Test
  void conv2dHasThePlainLoopsBitsForEverySizeFilterAndRowRange() {
    Random random = new Random(13);
    int[][] sizes = {{1, 1}, {2, 3}, {3, 3}, {5, 7}, {17, 9}, {64, 5}, {100, 33}, {257, 3}};
    for (int[] size : sizes) {
      int w = size[0];
      int h = size[1];
      float[] img = floats(w * h, random);
      for (int k : new int[] {3, 5}) {
        float[] filter = floats(k * k, random);
        for (int[] rows : new int[][] {{0, h}, {Math.min(1, h), Math.max(Math.min(1, h), h - 1)}}) {
          float[] plain = nans(w * h);
          float[] simd = nans(w * h);
          for (int y = rows[0]; y < rows[1]; y++) {
            ImageKernels.conv2dRow(img, w, h, filter, k, plain, y, 0, w);
          }
          SimdFilters.conv2d(img, w, h, filter, k, simd, rows[0], rows[1]);
          assertArrayEquals(bits(plain), bits(simd), w + "x" + h + ", " + k + "x" + k + ", rows " + rows[0] + ".." + rows[1]);
        }
      }
    }
  }

  private static float[] nans(int n) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, Float.NaN);
    return a;
  }

  /** sum, m2, min, max of one chunk. */
  private static double[][] stats(float[] x, int from, int to, boolean vector) {
    double[] sum = new double[1];
    double[] m2 = new double[1];
    float[] min = new float[1];
    float[] max = new float[1];
    if (vector) {
      SimdStats.statsPartial(x, from, to, 0, sum, m2, min, max);
    } else {
      VectorKernels.statsPartialScalar(x, from, to, 0, sum, m2, min, max);
    }
    return new double[][] {sum, m2, {min[0]}, {max[0]}};
  }

  private static float[] floats(int n, Random random) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
    }
    return a;
  }

  private static int[] bits(float[] a) {
    int[] out = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = Float.floatToRawIntBits(a[i]);
    }
    return out;
  }
}
