package dev.cairn.adapters.codec.impl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import dev.cairn.adapters.codec.JobCodec;
import dev.cairn.adapters.codec.PayloadFormat;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Streaming JSON and CBOR codec of the device contract. Requests are read token by token so that an
 * over-long input is refused before it is allocated, and so that CBOR tags are seen.
 */
public final class JacksonJobCodec implements JobCodec {
  static final String ALLOWED_FIELDS = "id, kernel, params, inputs, priority, deadlineMs, placement, replicas, quorum";
  /** RFC 8746: typed array of float32, little endian. */
  static final int TAG_FLOAT32_LE = 85;
  /** Characters of a parser's own message that a refusal repeats (they can quote the payload). */
  static final int PARSER_MESSAGE = 300;
  private static final String INPUT_FORMS =
      "inputs are arrays of numbers, {\"dtype\": \"f32\", \"shape\": [n], \"data\": \"<base64>\"}, "
          + "or in CBOR a byte string of little-endian float32 (optionally tag 85)";

  // Jackson's bundled fast float writer and parser (Schubfach, FastDoubleParser): results hold hundreds of
  // floats and formatting them with the JDK's Float.toString was the largest single cost of a job.
  private final JsonFactory json = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
      .build();
  private final CBORFactory cbor = CBORFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private JsonFactory factory(PayloadFormat format) {
    return format == PayloadFormat.CBOR ? cbor : json;
  }

  @Override
  public JobRequest decode(String deviceId, byte[] payload, PayloadFormat format, int maxElementsPerInput) {
    try (JsonParser p = factory(format).createParser(payload)) {
      return new Reader(p, format, maxElementsPerInput).read(deviceId, payload.length);
    } catch (JobException e) {
      throw e;
    } catch (JsonProcessingException e) {
      throw bad("payload is not valid " + format + ": " + Text.shown(e.getOriginalMessage(), PARSER_MESSAGE)
          + where(e.getLocation(), format));
    } catch (IOException e) {
      throw bad("payload could not be read as " + format + ": " + Text.shown(String.valueOf(e.getMessage()), PARSER_MESSAGE));
    }
  }

