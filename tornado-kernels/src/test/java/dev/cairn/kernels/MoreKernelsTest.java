package dev.cairn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** signal.fft, image.conv2d, image.histogram and stats.anomaly against plain sequential references. */
class MoreKernelsTest {
  static Backend backend;

  @BeforeAll
  static void start() {
    backend = Backends.jvm(4);
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  static Map<String, Object> run(String kernel, Map<String, Object> params, Map<String, float[]> inputs) {
    Kernel k = KernelCatalog.builtIn().find(kernel).orElseThrow();
    return backend.execute(k, k.check(new KernelArgs(params, inputs)));
  }

  static String refusal(String kernel, Map<String, Object> params, Map<String, float[]> inputs) {
    Kernel k = KernelCatalog.builtIn().find(kernel).orElseThrow();
    return assertThrows(KernelArgumentException.class, () -> k.check(new KernelArgs(params, inputs))).getMessage();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 8, 64, 1024, 4096})
  void fftPowerMatchesANaiveDft(int n) {
    float[] x = KernelsAgainstReferenceTest.random(n, n);
    float[] power = (float[]) run("signal.fft", Map.of(), Map.of("x", x)).get("power");
    assertEquals(n / 2 + 1, power.length);
    double max = 0;
    double[] ref = new double[n / 2 + 1];
    for (int k = 0; k <= n / 2; k++) {
      double re = 0;
      double im = 0;
      for (int t = 0; t < n; t++) {
        double a = -2 * Math.PI * k * (double) t / n;
        re += x[t] * Math.cos(a);
        im += x[t] * Math.sin(a);
      }
      ref[k] = re * re + im * im;
      max = Math.max(max, ref[k]);
    }
    for (int k = 0; k <= n / 2; k++) {
      assertEquals(ref[k], power[k], max * 1e-5 + 1e-6, "bin " + k + " of " + n);
    }
  }

  @Test
  void fftOfALargeSignalKeepsParsevalsEnergy() {
    int n = 1 << 17;
    float[] x = KernelsAgainstReferenceTest.random(n, 5);
    float[] p = (float[]) run("signal.fft", Map.of(), Map.of("x", x)).get("power");
    double time = 0;
    for (float v : x) {
      time += (double) v * v;
    }
    // sum over all n bins = n * energy; bins 1..n/2-1 appear twice in a real signal's spectrum.
    double freq = p[0] + p[n / 2];
    for (int k = 1; k < n / 2; k++) {
      freq += 2.0 * p[k];
    }
    assertEquals(time * n, freq, time * n * 1e-5);
    assertTrue(refusal("signal.fft", Map.of(), Map.of("x", new float[100])).contains("pad with zeros to 128"));
  }

