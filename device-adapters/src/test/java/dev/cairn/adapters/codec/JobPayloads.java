package dev.cairn.adapters.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Job payloads for the fuzz tier: valid jobs in JSON and CBOR, and the ways a device gets them wrong —
 * bit flips, truncation, stray and repeated bytes, duplicated, missing and mistyped fields, numbers
 * out of every range, very deep nesting, CBOR items that declare far more bytes than they hold, typed
 * arrays of other kinds, and base64 garbage in {@code {"dtype": "f32", ...}}. Shared with the endpoint
 * fuzzers of edge-runtime (test jar).
 */
public final class JobPayloads {
  /** The kernels a real gateway has, so that some valid jobs run. */
  public static final List<String> KERNELS = List.of("vector.saxpy", "vector.stats", "signal.fir", "matrix.dense");

  private static final JsonFactory JSON = new JsonFactory();
  private static final CBORFactory CBOR = new CBORFactory();
  private static final String SPLICE = "zzSPLICEzz";

  private JobPayloads() {}

  /** One payload as a device sends it; {@code kind} says how it was made. */
  public record Payload(String kind, PayloadFormat format, byte[] bytes) {
    @Override
    public String toString() {
      String shown = format == PayloadFormat.JSON
          ? new String(bytes, StandardCharsets.UTF_8) : HexFormat.of().formatHex(bytes);
      return kind + " " + format + " (" + bytes.length + " bytes) "
          + (shown.length() > 400 ? shown.substring(0, 400) + "..." : shown);
    }
  }

  /** A JSON or CBOR object whose fields may repeat, in order. */
  public record Obj(List<Map.Entry<String, Object>> fields) {
    public Obj with(String name, Object value) {
      List<Map.Entry<String, Object>> f = new ArrayList<>(fields);
      f.add(Map.entry(name, value));
      return new Obj(f);
    }

    Obj without(int index) {
      List<Map.Entry<String, Object>> f = new ArrayList<>(fields);
      f.remove(index);
      return new Obj(f);
    }

    Obj replacing(int index, Object value) {
      List<Map.Entry<String, Object>> f = new ArrayList<>(fields);
      f.set(index, Map.entry(f.get(index).getKey(), value));
      return new Obj(f);
    }
  }

  /** Bytes: a CBOR byte string (tagged when {@code tag >= 0}), in JSON the typed binary object. */
  public record Bin(byte[] bytes, int tag) {}

  /** A number written as this text in JSON (and as the nearest CBOR number). */
  public record Num(String text) {}

  /** Bytes put into the encoding as they are, where this value would be. */
  public record Splice(byte[] json, byte[] cbor) {}

  /** Every kind of payload, valid or not, in either format. */
  public static Arbitrary<Payload> any() {
    return Arbitraries.frequencyOf(
        Tuple.of(1, randomBytes()),
        Tuple.of(1, jsonLikeText()),
        Tuple.of(2, valid()),
        Tuple.of(2, runnable()),
        Tuple.of(4, mutatedTrees()),
        Tuple.of(4, mutatedBytes()));
  }

