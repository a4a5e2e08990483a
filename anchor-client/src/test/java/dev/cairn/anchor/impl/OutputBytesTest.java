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
}
