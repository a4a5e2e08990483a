package dev.cairn.anchor.impl;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Deterministic CBOR (RFC 8949 section 4.2.1, core deterministic encoding) for the values receipts
 * commit to: integers in their shortest form, text and byte strings, arrays, maps with keys sorted by
 * their encoded bytes, booleans, null, and floats in preferred serialization (the shortest of
 * half, single and double precision that holds the value exactly).
 */
public final class Cbor {
  private Cbor() {}

  /** Encodes {@code Map}, {@code List}, {@code String}, {@code byte[]}, integers, floats, booleans, null. */
  public static byte[] encode(Object value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    write(out, value);
    return out.toByteArray();
  }

  /**
   * SHA-256 of {@code {"inputs": {...}, "kernel": k, "params": {...}}} in canonical CBOR (keys of the
   * outer map in canonical order: "inputs", "kernel" and "params" have 6 bytes, then bytewise). The
   * inputs are written straight into the buffer; equal to {@link #genericInputDigest}.
   */
  public static byte[] inputDigest(String kernel, Map<String, Object> params, Map<String, float[]> inputs) {
    Map<String, Object> in = new java.util.HashMap<>(inputs);
    int size = 64 + kernel.length();
    for (float[] v : inputs.values()) {
      size += v.length * 4 + 16;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    head(out, 5, 3);
    text(out, "inputs");
    out.writeBytes(outputBytes(in));
    text(out, "kernel");
    text(out, kernel);
    text(out, "params");
    write(out, new TreeMap<>(params));
    return Hashes.sha256(out.toByteArray());
  }

  /** The same digest through the generic encoder (the reference in tests). */
  static byte[] genericInputDigest(String kernel, Map<String, Object> params, Map<String, float[]> inputs) {
    Map<String, Object> in = new TreeMap<>();
    inputs.forEach((k, v) -> in.put(k, le(v)));
    Map<String, Object> p = new TreeMap<>(params);
    return Hashes.sha256(encode(Map.of("kernel", kernel, "params", p, "inputs", in)));
  }

  /**
   * The canonical bytes of a job's outputs. Written straight into one buffer (keys sorted as canonical
   * CBOR sorts them: shorter first, then bytewise), since every result passes through here; equal to
   * {@link #genericOutputBytes}.
   */
  public static byte[] outputBytes(Map<String, Object> outputs) {
    int n = outputs.size();
    byte[][] keys = new byte[n][];
    Object[] values = new Object[n];
    int size = 9;
    int i = 0;
    for (Map.Entry<String, Object> e : outputs.entrySet()) {
      keys[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
      values[i] = e.getValue();
      size += keys[i].length + 18 + (values[i] instanceof float[] f ? f.length * 4 : values[i] instanceof int[] a ? a.length * 4 : 0);
      i++;
    }
    Integer[] order = new Integer[n];
    for (int k = 0; k < n; k++) {
      order[k] = k;
    }
    java.util.Arrays.sort(order, (a, b) -> keys[a].length != keys[b].length
        ? Integer.compare(keys[a].length, keys[b].length) : Arrays.compareUnsigned(keys[a], keys[b]));
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    head(out, 5, n);
    for (int k : order) {
      head(out, 3, keys[k].length);
      out.writeBytes(keys[k]);
      Object v = values[k];
      if (v instanceof float[] f) {
        head(out, 2, f.length * 4L);
        out.writeBytes(le(f));
      } else if (v instanceof int[] a) {
        ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(a);
        head(out, 2, a.length * 4L);
        out.writeBytes(b.array());
      } else if (v instanceof Double || v instanceof Float || v instanceof Long || v instanceof Integer) {
        write(out, v);
      } else {
        throw new IllegalArgumentException("output '" + new String(keys[k], StandardCharsets.UTF_8)
            + "' has an unsupported type " + (v == null ? "null" : v.getClass().getName()));
      }
    }
    return out.toByteArray();
  }

  /** The same bytes as {@link #outputBytes}, through the generic encoder (the reference in tests). */
  static byte[] genericOutputBytes(Map<String, Object> outputs) {
    Map<String, Object> out = new TreeMap<>();
    outputs.forEach((k, v) -> {
      if (v instanceof float[] f) {
        out.put(k, le(f));
      } else if (v instanceof int[] i) {
        ByteBuffer b = ByteBuffer.allocate(i.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(i);
        out.put(k, b.array());
      } else {
        out.put(k, v);
      }
    });
    return encode(out);
  }

  /**
   * What a job's leaf says of the work it took, for usage metering: input and output bytes, queue,
   * run and CPU time in microseconds.
   */
  public record Metered(long inputBytes, long outputBytes, long queueMicros, long cpuMicros, long runMicros) {
    public static final Metered NONE = new Metered(0, 0, 0, 0, 0);
  }

  /**
   * The leaf map, written straight into one buffer with its keys in canonical order (k, q, v, be, gw,
   * ib, in, kv, ob, rx, cpu, dev, job, out, run, done: shorter keys first, then bytewise). Equal to
   * {@link #encode} of the same map, without its per-entry allocations and sorting: leaves are on the
   * hot path.
   */
  public static byte[] leaf(String gatewayId, String deviceId, String jobId, String kernel, String kernelVersion,
      byte[] inputDigest, byte[] outputCommitment, String backend, long receivedMs, long completedMs, Metered m) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(200 + deviceId.length() + jobId.length());
    head(out, 5, 16);
    text(out, "k");
    text(out, kernel);
    text(out, "q");
    write(out, m.queueMicros());
    text(out, "v");
    head(out, 0, 1);
    text(out, "be");
    text(out, backend);
    text(out, "gw");
    text(out, gatewayId);
    text(out, "ib");
    write(out, m.inputBytes());
    text(out, "in");
    head(out, 2, inputDigest.length);
    out.writeBytes(inputDigest);
    text(out, "kv");
    text(out, kernelVersion);
    text(out, "ob");
    write(out, m.outputBytes());
    text(out, "rx");
    write(out, receivedMs);
    text(out, "cpu");
    write(out, m.cpuMicros());
    text(out, "dev");
    text(out, deviceId);
    text(out, "job");
    text(out, jobId);
    text(out, "out");
    head(out, 2, outputCommitment.length);
    out.writeBytes(outputCommitment);
    text(out, "run");
    write(out, m.runMicros());
    text(out, "done");
    write(out, completedMs);
    return out.toByteArray();
  }

  private static void text(ByteArrayOutputStream out, String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    head(out, 3, utf8.length);
    out.writeBytes(utf8);
  }

  /** Little-endian float32 bytes. */
  static byte[] le(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b.array();
  }

  private static void write(ByteArrayOutputStream out, Object v) {
    if (v == null) {
      out.write(0xf6);
    } else if (v instanceof Boolean b) {
      out.write(b ? 0xf5 : 0xf4);
    } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      long n = ((Number) v).longValue();
      if (n >= 0) {
        head(out, 0, n);
      } else {
        head(out, 1, -1 - n);
      }
    } else if (v instanceof Double || v instanceof Float) {
      writeFloat(out, ((Number) v).doubleValue());
    } else if (v instanceof String s) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      head(out, 3, utf8.length);
      out.writeBytes(utf8);
    } else if (v instanceof byte[] bytes) {
      head(out, 2, bytes.length);
      out.writeBytes(bytes);
    } else if (v instanceof List<?> list) {
      head(out, 4, list.size());
      for (Object o : list) {
        write(out, o);
      }
    } else if (v instanceof Map<?, ?> map) {
      List<byte[][]> entries = new ArrayList<>(map.size());
      for (Map.Entry<?, ?> e : map.entrySet()) {
        entries.add(new byte[][] {encode(e.getKey()), encode(e.getValue())});
      }
      entries.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
      for (int i = 1; i < entries.size(); i++) {
        if (Arrays.equals(entries.get(i - 1)[0], entries.get(i)[0])) {
          throw new IllegalArgumentException("duplicate map key");
        }
      }
      head(out, 5, entries.size());
      for (byte[][] e : entries) {
        out.writeBytes(e[0]);
        out.writeBytes(e[1]);
      }
    } else {
      throw new IllegalArgumentException("cannot encode " + v.getClass().getName() + " in canonical CBOR");
    }
  }

