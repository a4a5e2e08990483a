package dev.cairn.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code vector.stats} takes its variance from shifted sums in one pass; inputs that defeat a plain sum of
 * squares (a large offset, outliers where the shift is sampled) still get the exact variance to within
 * 1e-9, on the CPU's vectors and in plain Java alike (the JVM backend uses whichever this JVM has).
 */
class StatsAccuracyTest {
  static final MathContext MC = MathContext.DECIMAL128;

  static double exactVariance(float[] x) {
    BigDecimal sum = BigDecimal.ZERO;
    for (float v : x) {
      sum = sum.add(new BigDecimal(v));
    }
    BigDecimal mean = sum.divide(BigDecimal.valueOf(x.length), MC);
    BigDecimal sq = BigDecimal.ZERO;
    for (float v : x) {
      BigDecimal d = new BigDecimal(v).subtract(mean);
      sq = sq.add(d.multiply(d, MC), MC);
    }
    return sq.divide(BigDecimal.valueOf(x.length), MC).doubleValue();
  }

  static void assertVariance(String what, float[] x) {
    Kernel stats = KernelCatalog.builtIn().find("vector.stats").orElseThrow();
    try (Backend jvm = Backends.jvm(2)) {
      double got = (Double) jvm.execute(stats, stats.check(new KernelArgs(Map.of(), Map.of("x", x)))).get("variance");
      double want = exactVariance(x);
      assertTrue(Math.abs(got - want) <= 1e-9 * want, what + ": variance " + got + ", exactly " + want);
    }
  }

  static float[] noise(int n, double offset, long seed) {
    Random random = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (offset + random.nextGaussian());
    }
    return x;
  }

  @Test
  void aLargeOffsetDoesNotCancelAway() {
    assertVariance("1e4 + N(0,1)", noise(200_003, 1e4, 1));
    assertVariance("-3e5 + N(0,1)", noise(70_001, -3e5, 2));
  }

  @Test
  void outliersWhereTheShiftIsSampledStayAccurate() {
    float[] first = noise(3 * 65_536 + 5, 0, 3);
    first[0] = 1e4f;
    assertVariance("one outlier first", first);
    float[] block = noise(3 * 65_536 + 5, 0, 4);
    for (int c = 0; c < block.length; c += 65_536) {
      for (int i = c; i < Math.min(block.length, c + 256); i++) {
        block[i] = 1e4f;
      }
    }
    assertVariance("the first 256 of every chunk outliers", block);
  }
}