  @Test
  void conv2dMatchesAClampedReference() {
    for (int[] wh : new int[][] {{1, 1}, {3, 5}, {17, 9}, {640, 480}}) {
      for (int k : new int[] {3, 5}) {
        int w = wh[0];
        int h = wh[1];
        float[] img = KernelsAgainstReferenceTest.random(w * h, w + h);
        float[] f = KernelsAgainstReferenceTest.random(k * k, k);
        float[] out = (float[]) run("image.conv2d", Map.of("width", (double) w), Map.of("image", img, "filter", f)).get("image");
        int r = k / 2;
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            double acc = 0;
            double mag = 0;
            for (int dy = -r; dy <= r; dy++) {
              for (int dx = -r; dx <= r; dx++) {
                int yy = Math.min(h - 1, Math.max(0, y + dy));
                int xx = Math.min(w - 1, Math.max(0, x + dx));
                double term = (double) f[(dy + r) * k + dx + r] * img[yy * w + xx];
                acc += term;
                mag += Math.abs(term);
              }
            }
            assertEquals(acc, out[y * w + x], mag * 1e-5 + 1e-6, w + "x" + h + " k" + k + " at " + x + "," + y);
          }
        }
      }
    }
    assertTrue(refusal("image.conv2d", Map.of("width", 3.0), Map.of("image", new float[10], "filter", new float[9])).contains("width 3"));
    assertTrue(refusal("image.conv2d", Map.of("width", 2.0), Map.of("image", new float[4], "filter", new float[49])).contains("5x5"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 65535, 65537, 200001})
  void histogramCountsExactly(int n) {
    Random random = new Random(n);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = random.nextFloat() * 310 - 10;
    }
    x[0] = 255f;
    for (int bins : new int[] {1, 16, 255}) {
      Map<String, Object> out = run("image.histogram", Map.of("bins", (double) bins), Map.of("x", x));
      int[] ref = new int[bins];
      long outside = 0;
      for (float v : x) {
        if (v < 0 || v > 255) {
          outside++;
        } else {
          ref[Math.min(bins - 1, (int) ((v - 0.0) * (bins / 255.0)))]++;
        }
      }
      assertArrayEquals(ref, (int[]) out.get("counts"), "bins " + bins);
      assertEquals(outside, out.get("outside"));
    }
    assertTrue(refusal("image.histogram", Map.of("min", 5.0, "max", 5.0), Map.of("x", x)).contains("less than"));
  }

  @Test
  void anomalyScoresMatchANaiveRollingZScoreAndFindTheSpikes() {
    int n = 50_000;
    int window = 64;
    Random random = new Random(9);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (10 + random.nextGaussian());
    }
    List<Integer> spikes = List.of(1000, 20_000, 49_999);
    spikes.forEach(i -> x[i] = 40f);
    Map<String, Object> out = run("stats.anomaly", Map.of("window", (double) window, "threshold", 6.0), Map.of("x", x));
    float[] scores = (float[]) out.get("scores");
    for (int i = 0; i < n; i++) {
      double ref = 0;
      if (i >= window) {
        double mean = 0;
        for (int j = i - window; j < i; j++) {
          mean += x[j];
        }
        mean /= window;
        double var = 0;
        for (int j = i - window; j < i; j++) {
          var += (x[j] - mean) * (x[j] - mean);
        }
        ref = (x[i] - mean) / Math.sqrt(var / window);
      }
      assertEquals(ref, scores[i], 1e-3 * Math.max(1, Math.abs(ref)), "score " + i);
    }
    List<Integer> found = new ArrayList<>();
    for (int i : (int[]) out.get("anomalies")) {
      found.add(i);
    }
    assertEquals(spikes, found);
    float[] flat = new float[10];
    assertEquals(0, ((int[]) run("stats.anomaly", Map.of("window", 3.0), Map.of("x", flat)).get("anomalies")).length);
  }

  @Test
  void newKernelsGiveIdenticalBytesOnAnyNumberOfThreads() {
    float[] x = KernelsAgainstReferenceTest.random(1 << 17, 3);
    List<Object[]> calls = List.of(
        new Object[] {"signal.fft", Map.of(), Map.of("x", x)},
        new Object[] {"image.conv2d", Map.of("width", 512.0), Map.of("image", x, "filter", KernelsAgainstReferenceTest.random(25, 1))},
        new Object[] {"image.histogram", Map.of("bins", 64.0, "min", -3.0, "max", 3.0), Map.of("x", x)},
        new Object[] {"stats.anomaly", Map.of("window", 100.0), Map.of("x", x)});
    for (Object[] call : calls) {
      List<String> prints = new ArrayList<>();
      for (int threads : new int[] {1, 2, 4}) {
        try (Backend b = Backends.jvm(threads)) {
          Kernel k = KernelCatalog.builtIn().find((String) call[0]).orElseThrow();
          @SuppressWarnings("unchecked")
          Map<String, Object> out = b.execute(k, k.check(new KernelArgs((Map<String, Object>) call[1], (Map<String, float[]>) call[2])));
          StringBuilder s = new StringBuilder();
          out.forEach((name, v) -> {
            if (v instanceof float[] f) {
              s.append(java.util.Arrays.hashCode(f));
            } else if (v instanceof int[] a) {
              s.append(java.util.Arrays.hashCode(a));
            } else {
              s.append(v);
            }
          });
          prints.add(s.toString());
        }
      }
      assertEquals(1, prints.stream().distinct().count(), call[0] + " " + prints);
    }
  }
}
