package dev.cairn.kernels.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The blocked score loops give, bit for bit, what one loop doing everything per sample gives. */
class AnomalyScoresTest {
  /**
   * The one-loop form: each sample's mean, deviation and score right after its window sums, the shift
   * moving every {@link AnomalyKernel#BLOCK} samples as in the blocked form.
   */
  static void oneLoop(float[] x, int window, float[] out, int from, int to) {
    int start = Math.max(from, window);
    for (int i = from; i < Math.min(to, window); i++) {
      out[i] = 0;
    }
    if (start >= to) {
      return;
    }
    double k = x[start - 1];
    double sum = 0;
    double sq = 0;
    for (int j = start - window; j < start; j++) {
      sum += x[j] - k;
      sq += (x[j] - k) * (x[j] - k);
    }
    for (int i = start; i < to; i++) {
      if (i > start && (i - start) % AnomalyKernel.BLOCK == 0) {
        double delta = k - x[i - 1];
        sq += delta * (2 * sum + window * delta);
        sum += window * delta;
        k = x[i - 1];
      }
      double mean = sum * (1.0 / window);
      double sd = Math.sqrt(Math.max(sq * (1.0 / window) - mean * mean, 0));
      out[i] = sd < 1e-12 * Math.max(Math.abs(mean + k), 1) ? 0f : (float) ((x[i] - k - mean) / sd);
      double leaving = x[i - window] - k;
      sum += (x[i] - k) - leaving;
      sq += (x[i] - k) * (x[i] - k) - leaving * leaving;
    }
  }

  @Test
  void blockedScoresEqualTheOneLoopFormBitForBit() {
    Random r = new Random(11);
    for (int round = 0; round < 300; round++) {
      int n = 1 + r.nextInt(round % 10 == 0 ? 5000 : 300);
      int window = 2 + r.nextInt(round % 3 == 0 ? 400 : 40);
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        // Runs of equal values too, where the deviation is zero.
        x[i] = r.nextInt(4) == 0 && i > 0 ? x[i - 1] : (float) (r.nextGaussian() * (1 + r.nextInt(1000)) + r.nextInt(50));
      }
      int from = r.nextInt(n);
      int to = from + r.nextInt(n - from + 1);
      float[] expected = new float[n];
      float[] actual = new float[n];
      oneLoop(x, window, expected, from, to);
      AnomalyKernel.scores(x, window, actual, from, to);
      assertArrayEquals(expected, actual, "n=" + n + " window=" + window + " [" + from + ", " + to + ")");
    }
  }
}
