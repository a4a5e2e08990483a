package dev.cairn.runtime.bench;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The load generators' job, {@code vector.saxpy} with {@code a = 2} on two inputs of 256 floats, in the
 * encodings of the device contract, each built once so that making a job costs only its id; and the id
 * of a result, JSON or CBOR, found without decoding it.
 */
public final class SaxpyJobs {
  /** Elements per input. */
  public static final int N = 256;
  /** The RFC 8746 tag of float32, little endian, typed arrays. */
  static final int TAG_FLOAT32_LE = 85;

  /** How the job's inputs are written, by the name {@code MqttLoad --inputs} takes. */
  public enum Inputs {
    /** JSON number arrays of small whole numbers ({@code i % 17}): about 1.4 KB, the main tables' job. */
    JSON("json", "JSON number arrays, whole numbers (i % 17)"),
    /** JSON number arrays of floats written with all their digits, as sensor readings are. */
    JSON_FLOATS("json-floats", "JSON number arrays, floats with all their digits"),
    /** {@code {"dtype":"f32","shape":[256],"data":"<base64>"}} in JSON. */
    BASE64("base64", "JSON {\"dtype\":\"f32\",\"data\":base64}"),
    /** CBOR with each input an RFC 8746 typed array (tag 85, float32 little endian). */
    CBOR("cbor", "CBOR typed arrays (RFC 8746 tag 85)");

    private final String option;
    private final String label;

    Inputs(String option, String label) {
      this.option = option;
      this.label = label;
    }

    public String option() {
      return option;
    }

    /** What a report calls it. */
    public String label() {
      return label;
    }

    /** The encoding named {@code option}; the message says which names exist. */
    public static Inputs of(String option) {
      for (Inputs i : values()) {
        if (i.option.equals(option)) {
          return i;
        }
      }
      throw new IllegalArgumentException("--inputs takes json, json-floats, base64 or cbor, was '" + option + "'");
    }
  }

  private final Inputs inputs;
  /** The bytes after the id's value: for JSON from its closing quote, for CBOR after the id text. */
  private final byte[] tail;

  public SaxpyJobs(Inputs inputs) {
    this.inputs = inputs;
    float[] values = values(inputs);
    this.tail = switch (inputs) {
      case JSON, JSON_FLOATS -> utf8("\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":" + numbers(values)
          + ",\"y\":" + numbers(values) + "}}");
      case BASE64 -> {
        String typed = "{\"dtype\":\"f32\",\"shape\":[" + N + "],\"data\":\"" + Base64.getEncoder().encodeToString(littleEndian(values))
            + "\"}";
        yield utf8("\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":" + typed + ",\"y\":" + typed + "}}");
      }
      case CBOR -> cborTail(littleEndian(values));
    };
  }

  /** The bytes after the id. */
  byte[] tail() {
    return tail;
  }

  public Inputs inputs() {
    return inputs;
  }

  /** The job with id {@code id} (at most 255 bytes of UTF-8). */
  public byte[] job(String id) {
    byte[] idBytes = utf8(id);
    if (idBytes.length > 255) {
      throw new IllegalArgumentException("a bench job id has at most 255 bytes, was " + idBytes.length);
    }
    byte[] head = inputs == Inputs.CBOR ? cborHead(idBytes) : utf8("{\"id\":\"" + id);
    byte[] out = new byte[head.length + tail.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(tail, 0, out, head.length, tail.length);
    return out;
  }

  /**
   * The id of a result (or request): the first string after the key {@code id}, in JSON or, when
   * {@code body} starts with a CBOR map, in CBOR; null if there is none.
   */
  public static String id(byte[] body) {
    if (body.length > 0 && (body[0] & 0xe0) == 0xa0) {
      for (int i = 1; i + 4 < body.length; i++) {
        if (body[i] == 0x62 && body[i + 1] == 'i' && body[i + 2] == 'd') {
          int h = body[i + 3] & 0xff;
          int at = h == 0x78 ? i + 5 : i + 4;
          int length = h == 0x78 ? body[i + 4] & 0xff : h - 0x60;
          if (length < 0 || h > 0x78 || at + length > body.length) {
            return null;
          }
          return new String(body, at, length, StandardCharsets.UTF_8);
        }
      }
      return null;
    }
    String text = new String(body, StandardCharsets.UTF_8);
    int i = text.indexOf("\"id\":\"");
    int end = i < 0 ? -1 : text.indexOf('"', i + 6);
    return end < 0 ? null : text.substring(i + 6, end);
  }

  static float[] values(Inputs inputs) {
    float[] v = new float[N];
    for (int i = 0; i < N; i++) {
      v[i] = inputs == Inputs.JSON ? i % 17 : (float) (Math.sin(i * 0.1) * 40 + 20.5);
    }
    return v;
  }

  private static String numbers(float[] values) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      float f = values[i];
      s.append(i == 0 ? "" : ",").append(f == (int) f ? String.valueOf((int) f) : Float.toString(f));
    }
    return s.append(']').toString();
  }

  private static byte[] littleEndian(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b.array();
  }

  /** A CBOR map of 4 pairs, then the key "id" and the text header and bytes of the id. */
  private static byte[] cborHead(byte[] id) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(id.length + 6);
    out.writeBytes(new byte[] {(byte) 0xa4, 0x62, 'i', 'd'});
    if (id.length < 24) {
      out.write(0x60 | id.length);
    } else {
      out.write(0x78);
      out.write(id.length);
    }
    out.writeBytes(id);
    return out.toByteArray();
  }

  /** The pairs after the id, written by Jackson's CBOR generator: kernel, params and the two tagged inputs. */
  private static byte[] cborTail(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = new CBORFactory().createGenerator(out)) {
      g.writeStartObject(null, 4);
      g.writeStringField("id", "");
      g.writeStringField("kernel", "vector.saxpy");
      g.writeFieldName("params");
      g.writeStartObject(null, 1);
      g.writeNumberField("a", 2);
      g.writeEndObject();
      g.writeFieldName("inputs");
      g.writeStartObject(null, 2);
      for (String name : new String[] {"x", "y"}) {
        g.writeFieldName(name);
        g.writeTag(TAG_FLOAT32_LE);
        g.writeBinary(data);
      }
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] all = out.toByteArray();
    // a4 62 'i' 'd' 60: the map header and the empty id this tail follows.
    byte[] tail = new byte[all.length - 5];
    System.arraycopy(all, 5, tail, 0, tail.length);
    return tail;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
