package dev.cairn.anchor;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Byte-level damage for the fuzz tier (shared with the other modules' fuzzers through the test jar):
 * bit flips, truncation, stray bytes, removed or repeated ranges, and single bytes set to values that
 * mean something to JSON, CBOR or a length field.
 */
public final class Mutations {
  private static final List<Integer> SPECIAL_BYTES = List.of(0x00, 0xff, 0x7f, 0x80, 0x01, 0x1f, 0x3f, 0x5b, 0x5f, 0x7b,
      0x9b, 0x9f, 0xbb, 0xbf, 0xc0, 0xd8, 0xd9, 0xf9, 0xfa, 0xfb, (int) '"', (int) '\\', (int) '{', (int) '[', (int) ']',
      (int) '}', (int) ',', (int) '0');

  private Mutations() {}

  /** {@code valid} damaged in one of the ways above. */
  public static Arbitrary<byte[]> of(byte[] valid) {
    int n = valid.length;
    Arbitrary<Integer> pos = Arbitraries.integers().between(0, Math.max(0, n - 1));
    return Arbitraries.oneOf(
        pos.list().ofMinSize(1).ofMaxSize(8).flatMap(ps -> Arbitraries.integers().between(0, 7).list().ofSize(ps.size())
            .map(bits -> flip(valid, ps, bits))),
        pos.map(p -> Arrays.copyOf(valid, p)),
        Combinators.combine(pos, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(16)).as((p, b) -> insert(valid, p, b)),
        Combinators.combine(pos, pos).as((a, b) -> remove(valid, Math.min(a, b), Math.max(a, b))),
        Combinators.combine(pos, pos).as((a, b) -> insert(valid, Math.max(a, b),
            Arrays.copyOfRange(valid, Math.min(a, b), Math.max(a, b)))),
        Combinators.combine(pos, Arbitraries.of(SPECIAL_BYTES)).as((p, b) -> set(valid, p, b)));
  }

  static byte[] flip(byte[] valid, List<Integer> positions, List<Integer> bits) {
    byte[] out = valid.clone();
    for (int i = 0; i < positions.size() && out.length > 0; i++) {
      out[positions.get(i)] ^= (byte) (1 << bits.get(i));
    }
    return out;
  }

  static byte[] insert(byte[] valid, int at, byte[] extra) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(valid, 0, at);
    out.writeBytes(extra);
    out.write(valid, at, valid.length - at);
    return out.toByteArray();
  }

  static byte[] remove(byte[] valid, int from, int to) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(valid, 0, from);
    out.write(valid, to, valid.length - to);
    return out.toByteArray();
  }

  static byte[] set(byte[] valid, int at, int value) {
    byte[] out = valid.clone();
    if (out.length > 0) {
      out[at] = (byte) value;
    }
    return out;
  }
}
