package dev.cairn.adapters.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cairn.adapters.codec.JobPayloads.Payload;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The fuzz tier of the job codecs: every payload, read as JSON and as CBOR, decodes to a request within
 * the limits or is refused with a contract code and a message a person can act on; nothing else is
 * thrown, and decoding allocates in proportion to the payload, never to a length it declares.
 */
class JobCodecFuzzTest {
  static final int MAX_ELEMENTS = 64;
  /** Allocation allowed per decode: Jackson's buffers and the decoded arrays, a few times the payload. */
  static final long ALLOCATION_SLACK_BYTES = 4L << 20;
  static final int ALLOCATION_PER_PAYLOAD_BYTE = 32;
  static final Set<ErrorCode> DECODE_REFUSALS = Set.of(ErrorCode.BAD_REQUEST, ErrorCode.TOO_LARGE);
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  final JobCodec codec = JobCodec.create();

  @Provide
  Arbitrary<Payload> payloads() {
    return JobPayloads.any();
  }

  @Property(tries = 3000)
  void everyPayloadDecodesWithinTheLimitsOrIsRefusedClearly(@ForAll("payloads") Payload p) {
    for (PayloadFormat format : PayloadFormat.values()) {
      long before = THREADS.getCurrentThreadAllocatedBytes();
      try {
        assertWithinLimits(codec.decode("dev1", p.bytes(), format, MAX_ELEMENTS));
      } catch (JobException e) {
        assertActionable(e);
      }
      long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
      assertTrue(allocated <= ALLOCATION_SLACK_BYTES + (long) ALLOCATION_PER_PAYLOAD_BYTE * p.bytes().length,
          "decoding " + p.bytes().length + " bytes as " + format + " allocated " + allocated + " bytes");
      codec.peekId(p.bytes(), format);
    }
  }

  @Property(tries = 1000)
  void everyResultEncodesAndReadsBack(@ForAll("results") Result sample) throws IOException {
    JobResult r = sample.result();
    for (PayloadFormat format : PayloadFormat.values()) {
      byte[] bytes = codec.encode(r, format);
      JsonNode n = (format == PayloadFormat.CBOR ? new CBORMapper() : new ObjectMapper()).readTree(bytes);
      assertEquals(r.isOk() ? "ok" : "error", n.path("status").asText(), n.toString());
      assertEquals(r.outputs().size(), keys(n.path("outputs")).size(), n.toString());
    }
  }

  /** A refusal a device can act on: a decode code of the contract and a short, plain message. */
  static void assertActionable(JobException e) {
    assertTrue(DECODE_REFUSALS.contains(e.code()), "code " + e.code() + ": " + e.getMessage());
    String m = e.getMessage();
    assertNotNull(m, "a refusal without a message");
    assertTrue(m.length() >= 15, "message too thin: " + m);
    assertTrue(m.length() <= 1000, () -> "message of " + m.length() + " characters: " + m.substring(0, 200) + "...");
    for (String internal : List.of("Exception", "java.", "com.fasterxml", "\tat ")) {
      assertTrue(!m.contains(internal), "message shows the gateway's internals (" + internal + "): " + m);
    }
  }

  static void assertWithinLimits(JobRequest r) {
    assertNotNull(r.id());
    assertNotNull(r.kernel());
    assertTrue(r.priority() >= JobRequest.MIN_PRIORITY && r.priority() <= JobRequest.MAX_PRIORITY, "priority " + r.priority());
    assertTrue(r.deadlineMs() >= 0, "deadline " + r.deadlineMs());
    r.inputs().forEach((name, values) -> assertTrue(values.length <= MAX_ELEMENTS, name + " has " + values.length));
    r.params().values().forEach(v -> assertTrue(v instanceof Double || v instanceof String, "param " + v));
  }

  private static Set<String> keys(JsonNode n) {
    Set<String> out = new java.util.LinkedHashSet<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  /** Text of every kind, unpaired surrogates included (a device can send them as JSON escapes). */
  static Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(20),
        Arbitraries.strings().withCharRange('\ud7f0', '\ue010').ofMaxLength(6),
        Arbitraries.strings().ascii().ofMaxLength(20));
  }

  /** A result, shown with its non-ASCII characters escaped: a console drops a line at an unpaired surrogate. */
  record Result(JobResult result) {
    @Override
    public String toString() {
      StringBuilder b = new StringBuilder();
      result.toString().chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\u%04x", c)));
      return b.toString();
    }
  }

  @Provide
  Arbitrary<Result> results() {
    Arbitrary<Object> value = Arbitraries.oneOf(
        Arbitraries.floats().withSpecialValue(Float.NaN).withSpecialValue(Float.POSITIVE_INFINITY)
            .withSpecialValue(Float.NEGATIVE_INFINITY).withSpecialValue(-0f).list().ofMaxSize(8).map(JobCodecFuzzTest::floats),
        Arbitraries.integers().list().ofMaxSize(8).map(l -> (Object) l.stream().mapToInt(Integer::intValue).toArray()),
        Arbitraries.doubles().withSpecialValue(Double.NaN).withSpecialValue(Double.NEGATIVE_INFINITY).map(d -> (Object) d),
        Arbitraries.longs().map(l -> (Object) l),
        Arbitraries.integers().map(i -> (Object) i));
    // Output names are the kernels' own, never a device's: well-formed (else two could be written alike).
    Arbitrary<String> names = Arbitraries.strings().ofMaxLength(12).filter(JobPayloads::wellFormed);
    Arbitrary<Map<String, Object>> outputs = Arbitraries.maps(names, value).ofMaxSize(4).map(LinkedHashMap::new);
    Arbitrary<String> maybe = text().injectNull(0.2);
    Arbitrary<JobResult> ok = Combinators.combine(maybe, outputs, text(), Arbitraries.longs(), maybe, maybe)
        .as((id, out, backend, micros, leaf, salt) -> JobResult.ok(id, "dev1", out, backend, micros, micros, leaf, salt));
    Arbitrary<JobResult> error = Combinators.combine(maybe, Arbitraries.of(ErrorCode.class), text())
        .as((id, code, message) -> JobResult.error(id, "dev1", code, message));
    return Arbitraries.oneOf(ok, error).map(Result::new);
  }

  private static Object floats(List<Float> l) {
    float[] a = new float[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }
}