  private static void head(ByteArrayOutputStream out, int major, long n) {
    int mt = major << 5;
    if (n < 24) {
      out.write(mt | (int) n);
    } else if (n < 0x100) {
      out.write(mt | 24);
      out.write((int) n);
    } else if (n < 0x10000) {
      out.write(mt | 25);
      out.write((int) (n >>> 8));
      out.write((int) n);
    } else if (n < 0x100000000L) {
      out.write(mt | 26);
      for (int s = 24; s >= 0; s -= 8) {
        out.write((int) (n >>> s));
      }
    } else {
      out.write(mt | 27);
      for (int s = 56; s >= 0; s -= 8) {
        out.write((int) (n >>> s));
      }
    }
  }

  private static void writeFloat(ByteArrayOutputStream out, double d) {
    if (Double.isNaN(d)) {
      throw new IllegalArgumentException("NaN has no place in a receipt");
    }
    float f = (float) d;
    if ((double) f == d) {
      int half = toHalfExactly(f);
      if (half >= 0) {
        out.write(0xf9);
        out.write(half >>> 8);
        out.write(half);
        return;
      }
      int bits = Float.floatToIntBits(f);
      out.write(0xfa);
      for (int s = 24; s >= 0; s -= 8) {
        out.write(bits >>> s);
      }
      return;
    }
    long bits = Double.doubleToLongBits(d);
    out.write(0xfb);
    for (int s = 56; s >= 0; s -= 8) {
      out.write((int) (bits >>> s));
    }
  }

  /** The IEEE 754 half-precision bits of {@code f} if it is exactly representable, else -1. */
  static int toHalfExactly(float f) {
    int bits = Float.floatToIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = ((bits >>> 23) & 0xff) - 127;
    int mant = bits & 0x7fffff;
    if (exp == 128) {
      return mant == 0 ? sign | 0x7c00 : -1;
    }
    if (exp == -127 && mant == 0) {
      return sign;
    }
    if (exp >= -14 && exp <= 15) {
      return (mant & 0x1fff) == 0 ? sign | ((exp + 15) << 10) | (mant >>> 13) : -1;
    }
    if (exp >= -24 && exp < -14) {
      int full = 0x800000 | mant;
      int shift = -(exp + 1);
      return (full & ((1 << shift) - 1)) == 0 ? sign | (full >>> shift) : -1;
    }
    return -1;
  }
}
