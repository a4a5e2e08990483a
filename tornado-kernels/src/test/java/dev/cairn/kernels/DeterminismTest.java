package dev.cairn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The same inputs give the same bytes whatever the number of threads. */
class DeterminismTest {

  @Test
  void everyKernelGivesIdenticalBytesOnOneTwoAndFourThreadsAndSequentially() {
    int n = 300_001;
    float[] x = KernelsAgainstReferenceTest.random(n, 21);
    float[] y = KernelsAgainstReferenceTest.random(n, 22);
    int m = 513;
    int cols = 1031;
    float[] w = KernelsAgainstReferenceTest.random(m * cols, 23);
    float[] v = KernelsAgainstReferenceTest.random(cols, 24);
    float[] b = KernelsAgainstReferenceTest.random(m, 25);
    float[] taps = KernelsAgainstReferenceTest.random(31, 26);
    List<Object[]> calls = List.of(
        new Object[] {"vector.saxpy", Map.of("a", 0.3), Map.of("x", x, "y", y)},
        new Object[] {"vector.stats", Map.of(), Map.of("x", x)},
        new Object[] {"matrix.dense", Map.of("activation", "tanh"), Map.of("W", w, "x", v, "b", b)},
        new Object[] {"signal.fir", Map.of(), Map.of("x", x, "taps", taps)});
    for (Object[] call : calls) {
      List<String> fingerprints = new ArrayList<>();
      for (int threads : new int[] {1, 2, 4}) {
        try (Backend backend = Backends.jvm(threads)) {
          fingerprints.add(fingerprint(run(backend, call)));
          fingerprints.add(fingerprint(run(backend, call)));
        }
      }
      Kernel k = KernelCatalog.builtIn().find((String) call[0]).orElseThrow();
      @SuppressWarnings("unchecked")
      KernelArgs args = k.check(new KernelArgs((Map<String, Object>) call[1], (Map<String, float[]>) call[2]));
      fingerprints.add(fingerprint(k.run(args, Parallel.sequential())));
      assertEquals(1, fingerprints.stream().distinct().count(), call[0] + ": " + fingerprints);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> run(Backend backend, Object[] call) {
    Kernel k = KernelCatalog.builtIn().find((String) call[0]).orElseThrow();
    return backend.execute(k, k.check(new KernelArgs((Map<String, Object>) call[1], (Map<String, float[]>) call[2])));
  }

  /** A hash of the exact bits of every output. */
  private static String fingerprint(Map<String, Object> outputs) {
    long h = 1;
    for (Map.Entry<String, Object> e : new java.util.TreeMap<>(outputs).entrySet()) {
      h = 31 * h + e.getKey().hashCode();
      Object o = e.getValue();
      if (o instanceof float[] a) {
        for (float f : a) {
          h = 31 * h + Float.floatToRawIntBits(f);
        }
      } else if (o instanceof Double d) {
        h = 31 * h + Double.doubleToRawLongBits(d);
      } else {
        h = 31 * h + o.hashCode();
      }
    }
    return Long.toHexString(h);
  }
}
