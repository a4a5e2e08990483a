package dev.cairn.anchor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cairn.anchor.impl.Cbor;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Deterministic CBOR against RFC 8949 Appendix A and section 4.2.1. */
class CborTest {
  private static final HexFormat HEX = HexFormat.of();

  private static String hex(Object v) {
    return HEX.formatHex(Cbor.encode(v));
  }

  @Test
  void integersMatchRfc8949AppendixA() {
    assertEquals("00", hex(0L));
    assertEquals("17", hex(23));
    assertEquals("1818", hex(24));
    assertEquals("1903e8", hex(1000));
    assertEquals("1a000f4240", hex(1000000));
    assertEquals("1b000000e8d4a51000", hex(1000000000000L));
    assertEquals("20", hex(-1));
    assertEquals("3863", hex(-100));
    assertEquals("3903e7", hex(-1000));
  }

  @Test
  void floatsUseTheShortestExactFormAsRfc8949AppendixA() {
    assertEquals("f90000", hex(0.0));
    assertEquals("f98000", hex(-0.0));
    assertEquals("f93c00", hex(1.0));
    assertEquals("f93e00", hex(1.5));
    assertEquals("f97bff", hex(65504.0));
    assertEquals("fa47c35000", hex(100000.0));
    assertEquals("fa7f7fffff", hex(3.4028234663852886e+38));
    assertEquals("fb3ff199999999999a", hex(1.1));
    assertEquals("fb7e37e43c8800759c", hex(1.0e+300));
    assertEquals("f90001", hex(5.960464477539063e-8));
    assertEquals("f90400", hex(0.00006103515625));
    assertEquals("f9c400", hex(-4.0));
    assertEquals("fbc010666666666666", hex(-4.1));
    assertEquals("f97c00", hex(Double.POSITIVE_INFINITY));
    assertEquals("f9fc00", hex(Double.NEGATIVE_INFINITY));
    assertThrows(IllegalArgumentException.class, () -> Cbor.encode(Double.NaN));
  }

  @Test
  void stringsBytesArraysAndSimpleValues() {
    assertEquals("60", hex(""));
    assertEquals("6449455446", hex("IETF"));
    assertEquals("62c3bc", hex("\u00fc"));
    assertEquals("4401020304", hex(new byte[] {1, 2, 3, 4}));
    assertEquals("83010203", hex(List.of(1, 2, 3)));
    assertEquals("f4", hex(false));
    assertEquals("f5", hex(true));
    assertEquals("f6", hex(null));
  }

  @Test
  void mapKeysAreSortedByEncodedBytesWhateverTheInsertionOrder() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("aa", 3);
    a.put("b", 2);
    a.put("a", 1);
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("a", 1);
    b.put("b", 2);
    b.put("aa", 3);
    // Shorter keys first (their length byte is smaller), then bytewise: "a", "b", "aa".
    assertEquals("a3616101616202626161" + "03", hex(a));
    assertArrayEquals(Cbor.encode(a), Cbor.encode(b));
  }

  @Test
  void outputBytesArePortableLittleEndianAndOrderIndependent() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("y", new float[] {1.0f});
    out.put("count", 3L);
    // {"y": h'0000803f', "count": 3} with "y" first: shorter key.
    assertEquals("a26179440000803f65636f756e7403", HEX.formatHex(Canonical.outputBytes(out)));
  }

  @Test
  void leafFastPathEqualsTheGenericCanonicalEncoding() {
    byte[] in = new byte[32];
    byte[] out = new byte[32];
    in[0] = 7;
    out[31] = 9;
    for (long t : new long[] {0, 23, 1_764_000_000_000L}) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("v", 1);
      m.put("gw", "gateway-1");
      m.put("dev", "dev\u00fc1");
      m.put("job", "j-".repeat(20));
      m.put("k", "vector.saxpy");
      m.put("kv", "1.0.0");
      m.put("in", in);
      m.put("out", out);
      m.put("be", "jvm");
      m.put("rx", t);
      m.put("done", t + 5);
      m.put("ib", t / 3);
      m.put("ob", 1024L);
      m.put("q", t % 1000);
      m.put("cpu", 70_000L);
      m.put("run", t / 7);
      Cbor.Metered metered = new Cbor.Metered(t / 3, 1024, t % 1000, 70_000, t / 7);
      assertArrayEquals(Cbor.encode(m), Cbor.leaf("gateway-1", "dev\u00fc1", "j-".repeat(20), "vector.saxpy", "1.0.0",
          in, out, "jvm", t, t + 5, metered));
    }
  }
}
