package dev.cairn.kernels.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.kernels.Parallel;
import org.junit.jupiter.api.Test;

/** A larger size's twiddle table, read every (N/n)-th entry, holds exactly the doubles of size n's own. */
class FftTwiddlesTest {
  @Test
  void everySmallerPowerOfTwoReadsTheSameDoublesFromALargerTable() {
    int big = 1 << 14;
    double[][] large = FftKernel.computeTwiddles(big, Parallel.sequential());
    for (int n = 1; n <= big; n *= 2) {
      double[][] own = FftKernel.computeTwiddles(n, Parallel.sequential());
      int stride = large[0].length / own[0].length;
      for (int k = 0; k < n / 2; k++) {
        assertEquals(Double.doubleToRawLongBits(own[0][k]), Double.doubleToRawLongBits(large[0][k * stride]), "cos, n " + n + ", k " + k);
        assertEquals(Double.doubleToRawLongBits(own[1][k]), Double.doubleToRawLongBits(large[1][k * stride]), "sin, n " + n + ", k " + k);
      }
    }
  }
}
