package dev.cairn.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code stats.anomaly} slides its window sums about a shift that follows the signal, so a large offset
 * or a slow drift does not cost the scores their accuracy; compared with two passes about each
 * window's own mean.
 */
class AnomalyAccuracyTest {
  static double worstError(float[] x, int window) {
    Kernel anomaly = KernelCatalog.builtIn().find("stats.anomaly").orElseThrow();
    float[] scores;
    try (Backend jvm = Backends.jvm(2)) {
      scores = (float[]) jvm.execute(anomaly, anomaly.check(new KernelArgs(Map.of("window", (double) window), Map.of("x", x)))).get("scores");
    }
    double worst = 0;
    for (int i = window; i < x.length; i++) {
      double mean = 0;
      for (int j = i - window; j < i; j++) {
        mean += x[j] - (double) x[i - 1];
      }
      mean = mean / window + x[i - 1];
      double var = 0;
      for (int j = i - window; j < i; j++) {
        var += (x[j] - mean) * (x[j] - mean);
      }
      double z = (x[i] - mean) / Math.sqrt(var / window);
      worst = Math.max(worst, Math.abs(z - scores[i]) / Math.max(1, Math.abs(z)));
    }
    return worst;
  }

  static float[] signal(int n, double offset, double drift, long seed) {
    Random random = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (offset + drift * i + random.nextGaussian());
    }
    return x;
  }

  @Test
  void largeOffsetsKeepTheScoresAccurate() {
    for (double offset : new double[] {0, 1e5, 1e6, 1e7}) {
      double worst = worstError(signal(40_000, offset, 0, 5), 64);
      assertTrue(worst < 1e-6, "offset " + offset + ": worst relative score error " + worst);
    }
  }

  @Test
  void aDriftingSignalKeepsTheScoresAccurate() {
    double worst = worstError(signal(40_000, 0, 50, 6), 200);
    assertTrue(worst < 1e-6, "drift of 50 per sample: worst relative score error " + worst);
  }

  @Test
  void aFlatStretchAfterNoiseScoresZero() {
    float[] x = signal(5_000, 1e6, 0, 7);
    java.util.Arrays.fill(x, 2_000, 5_000, 1_234_567f);
    Kernel anomaly = KernelCatalog.builtIn().find("stats.anomaly").orElseThrow();
    try (Backend jvm = Backends.jvm(2)) {
      Map<String, Object> out = jvm.execute(anomaly, anomaly.check(new KernelArgs(Map.of("window", 64.0), Map.of("x", x))));
      float[] scores = (float[]) out.get("scores");
      for (int i = 2_064; i < 5_000; i++) {
        assertTrue(scores[i] == 0f, "score " + i + " of a flat stretch: " + scores[i]);
      }
    }
  }
}