  public static Arbitrary<Payload> randomBytes() {
    return Combinators.combine(formats(), Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
        .as((f, b) -> new Payload("random bytes", f, b));
  }

  /** Text made of JSON's own characters, which gets further into a parser than noise does. */
  public static Arbitrary<Payload> jsonLikeText() {
    return Arbitraries.strings().withChars("{}[]\":,.-+0123456789eEtrufalsn \\u").ofMaxLength(200)
        .map(s -> new Payload("json-like text", PayloadFormat.JSON, s.getBytes(StandardCharsets.UTF_8)));
  }

  public static Arbitrary<Payload> valid() {
    return Combinators.combine(formats(), jobs()).as((f, job) -> new Payload("valid job", f, encode(job, f)));
  }

  /** Jobs a gateway runs: saxpy of two inputs of one length, or the statistics of one. */
  public static Arbitrary<Payload> runnable() {
    Arbitrary<List<Float>> values = Arbitraries.floats().between(-1000, 1000).list().ofMinSize(1).ofMaxSize(16);
    Arbitrary<Obj> saxpy = values.flatMap(x -> Arbitraries.floats().between(-1000, 1000).list().ofSize(x.size())
        .map(y -> new Obj(List.of(Map.entry("kernel", "vector.saxpy"), Map.entry("params", new Obj(List.of(Map.entry("a", 2.0)))),
            Map.entry("inputs", new Obj(List.of(Map.entry("x", new ArrayList<Object>(x)), Map.entry("y", new Bin(le(y), 85)))))))));
    Arbitrary<Obj> stats = values.map(x -> new Obj(List.of(Map.entry("kernel", "vector.stats"),
        Map.entry("inputs", new Obj(List.of(Map.entry("x", typedBinary(x.size(), Base64.getEncoder().encodeToString(le(x))))))))));
    Arbitrary<String> ids = Arbitraries.strings().alpha().numeric().ofMinLength(8).ofMaxLength(16);
    // Now and then the kernel is misnamed, so that the scheduler's refusal gets its share.
    Arbitrary<String> misnamed = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just("")),
        Tuple.of(1, Arbitraries.just("k".repeat(3000))),
        Tuple.of(1, Arbitraries.of("vector.saxpy\u0000", "VECTOR.SAXPY", " vector.saxpy", "vector.saxpy@9")));
    return Combinators.combine(formats(), Arbitraries.oneOf(saxpy, stats), ids, misnamed).as((f, job, id, kernel) -> {
      Obj named = kernel.isEmpty() ? job : job.replacing(indexOf(job, "kernel"), kernel);
      return new Payload(kernel.isEmpty() ? "runnable job" : "job of a misnamed kernel", f, encode(named.with("id", id), f));
    });
  }

  public static Arbitrary<Payload> mutatedTrees() {
    return Combinators.combine(formats(), jobs().flatMap(JobPayloads::mutate))
        .as((f, job) -> new Payload("mutated job", f, encode(job, f)));
  }

  public static Arbitrary<Payload> mutatedBytes() {
    return valid().flatMap(p -> dev.cairn.anchor.Mutations.of(p.bytes()).map(b -> new Payload("mutated bytes of a valid job", p.format(), b)));
  }

  static Arbitrary<PayloadFormat> formats() {
    return Arbitraries.of(PayloadFormat.class);
  }

  /** Valid jobs: the contract's fields, with inputs in each of the forms it allows. */
  public static Arbitrary<Obj> jobs() {
    Arbitrary<String> ids = Arbitraries.oneOf(
        Arbitraries.strings().alpha().numeric().withChars("-_.").ofMinLength(1).ofMaxLength(24),
        Arbitraries.strings().ofMinLength(1).ofMaxLength(12));
    Arbitrary<Obj> params = Combinators.combine(Arbitraries.doubles().between(-10, 10), Arbitraries.of("relu", "none", "fast"))
        .as((a, activation) -> new Obj(List.of(Map.entry("a", a), Map.entry("activation", activation))));
    Arbitrary<Obj> inputs = input().list().ofMinSize(1).ofMaxSize(3).map(values -> {
      List<Map.Entry<String, Object>> f = new ArrayList<>();
      String[] names = {"x", "y", "taps"};
      for (int i = 0; i < values.size(); i++) {
        f.add(Map.entry(names[i], values.get(i)));
      }
      return new Obj(f);
    });
    return Combinators.combine(ids, Arbitraries.of(KERNELS), params, inputs, Arbitraries.integers().between(0, 9),
            Arbitraries.longs().between(0, 5000))
        .as((id, kernel, p, in, priority, deadline) -> new Obj(List.of(
            Map.entry("id", id), Map.entry("kernel", kernel), Map.entry("params", p), Map.entry("inputs", in),
            Map.entry("priority", priority), Map.entry("deadlineMs", deadline))));
  }

  /** One input in any of the allowed forms. */
  static Arbitrary<Object> input() {
    Arbitrary<List<Float>> values = Arbitraries.floats().between(-1000, 1000).list().ofMaxSize(16);
    return values.flatMap(v -> Arbitraries.of(
        (Object) new ArrayList<Object>(v),
        typedBinary(v.size(), Base64.getEncoder().encodeToString(le(v))),
        new Bin(le(v), -1),
        new Bin(le(v), 85)));
  }

  static Obj typedBinary(int n, Object data) {
    return new Obj(List.of(Map.entry("dtype", "f32"), Map.entry("shape", List.of(n)), Map.entry("data", data)));
  }

  static byte[] le(List<Float> values) {
    ByteBuffer b = ByteBuffer.allocate(values.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    values.forEach(b::putFloat);
    return b.array();
  }

  /** A job changed in one or two of the ways devices get jobs wrong. */
  static Arbitrary<Obj> mutate(Obj job) {
    Arbitrary<Obj> once = Arbitraries.lazyOf(
        () -> dropField(job),
        () -> duplicateField(job),
        () -> replaceValue(job),
        () -> Arbitraries.strings().ofMaxLength(20).map(name -> job.with(name, 1)),
        () -> mutateInput(job));
    return once.flatMap(m -> Arbitraries.oneOf(Arbitraries.just(m), mutateInput(m), replaceValue(m)));
  }

  static Arbitrary<Obj> dropField(Obj o) {
    return Arbitraries.integers().between(0, o.fields().size() - 1).map(o::without);
  }

  static Arbitrary<Obj> duplicateField(Obj o) {
    return Combinators.combine(Arbitraries.integers().between(0, o.fields().size() - 1), strangeValues())
        .as((i, v) -> o.with(o.fields().get(i).getKey(), v));
  }

  static Arbitrary<Obj> replaceValue(Obj o) {
    return Combinators.combine(Arbitraries.integers().between(0, o.fields().size() - 1), strangeValues())
        .as(o::replacing);
  }

  /** Changes the first input: strange elements, a wrong typed-array tag, a wrong typed binary. */
  static Arbitrary<Obj> mutateInput(Obj job) {
    int at = indexOf(job, "inputs");
    if (at < 0 || !(job.fields().get(at).getValue() instanceof Obj inputs) || inputs.fields().isEmpty()) {
      return Arbitraries.just(job);
    }
    Arbitrary<Object> changed = Arbitraries.lazyOf(
        () -> strangeValues().list().ofMinSize(1).ofMaxSize(4).map(l -> (Object) l),
        () -> Combinators.combine(Arbitraries.integers().between(0, 300), Arbitraries.bytes().array(byte[].class).ofMaxSize(40))
            .as((tag, b) -> (Object) new Bin(b, tag)),
        () -> Combinators.combine(Arbitraries.integers().between(-2, 40), base64Garbage())
            .as((n, data) -> (Object) typedBinary(n, data)),
        () -> Combinators.combine(Arbitraries.of("f64", "F32", "", "i32"), Arbitraries.integers().between(0, 4))
            .as((dtype, n) -> (Object) new Obj(List.of(Map.entry("dtype", dtype), Map.entry("shape", List.of(n)),
                Map.entry("data", "AAAAAA==")))),
        () -> hugeDeclaredLengths().map(s -> (Object) s));
    return changed.map(v -> job.replacing(at, inputs.replacing(0, v)));
  }

  static int indexOf(Obj o, String name) {
    for (int i = 0; i < o.fields().size(); i++) {
      if (o.fields().get(i).getKey().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** Values of the wrong type or out of every range. */
  static Arbitrary<Object> strangeValues() {
    return Arbitraries.oneOf(
        Arbitraries.of("", "NaN", "x", "\ud800", "\udc00x", "\u0000", "k".repeat(3000)).map(s -> (Object) s),
        Arbitraries.strings().ofMaxLength(30).map(s -> (Object) s),
        Arbitraries.of(Boolean.TRUE, Boolean.FALSE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0,
            Double.MAX_VALUE, Double.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, 3.5e38, 1e39),
        Arbitraries.of("1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "123456789012345678901234567890",
            "1" + "0".repeat(999), "9".repeat(2000), "0.000000000000000000000000000000000000000000001").map(t -> (Object) new Num(t)),
        Arbitraries.just((Object) new ArrayList<>()),
        Arbitraries.just((Object) new Obj(List.of())),
        deepNesting().map(s -> (Object) s),
        hugeDeclaredLengths().map(s -> (Object) s));
  }

  static Arbitrary<String> base64Garbage() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.strings().withChars("ABCDabcd0189+/=-_ \n").ofMaxLength(40),
        Arbitraries.of("A", "AA", "AAA", "AAAAA", "====", "AA==AA==", "AAAA====", "-_-_", "AA\nAA"));
  }

  /** Arrays or maps nested far deeper than any job needs. */
  static Arbitrary<Splice> deepNesting() {
    return Combinators.combine(Arbitraries.integers().between(100, 20_000), Arbitraries.of(true, false)).as((depth, maps) -> {
      String open = maps ? "{\"a\":" : "[";
      String close = maps ? "}" : "]";
      byte[] json = (open.repeat(depth) + "1" + close.repeat(depth)).getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream cbor = new ByteArrayOutputStream();
      for (int i = 0; i < depth; i++) {
        if (maps) {
          cbor.writeBytes(new byte[] {(byte) 0xa1, 0x61, 'a'});
        } else {
          cbor.write(0x81);
        }
      }
      cbor.write(0x01);
      return new Splice(json, cbor.toByteArray());
    });
  }

  /** CBOR items (byte and text strings, arrays, maps) that declare up to 2^64-1 elements and hold a few. */
  static Arbitrary<Splice> hugeDeclaredLengths() {
    return Combinators.combine(Arbitraries.of(0x40, 0x60, 0x80, 0xa0), Arbitraries.of(26, 27),
            Arbitraries.longs().between(1 << 20, Long.MAX_VALUE), Arbitraries.bytes().array(byte[].class).ofMaxSize(8))
        .as((major, width, length, tail) -> {
          ByteBuffer b = ByteBuffer.allocate(9 + tail.length);
          b.put((byte) (major | width));
          if (width == 26) {
            b.putInt((int) Math.min(length, 0xffff_ffffL));
          } else {
            b.putLong(length);
          }
          b.put(tail);
          byte[] cbor = java.util.Arrays.copyOf(b.array(), b.position());
          // JSON has no declared lengths: the nearest is an array that never ends.
          return new Splice("[1,2,3".getBytes(StandardCharsets.UTF_8), cbor);
        });
  }

  /** The job as the device would encode it; {@link Splice}s are put in as they are. */
  public static byte[] encode(Object job, PayloadFormat format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<Splice> splices = new ArrayList<>();
    try (JsonGenerator g = (format == PayloadFormat.CBOR ? CBOR : JSON).createGenerator(out)) {
      write(g, job, splices);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] bytes = out.toByteArray();
    for (int i = 0; i < splices.size(); i++) {
      byte[] marker = (SPLICE + i + "z").getBytes(StandardCharsets.UTF_8);
      Splice s = splices.get(i);
      bytes = replace(bytes, marker, format == PayloadFormat.CBOR ? s.cbor() : s.json());
    }
    return bytes;
  }

  /** Replaces the encoded string {@code marker} (its one-byte CBOR header, or its JSON quotes) by {@code with}. */
  private static byte[] replace(byte[] bytes, byte[] marker, byte[] with) {
    for (int i = 1; i + marker.length < bytes.length + 1; i++) {
      if (java.util.Arrays.equals(bytes, i, i + marker.length, marker, 0, marker.length)) {
        int end = i + marker.length + (bytes[i - 1] == '"' ? 1 : 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, i - 1);
        out.writeBytes(with);
        out.write(bytes, end, bytes.length - end);
        return out.toByteArray();
      }
    }
    throw new IllegalStateException("splice marker not found");
  }

  private static void write(JsonGenerator g, Object v, List<Splice> splices) throws IOException {
    if (v instanceof Obj o) {
      g.writeStartObject();
      for (Map.Entry<String, Object> e : o.fields()) {
        if (wellFormed(e.getKey())) {
          g.writeFieldName(e.getKey());
        } else {
          g.writeFieldName(SPLICE + splices.size() + "z");
          splices.add(unpairedSurrogates(e.getKey()));
        }
        write(g, e.getValue(), splices);
      }
      g.writeEndObject();
    } else if (v instanceof List<?> l) {
      g.writeStartArray();
      for (Object x : l) {
        write(g, x, splices);
      }
      g.writeEndArray();
    } else if (v instanceof Bin b) {
      if (!(g instanceof CBORGenerator c)) {
        // JSON's form of binary input: the typed object.
        write(g, typedBinary(b.bytes().length / 4, Base64.getEncoder().encodeToString(b.bytes())), splices);
        return;
      }
      if (b.tag() >= 0) {
        c.writeTag(b.tag());
      }
      g.writeBinary(b.bytes());
    } else if (v instanceof Num n) {
      writeNumberText(g, n.text());
    } else if (v instanceof Splice s) {
      g.writeString(SPLICE + splices.size() + "z");
      splices.add(s);
    } else if (v instanceof String s) {
      if (wellFormed(s)) {
        g.writeString(s);
      } else {
        write(g, unpairedSurrogates(s), splices);
      }
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Float f) {
      g.writeNumber(f);
    } else if (v instanceof Double d) {
      g.writeNumber(d);
    } else if (v == null) {
      g.writeNull();
    } else {
      throw new IllegalArgumentException("cannot write " + v.getClass());
    }
  }

  /** Whether {@code s} has no unpaired surrogate, so that UTF-8 can carry it. */
  static boolean wellFormed(String s) {
    return StandardCharsets.UTF_8.newEncoder().canEncode(s);
  }

  /**
   * Text that is not well-formed Unicode, as a device can send it: JSON escapes (backslash, u, four hex
   * digits) of lone surrogates, and in CBOR their three-byte (CESU-8) forms, which strict UTF-8 forbids.
   */
  static Splice unpairedSurrogates(String s) {
    StringBuilder json = new StringBuilder("\"");
    ByteArrayOutputStream utf8 = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
        json.append(String.format("\\u%04x", (int) c));
      } else {
        json.append(c);
      }
      if (c < 0x80) {
        utf8.write(c);
      } else if (c < 0x800) {
        utf8.writeBytes(new byte[] {(byte) (0xc0 | c >> 6), (byte) (0x80 | c & 0x3f)});
      } else {
        utf8.writeBytes(new byte[] {(byte) (0xe0 | c >> 12), (byte) (0x80 | c >> 6 & 0x3f), (byte) (0x80 | c & 0x3f)});
      }
    }
    byte[] text = utf8.toByteArray();
    ByteArrayOutputStream cbor = new ByteArrayOutputStream();
    if (text.length < 24) {
      cbor.write(0x60 | text.length);
    } else {
      cbor.writeBytes(new byte[] {0x79, (byte) (text.length >> 8), (byte) text.length});
    }
    cbor.writeBytes(text);
    return new Splice(json.append('"').toString().getBytes(StandardCharsets.UTF_8), cbor.toByteArray());
  }

  private static void writeNumberText(JsonGenerator g, String text) throws IOException {
    if (!(g instanceof CBORGenerator)) {
      g.writeNumber(text);
    } else if (text.matches("-?\\d+")) {
      g.writeNumber(new BigInteger(text));
    } else if (text.matches("-?[0-9.]+([eE]-?\\d+)?")) {
      g.writeNumber(new BigDecimal(text));
    } else {
      g.writeNumber(Double.parseDouble(text));
    }
  }
}
