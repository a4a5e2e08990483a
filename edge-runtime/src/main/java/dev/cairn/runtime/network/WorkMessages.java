package dev.cairn.runtime.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.runtime.metering.PeerUsage;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON of jobs between gateways: a request on {@code cairn/net/to/{peer}} and its answer on
 * {@code cairn/net/reply/{requester}}. Arrays travel as base64 of little-endian values, so a result comes
 * back bit for bit. Both name sender, receiver and the correlation id, and are signed over these bytes, so
 * an answer cannot be replayed for another job or passed off by another gateway.
 */
final class WorkMessages {
  static final int VERSION = 1;

  private WorkMessages() {}

  /** A request for {@code to} to run {@code job} of {@code from}'s device. */
  record Work(String from, String to, String correlation, JobRequest job) {}

  /**
   * An answer to {@link Work} {@code correlation}, with what the answering gateway metered the job as: the
   * epoch it counts in and its CPU time (-1 each when it does not say).
   */
  record Reply(String from, String to, String correlation, JobResult result, long usageEpoch, long cpuMicros) {}

  static byte[] work(String from, String to, String correlation, JobRequest r) {
    ObjectNode o = head(from, to, correlation);
    ObjectNode job = o.putObject("job");
    job.put("device", r.deviceId()).put("id", r.id()).put("kernel", r.kernel()).put("priority", r.priority())
        .put("deadlineMs", r.deadlineMs());
    ObjectNode params = job.putObject("params");
    r.params().forEach((k, v) -> {
      if (v instanceof Double d) {
        params.put(k, d);
      } else {
        params.put(k, String.valueOf(v));
      }
    });
    ObjectNode inputs = job.putObject("inputs");
    r.inputs().forEach((k, v) -> inputs.put(k, f32(v)));
    return bytes(o);
  }

  static byte[] reply(String from, String to, String correlation, JobResult r) {
    return reply(from, to, correlation, r, null);
  }

  /** An answer that says, in {@code "usage": {"epoch", "cpuMicros"}}, how this gateway metered the job (when {@code claim} is not null). */
  static byte[] reply(String from, String to, String correlation, JobResult r, PeerUsage.Claim claim) {
    ObjectNode o = head(from, to, correlation);
    ObjectNode res = o.putObject("result");
    res.put("status", r.isOk() ? "ok" : "error");
    if (r.isOk()) {
      ObjectNode outs = res.putObject("outputs");
      r.outputs().forEach((k, v) -> {
        ObjectNode out = outs.putObject(k);
        if (v instanceof float[] a) {
          out.put("f32", f32(a));
        } else if (v instanceof int[] a) {
          ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
          b.asIntBuffer().put(a);
          out.put("i32", Base64.getEncoder().encodeToString(b.array()));
        } else if (v instanceof Double d) {
          out.put("f64", d);
        } else if (v instanceof Number n) {
          out.put("i64", n.longValue());
        }
      });
      res.put("backend", r.backend()).put("queueMicros", r.queueMicros()).put("runMicros", r.runMicros())
          .put("leaf", r.leaf()).put("salt", r.salt());
    } else {
      res.put("code", r.code().name()).put("message", r.message());
    }
    if (claim != null) {
      o.putObject("usage").put("epoch", claim.epoch()).put("cpuMicros", claim.cpuMicros());
    }
    return bytes(o);
  }

  private static ObjectNode head(String from, String to, String correlation) {
    return Announcement.JSON.createObjectNode().put("v", VERSION).put("from", from).put("to", to).put("corr", correlation);
  }