  private static String where(JsonLocation loc, PayloadFormat format) {
    if (loc == null) {
      return "";
    }
    return format == PayloadFormat.JSON
        ? " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")"
        : " (byte " + loc.getByteOffset() + ")";
  }

  static JobException bad(String message) {
    return new JobException(ErrorCode.BAD_REQUEST, message);
  }

  /** One request being read. */
  private static final class Reader {
    private final JsonParser p;
    private final PayloadFormat format;
    private final int maxElements;

    Reader(JsonParser p, PayloadFormat format, int maxElements) {
      this.p = p;
      this.format = format;
      this.maxElements = maxElements;
    }

    JobRequest read(String deviceId, int payloadBytes) throws IOException {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw bad("a job must be a " + format + " object with the fields " + ALLOWED_FIELDS);
      }
      String id = null;
      String kernel = null;
      Map<String, Object> params = Map.of();
      Map<String, float[]> inputs = null;
      int priority = JobRequest.DEFAULT_PRIORITY;
      long deadlineMs = 0;
      dev.cairn.scheduler.PlacementHint placement = null;
      int replicas = 1;
      int quorum = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "id" -> id = checkedId(text(t, "id"));
          case "kernel" -> kernel = text(t, "kernel");
          case "params" -> params = params(t);
          case "inputs" -> inputs = inputs(t);
          case "priority" -> priority = (int) integer(t, "priority", 0, 9);
          case "deadlineMs" -> deadlineMs = integer(t, "deadlineMs", 0, 86_400_000L);
          case "placement" -> placement = placement(t);
          case "replicas" -> replicas = (int) integer(t, "replicas", 1, dev.cairn.scheduler.PlacementHint.MAX_REPLICAS);
          case "quorum" -> quorum = (int) integer(t, "quorum", 1, dev.cairn.scheduler.PlacementHint.MAX_REPLICAS);
          default -> throw bad("unknown field '" + Text.shown(field) + "'; a job has the fields " + ALLOWED_FIELDS);
        }
      }
      if (p.nextToken() != null) {
        throw bad("unexpected data after the job object");
      }
      if (id == null) {
        throw bad("field 'id' is missing: give each job an id unique for the device");
      }
      if (kernel == null) {
        throw bad("field 'kernel' is missing: name an installed kernel, e.g. \"vector.saxpy\"");
      }
      if (inputs == null) {
        throw new JobException(ErrorCode.BAD_REQUEST, "job '" + id + "': field 'inputs' is missing; " + INPUT_FORMS);
      }
      if (quorum > replicas) {
        throw bad("field 'quorum' is " + quorum + " but 'replicas' is " + replicas + "; a quorum is at most the replicas");
      }
      if (replicas > 1 || quorum > 0) {
        if (placement != null && placement.gateway() != null) {
          throw bad("'replicas' runs a job on several gateways; 'placement.gateway' names one: give 'placement.labels' or no placement");
        }
        placement = new dev.cairn.scheduler.PlacementHint(null, placement == null ? Map.of() : placement.labels(), replicas,
            quorum == 0 ? dev.cairn.scheduler.PlacementHint.majority(replicas) : quorum);
      }
      // The arrays were decoded for this request alone.
      return new JobRequest(deviceId, id, kernel, params, inputs, priority, deadlineMs, payloadBytes, true, placement);
    }

    /** {@code {"gateway": "gw-2"}} and/or {@code {"labels": {"site": "a"}}}: where the device asks the job to run. */
    private dev.cairn.scheduler.PlacementHint placement(JsonToken t) throws IOException {
      String form = "field 'placement' must be an object {\"gateway\": \"<gateway id>\"} or {\"labels\": {\"<name>\": \"<value>\"}}";
      if (t != JsonToken.START_OBJECT) {
        throw bad(form + ", was " + describe(t));
      }
      String gateway = null;
      Map<String, String> labels = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals("gateway")) {
          gateway = text(v, "placement.gateway");
          if (!gateway.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw bad("field 'placement.gateway' must be a gateway id (1 to 64 letters, digits, '_', '.', ':' or '-'), was '"
                + Text.shown(gateway) + "'");
          }
        } else if (name.equals("labels") && v == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String label = p.currentName();
            String value = text(p.nextToken(), "placement.labels." + Text.shown(label));
            if (!label.matches("[A-Za-z0-9_.-]{1,63}") || !value.matches("[A-Za-z0-9_.-]{1,63}") || labels.size() == 32) {
              throw bad("placement.labels has at most 32 labels, names and values of 1 to 63 letters, digits, '_', '.' or '-'");
            }
            labels.put(label, value);
          }
        } else {
          throw bad(form + "; '" + Text.shown(name) + "' is not one of its fields (gateway, labels)");
        }
      }
      return new dev.cairn.scheduler.PlacementHint(gateway, labels);
    }

    private String text(JsonToken t, String field) throws IOException {
      if (t != JsonToken.VALUE_STRING) {
        throw bad("field '" + field + "' must be a string, was " + describe(t));
      }
      return wellFormed(p.getText(), "field '" + field + "'");
    }

    /**
     * Refuses text with an unpaired surrogate: UTF-8 cannot carry it, so the receipt leaf and the journal
     * would hold '?' in its place, and two different ids or inputs would commit to the same bytes.
     */
    private static String wellFormed(String s, String what) {
      int at = Text.unpairedSurrogate(s);
      if (at >= 0) {
        throw bad(what + " is not well-formed Unicode: it has an unpaired surrogate (U+"
            + Integer.toHexString(s.charAt(at)).toUpperCase(Locale.ROOT) + ") at character " + at
            + "; a JSON escape of a surrogate must be followed by its pair, and CBOR text must be UTF-8");
      }
      return s;
    }

    private static String checkedId(String id) {
      if (id.length() > JobRequest.MAX_ID_LENGTH) {
        throw bad("field 'id' has " + id.length() + " characters; a job id has 1 to " + JobRequest.MAX_ID_LENGTH);
      }
      return id;
    }

    private long integer(JsonToken t, String field, long min, long max) throws IOException {
      if (t != JsonToken.VALUE_NUMBER_INT) {
        throw bad("field '" + field + "' must be a whole number from " + min + " to " + max + ", was " + describe(t));
      }
      long v;
      try {
        v = p.getLongValue();
      } catch (com.fasterxml.jackson.core.exc.InputCoercionException e) {
        v = Long.MAX_VALUE;
      }
      if (v < min || v > max) {
        throw bad("field '" + field + "' must be from " + min + " to " + max + ", was " + Text.shown(p.getText()));
      }
      return v;
    }

    private Map<String, Object> params(JsonToken t) throws IOException {
      if (t != JsonToken.START_OBJECT) {
        throw bad("field 'params' must be an object of numbers or strings, was " + describe(t));
      }
      Map<String, Object> out = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = wellFormed(p.currentName(), "a name in 'params'");
        String shown = Text.shown(name);
        JsonToken v = p.nextToken();
        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
          out.put(name, p.getDoubleValue());
        } else if (v == JsonToken.VALUE_STRING) {
          out.put(name, wellFormed(p.getText(), "params." + shown));
        } else {
          throw bad("params." + shown + " must be a number or a string, was " + describe(v));
        }
      }
      return out;
    }

    private Map<String, float[]> inputs(JsonToken t) throws IOException {
      if (t != JsonToken.START_OBJECT) {
        throw bad("field 'inputs' must be an object; " + INPUT_FORMS);
      }
      Map<String, float[]> out = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = wellFormed(p.currentName(), "an input name");
        // Messages name the input by at most SHOWN characters of its name.
        String shown = Text.shown(name);
        JsonToken v = p.nextToken();
        float[] values;
        if (v == JsonToken.START_ARRAY) {
          values = numberArray(shown);
        } else if (v == JsonToken.VALUE_EMBEDDED_OBJECT) {
          int tag = p instanceof CBORParser c ? c.getCurrentTag() : -1;
          if (tag != -1 && tag != TAG_FLOAT32_LE) {
            throw bad("inputs." + shown + " has CBOR tag " + tag + "; only tag 85 (float32, little endian) is accepted");
          }
          values = littleEndian(shown, p.getBinaryValue());
        } else if (v == JsonToken.START_OBJECT) {
          values = typedBinary(shown);
        } else {
          throw bad("inputs." + shown + " is " + describe(v) + "; " + INPUT_FORMS);
        }
        out.put(name, values);
      }
      return out;
    }

    private float[] numberArray(String name) throws IOException {
      float[] values = new float[16];
      int n = 0;
      JsonToken v;
      while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
        if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
          throw bad("inputs." + name + "[" + n + "] is " + describe(v) + "; " + INPUT_FORMS);
        }
        if (n == maxElements) {
          throw new JobException(ErrorCode.TOO_LARGE,
              "input '" + name + "' has more than " + maxElements + " elements, the most this gateway accepts");
        }
        double d = p.getDoubleValue();
        if (Double.isFinite(d) && Math.abs(d) > Float.MAX_VALUE) {
          throw bad("inputs." + name + "[" + n + "] is " + Text.shown(p.getText()) + ", outside the float32 range (about ±3.4e38)");
        }
        if (n == values.length) {
          values = Arrays.copyOf(values, (int) Math.min((long) n * 2, maxElements));
        }
        values[n++] = (float) d;
      }
      return n == values.length ? values : Arrays.copyOf(values, n);
    }

    private float[] typedBinary(String name) throws IOException {
      String dtype = null;
      long shape = -1;
      byte[] data = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          case "dtype" -> dtype = v == JsonToken.VALUE_STRING ? p.getText() : "?";
          case "shape" -> {
            if (v != JsonToken.START_ARRAY || p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
              throw bad("inputs." + name + ".shape must be [n], a one-element array of a whole number");
            }
            shape = p.getLongValue();
            if (p.nextToken() != JsonToken.END_ARRAY) {
              throw bad("inputs." + name + ".shape must be [n]; inputs are one-dimensional (matrices are row-major)");
            }
          }
          case "data" -> {
            if (v == JsonToken.VALUE_STRING) {
              try {
                data = Base64.getDecoder().decode(p.getText());
              } catch (IllegalArgumentException e) {
                throw bad("inputs." + name + ".data is not valid base64: " + e.getMessage());
              }
            } else if (v == JsonToken.VALUE_EMBEDDED_OBJECT) {
              data = p.getBinaryValue();
            } else {
              throw bad("inputs." + name + ".data must be base64 text (or a CBOR byte string)");
            }
          }
          default -> throw bad("inputs." + name + " has an unknown field '" + Text.shown(field) + "'; allowed: dtype, shape, data");
        }
      }
      if (!"f32".equals(dtype)) {
        throw bad("inputs." + name + ".dtype is " + (dtype == null ? "missing" : "'" + Text.shown(dtype) + "'") + "; only \"f32\" is supported");
      }
      if (data == null) {
        throw bad("inputs." + name + ".data is missing");
      }
      float[] values = littleEndian(name, data);
      if (shape != -1 && shape != values.length) {
        throw bad("inputs." + name + ".shape says " + shape + " elements but data holds " + values.length);
      }
      return values;
    }

    private float[] littleEndian(String name, byte[] bytes) {
      if (bytes.length % 4 != 0) {
        throw bad("inputs." + name + " has " + bytes.length + " bytes; float32 data needs a multiple of 4");
      }
      if (bytes.length / 4 > maxElements) {
        throw new JobException(ErrorCode.TOO_LARGE, "input '" + name + "' has " + bytes.length / 4
            + " elements; this gateway accepts at most " + maxElements);
      }
      float[] values = new float[bytes.length / 4];
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
      return values;
    }

    private String describe(JsonToken t) throws IOException {
      if (t == null) {
        return "missing";
      }
      return switch (t) {
        case VALUE_STRING -> "the string \"" + Text.shown(p.getText()) + "\"";
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + Text.shown(p.getText());
        case VALUE_TRUE, VALUE_FALSE -> p.getText();
        case VALUE_NULL -> "null";
        case START_ARRAY -> "an array";
        case START_OBJECT -> "an object";
        case VALUE_EMBEDDED_OBJECT -> "a byte string";
        default -> t.name().toLowerCase(Locale.ROOT);
      };
    }

  }

  @Override
  public String peekId(byte[] payload, PayloadFormat format) {
    try (JsonParser p = factory(format).createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if ("id".equals(field)) {
          // An id over the limit is no id: a refusal naming it would be as long as it.
          return v == JsonToken.VALUE_STRING && p.getTextLength() <= JobRequest.MAX_ID_LENGTH ? p.getText() : null;
        }
        p.skipChildren();
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Text that came from a device (ids, names it gave, messages that repeat them) may hold unpaired
   * surrogates; they are written as U+FFFD, so that every result can be sent.
   */
  @Override
  public byte[] encode(JobResult r, PayloadFormat format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = factory(format).createGenerator(out)) {
      g.writeStartObject();
      if (r.id() != null) {
        g.writeStringField("id", Text.writable(r.id()));
      }
      g.writeStringField("status", r.isOk() ? "ok" : "error");
      if (r.isOk()) {
        g.writeObjectFieldStart("outputs");
        for (Map.Entry<String, Object> e : r.outputs().entrySet()) {
          g.writeFieldName(Text.writable(e.getKey()));
          writeValue(g, e.getValue());
        }
        g.writeEndObject();
        g.writeStringField("backend", Text.writable(r.backend()));
        g.writeNumberField("queueMicros", r.queueMicros());
        g.writeNumberField("runMicros", r.runMicros());
        if (r.leaf() != null) {
          g.writeStringField("leaf", Text.writable(r.leaf()));
        }
        if (r.salt() != null) {
          g.writeStringField("salt", Text.writable(r.salt()));
        }
      } else {
        g.writeStringField("code", r.code().name());
        g.writeStringField("message", Text.writable(r.message()));
      }
      if (r.replayed()) {
        g.writeBooleanField("replayed", true);
      }
      if (!r.executedBy().isEmpty()) {
        g.writeArrayFieldStart("executedBy");
        for (String gateway : r.executedBy()) {
          g.writeString(Text.writable(gateway));
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new JobException(ErrorCode.INTERNAL, "result could not be encoded: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  private static void writeValue(JsonGenerator g, Object v) throws IOException {
    if (v instanceof float[] a) {
      g.writeStartArray(a, a.length);
      for (float f : a) {
        g.writeNumber(f);
      }
      g.writeEndArray();
    } else if (v instanceof int[] a) {
      g.writeArray(a, 0, a.length);
    } else if (v instanceof Double d) {
      g.writeNumber(d);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else {
      throw new IOException("output of unsupported type " + (v == null ? "null" : v.getClass().getName()));
    }
  }
}
