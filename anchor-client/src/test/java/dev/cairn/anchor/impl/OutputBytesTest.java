package dev.cairn.anchor.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OutputBytesTest {
  @Test
  void directOutputBytesEqualTheGenericCanonicalEncoding() {
    Random r = new Random(7);
    String[] names = {"y", "count", "sum", "min", "max", "mean", "variance", "scores", "ab", "b", "\u00fc"};
    for (int round = 0; round < 200; round++) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String name : names) {
        switch (r.nextInt(5)) {
          case 0 -> m.put(name, new float[r.nextInt(40)]);
          case 1 -> m.put(name, new int[] {r.nextInt(), -1});
          case 2 -> m.put(name, r.nextDouble() * 1e6);
          case 3 -> m.put(name, r.nextLong());
          default -> { }
        }
      }
      assertArrayEquals(Cbor.genericOutputBytes(m), Cbor.outputBytes(m), m.keySet().toString());
    }
  }

  @Test
  void directInputDigestEqualsTheGenericCanonicalEncoding() {
    Random r = new Random(11);
    for (int round = 0; round < 100; round++) {
      Map<String, float[]> inputs = new LinkedHashMap<>();
      for (String name : new String[] {"x", "y", "W", "taps", "image"}) {
        if (r.nextBoolean()) {
          float[] v = new float[r.nextInt(50)];
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
          }
          inputs.put(name, v);
        }
      }
      Map<String, Object> params = new LinkedHashMap<>();
      if (r.nextBoolean()) {
        params.put("a", r.nextDouble());
      }
      if (r.nextBoolean()) {
        params.put("activation", "relu");
      }
      assertArrayEquals(Cbor.genericInputDigest("k.n", params, inputs), Cbor.inputDigest("k.n", params, inputs));
    }
  }
}