  private static byte[] bytes(ObjectNode o) {
    try {
      return Announcement.JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String f32(float[] a) {
    ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(a);
    return Base64.getEncoder().encodeToString(b.array());
  }

  private static JsonNode read(byte[] payload, int maxBytes) {
    if (payload.length > maxBytes) {
      throw new IllegalArgumentException("message of " + payload.length + " bytes; at most " + maxBytes);
    }
    try {
      JsonNode o = Announcement.JSON.readTree(payload);
      if (o == null || !o.isObject() || o.path("v").asInt() != VERSION) {
        throw new IllegalArgumentException("not a version " + VERSION + " JSON object");
      }
      return o;
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage());
    }
  }

  private static String text(JsonNode o, String field) {
    JsonNode n = o.path(field);
    if (!n.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' is missing or not text");
    }
    return n.asText();
  }

  /**
   * Reads a request from a peer; {@code from/device} is the job's device here, so it can never be taken for
   * a device of this gateway (local device ids hold no '/').
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static Work parseWork(byte[] payload, int maxBytes) {
    JsonNode o = read(payload, maxBytes);
    JsonNode j = o.path("job");
    String from = text(o, "from");
    Map<String, Object> params = new LinkedHashMap<>();
    j.path("params").fields().forEachRemaining(e -> params.put(e.getKey(),
        e.getValue().isNumber() ? (Object) e.getValue().asDouble() : e.getValue().asText()));
    Map<String, float[]> inputs = new LinkedHashMap<>();
    j.path("inputs").fields().forEachRemaining(e -> inputs.put(e.getKey(), floats(e.getValue().asText())));
    int priority = j.path("priority").asInt(JobRequest.DEFAULT_PRIORITY);
    long deadline = j.path("deadlineMs").asLong(0);
    if (priority < JobRequest.MIN_PRIORITY || priority > JobRequest.MAX_PRIORITY || deadline < 0) {
      throw new IllegalArgumentException("priority or deadlineMs out of range");
    }
    JobRequest job = new JobRequest(from + "/" + text(j, "device"), text(j, "id"), text(j, "kernel"), params, inputs,
        priority, deadline, payload.length, true);
    return new Work(from, text(o, "to"), text(o, "corr"), job);
  }

  /**
   * Reads an answer from a peer, as the result for {@code device}'s job {@code jobId}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static Reply parseReply(byte[] payload, int maxBytes, String device, String jobId) {
    JsonNode o = read(payload, maxBytes);
    JsonNode r = o.path("result");
    JobResult result;
    if ("ok".equals(r.path("status").asText())) {
      Map<String, Object> outputs = new LinkedHashMap<>();
      r.path("outputs").fields().forEachRemaining(e -> outputs.put(e.getKey(), output(e.getValue())));
      result = JobResult.ok(jobId, device, outputs, text(r, "backend"), r.path("queueMicros").asLong(),
          r.path("runMicros").asLong(), r.path("leaf").asText(null), r.path("salt").asText(null));
    } else {
      ErrorCode code;
      try {
        code = ErrorCode.valueOf(text(r, "code"));
      } catch (IllegalArgumentException e) {
        code = ErrorCode.INTERNAL;
      }
      result = JobResult.error(jobId, device, code, text(r, "message"));
    }
    JsonNode usage = o.path("usage");
    return new Reply(text(o, "from"), text(o, "to"), text(o, "corr"), result, usage.path("epoch").asLong(-1),
        usage.path("cpuMicros").asLong(-1));
  }

  private static Object output(JsonNode v) {
    if (v.has("f32")) {
      return floats(v.path("f32").asText());
    }
    if (v.has("i32")) {
      ByteBuffer b = ByteBuffer.wrap(base64(v.path("i32").asText())).order(ByteOrder.LITTLE_ENDIAN);
      int[] a = new int[b.remaining() / 4];
      b.asIntBuffer().get(a);
      return a;
    }
    if (v.has("f64")) {
      return v.path("f64").asDouble();
    }
    if (v.has("i64")) {
      return v.path("i64").asLong();
    }
    throw new IllegalArgumentException("an output is none of f32, i32, f64, i64");
  }

  private static float[] floats(String b64) {
    byte[] raw = base64(b64);
    if (raw.length % 4 != 0) {
      throw new IllegalArgumentException("an array's bytes are not a whole number of 4-byte values");
    }
    float[] a = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(a);
    return a;
  }

  private static byte[] base64(String s) {
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("an array is not base64");
    }
  }
}
