package dev.cairn.runtime.results;

import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A kept result's bytes: every field of a {@link JobResult} with its outputs' exact types, so a replayed
 * result encodes to the device as the first one did. Versioned by its first byte.
 */
final class ResultBytes {
  private static final int VERSION = 1;
  private static final byte FLOATS = 'f';
  private static final byte INTS = 'i';
  private static final byte DOUBLE = 'd';
  private static final byte LONG = 'l';
  private static final byte INT = 'n';

  private ResultBytes() {}

  static byte[] encode(JobResult r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      text(out, r.id());
      text(out, r.deviceId());
      text(out, r.code() == null ? null : r.code().name());
      text(out, r.message());
      text(out, r.backend());
      out.writeLong(r.queueMicros());
      out.writeLong(r.runMicros());
      text(out, r.leaf());
      text(out, r.salt());
      out.writeInt(r.outputs().size());
      for (Map.Entry<String, Object> e : r.outputs().entrySet()) {
        out.writeUTF(e.getKey());
        value(out, e.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** @throws IllegalArgumentException when the bytes are not a kept result of this version */
  static JobResult decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalArgumentException("kept result of version " + version + ", this gateway reads " + VERSION);
      }
      String id = text(in);
      String device = text(in);
      String code = text(in);
      String message = text(in);
      String backend = text(in);
      long queue = in.readLong();
      long run = in.readLong();
      String leaf = text(in);
      String salt = text(in);
      int n = in.readInt();
      Map<String, Object> outputs = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        outputs.put(in.readUTF(), value(in));
      }
      return new JobResult(id, device, code == null ? JobResult.Status.OK : JobResult.Status.ERROR,
          code == null ? null : ErrorCode.valueOf(code), message, outputs, backend, queue, run, leaf, salt);
    } catch (IOException e) {
      throw new IllegalArgumentException("kept result is cut short: " + e, e);
    }
  }

  private static void text(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeInt(b.length);
      out.write(b);
    }
  }

  private static String text(DataInputStream in) throws IOException {
    if (!in.readBoolean()) {
      return null;
    }
    return new String(in.readNBytes(in.readInt()), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void value(DataOutputStream out, Object v) throws IOException {
    if (v instanceof float[] a) {
      out.writeByte(FLOATS);
      out.writeInt(a.length);
      for (float f : a) {
        out.writeFloat(f);
      }
    } else if (v instanceof int[] a) {
      out.writeByte(INTS);
      out.writeInt(a.length);
      for (int x : a) {
        out.writeInt(x);
      }
    } else if (v instanceof Double d) {
      out.writeByte(DOUBLE);
      out.writeDouble(d);
    } else if (v instanceof Long l) {
      out.writeByte(LONG);
      out.writeLong(l);
    } else if (v instanceof Integer i) {
      out.writeByte(INT);
      out.writeInt(i);
    } else {
      throw new IllegalArgumentException("output of unsupported type " + (v == null ? "null" : v.getClass().getName()));
    }
  }

  private static Object value(DataInputStream in) throws IOException {
    byte type = in.readByte();
    switch (type) {
      case FLOATS -> {
        float[] a = new float[in.readInt()];
        for (int i = 0; i < a.length; i++) {
          a[i] = in.readFloat();
        }
        return a;
      }
      case INTS -> {
        int[] a = new int[in.readInt()];
        for (int i = 0; i < a.length; i++) {
          a[i] = in.readInt();
        }
        return a;
      }
      case DOUBLE -> {
        return in.readDouble();
      }
      case LONG -> {
        return in.readLong();
      }
      case INT -> {
        return in.readInt();
      }
      default -> throw new IOException("unknown output type " + type);
    }
  }
}
