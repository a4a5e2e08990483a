package dev.cairn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Each kernel against a plain sequential reference written here, on seeded random inputs. */
class KernelsAgainstReferenceTest {
  /** Relative tolerance for float results whose summation order differs from the reference. */
  static final double TOLERANCE = 1e-4;
  /** Lengths at the edges: 1, odd sizes, around the 65536 chunk grain, and several chunks. */
  static final int[] SIZES = {1, 2, 3, 7, 255, 1001, 65535, 65536, 65537, 200_003};

  static KernelCatalog catalog = KernelCatalog.builtIn();
  static Backend backend;

  @BeforeAll
  static void start() {
    backend = Backends.jvm(4);
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  static IntStream sizes() {
    return IntStream.of(SIZES);
  }

  static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian() * 10;
    }
    return a;
  }

  static Map<String, Object> run(String kernel, Map<String, Object> params, Map<String, float[]> inputs) {
    Kernel k = catalog.find(kernel).orElseThrow();
    return backend.execute(k, k.check(new KernelArgs(params, inputs)));
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void saxpyMatchesReferenceExactly(int n) {
    float[] x = random(n, 1);
    float[] y = random(n, 2);
    float[] out = (float[]) run("vector.saxpy", Map.of("a", 1.5), Map.of("x", x, "y", y)).get("y");
    float[] ref = new float[n];
    for (int i = 0; i < n; i++) {
      ref[i] = 1.5f * x[i] + y[i];
    }
    assertArrayEquals(ref, out);
    assertArrayEquals(random(n, 2), y, "inputs not given over stay as they were");
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void saxpyGivenItsInputsWritesIntoYWithTheSameBytes(int n) {
    float[] x = random(n, 1);
    float[] y = random(n, 2);
    Kernel k = catalog.find("vector.saxpy").orElseThrow();
    KernelArgs args = k.check(new KernelArgs(Map.of("a", 1.5), Map.of("x", x, "y", y)).givingInputsOver());
    float[] out = (float[]) backend.execute(k, args).get("y");
    float[] y0 = random(n, 2);
    float[] ref = new float[n];
    for (int i = 0; i < n; i++) {
      ref[i] = 1.5f * x[i] + y0[i];
    }
    assertSame(y, out);
    assertArrayEquals(ref, out);
    assertArrayEquals(random(n, 1), x, "x is read, never written");
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void statsMatchReference(int n) {
    float[] x = random(n, 3);
    Map<String, Object> out = run("vector.stats", Map.of(), Map.of("x", x));
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (float v : x) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    double mean = sum / n;
    double sq = 0;
    for (float v : x) {
      sq += (v - mean) * (v - mean);
    }
    assertEquals((long) n, out.get("count"));
    assertClose(sum, (Double) out.get("sum"), Math.sqrt(n) * 10);
    assertEquals(min, (Double) out.get("min"));
    assertEquals(max, (Double) out.get("max"));
    assertClose(mean, (Double) out.get("mean"), 10);
    assertClose(sq / n, (Double) out.get("variance"), 100);
    assertEquals(List.of("count", "sum", "min", "max", "mean", "variance"), List.copyOf(out.keySet()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "relu", "sigmoid", "tanh"})
  void denseMatchesReferenceForEveryActivation(String activation) {
    for (int[] mn : new int[][] {{1, 1}, {3, 5}, {17, 33}, {64, 1024}, {1025, 257}, {7, 70_001}}) {
      int m = mn[0];
      int n = mn[1];
      float[] w = random(m * n, m);
      float[] x = random(n, n);
      float[] b = random(m, 7);
      float[] y = (float[]) run("matrix.dense", Map.of("activation", activation), Map.of("W", w, "x", x, "b", b)).get("y");
      for (int r = 0; r < m; r++) {
        double acc = b[r];
        double mag = Math.abs(b[r]);
        for (int j = 0; j < n; j++) {
          acc += (double) w[r * n + j] * x[j];
          mag += Math.abs((double) w[r * n + j] * x[j]);
        }
        double ref = switch (activation) {
          case "relu" -> Math.max(0, acc);
          case "sigmoid" -> 1 / (1 + Math.exp(-acc));
          case "tanh" -> Math.tanh(acc);
          default -> acc;
        };
        // Float accumulation error grows with the sum of magnitudes, not with the result.
        double tol = activation.equals("none") || activation.equals("relu") ? mag * 1e-5 + 1e-6 : mag * 1e-5 + 1e-5;
        assertEquals(ref, y[r], tol, "row " + r + " of " + m + "x" + n + " " + activation);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void firMatchesReference(int n) {
    for (int t : new int[] {1, 2, 16, 63}) {
      float[] x = random(n, 11);
      float[] taps = random(t, 12);
      float[] y = (float[]) run("signal.fir", Map.of(), Map.of("x", x, "taps", taps)).get("y");
      assertEquals(n, y.length);
      for (int i = 0; i < n; i++) {
        double acc = 0;
        double mag = 0;
        for (int k = 0; k < t; k++) {
          double xv = i - k >= 0 ? x[i - k] : 0;
          acc += taps[k] * xv;
          mag += Math.abs(taps[k] * xv);
        }
        assertEquals(acc, y[i], mag * 1e-5 + 1e-6, "y[" + i + "] with " + t + " taps");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5})
  void firWithMoreTapsThanSamplesUsesZeroHistory(int n) {
    float[] x = {1, 2, 3, 4, 5};
    float[] xs = java.util.Arrays.copyOf(x, n);
    float[] y = (float[]) run("signal.fir", Map.of(), Map.of("x", xs, "taps", new float[] {1, 1, 1, 1, 1, 1, 1, 1})).get("y");
    float[] expect = {1, 3, 6, 10, 15};
    assertArrayEquals(java.util.Arrays.copyOf(expect, n), y);
  }

  static void assertClose(double expected, double actual, double scale) {
    assertEquals(expected, actual, Math.max(Math.abs(expected), scale) * TOLERANCE);
  }
}
