package dev.cairn.adapters.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobCodecTest {
  final JobCodec codec = JobCodec.create();

  JobRequest json(String s) {
    return codec.decode("dev1", s.getBytes(StandardCharsets.UTF_8), PayloadFormat.JSON, 1000);
  }

  JobException refusal(String s) {
    return assertThrows(JobException.class, () -> json(s));
  }

  static byte[] le(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b.array();
  }

  @Test
  void readsAPlacementHintAndRefusesAMalformedOne() {
    JobRequest r = json("""
        {"id": "j-1", "kernel": "vector.saxpy", "inputs": {"x": [1]}, "placement": {"gateway": "gw-2", "labels": {"site": "a"}}}""");
    assertEquals("gw-2", r.placement().gateway());
    assertEquals(Map.of("site", "a"), r.placement().labels());
    assertNull(json("{\"id\": \"j-2\", \"kernel\": \"k\", \"inputs\": {}}").placement());
    assertTrue(refusal("{\"id\": \"j\", \"kernel\": \"k\", \"inputs\": {}, \"placement\": \"gw-2\"}").getMessage()
        .contains("field 'placement' must be an object"));
    assertTrue(refusal("{\"id\": \"j\", \"kernel\": \"k\", \"inputs\": {}, \"placement\": {\"gateway\": \"a/b\"}}").getMessage()
        .contains("must be a gateway id"));
    assertTrue(refusal("{\"id\": \"j\", \"kernel\": \"k\", \"inputs\": {}, \"placement\": {\"node\": \"x\"}}").getMessage()
        .contains("'node' is not one of its fields"));
  }

  @Test
  void readsReplicasAndAQuorumDefaultingToAMajority() {
    JobRequest r = json("{\"id\": \"j\", \"kernel\": \"k\", \"inputs\": {}, \"replicas\": 3}");
    assertEquals(3, r.placement().replicas());
    assertEquals(2, r.placement().quorum());
    JobRequest labelled = json("""
        {"id": "j", "kernel": "k", "inputs": {}, "replicas": 2, "quorum": 2, "placement": {"labels": {"zone": "a"}}}""");
    assertEquals(2, labelled.placement().quorum());
    assertEquals(Map.of("zone", "a"), labelled.placement().labels());
    assertTrue(refusal("{\"id\": \"j\", \"kernel\": \"k\", \"inputs\": {}, \"replicas\": 2, \"quorum\": 3}").getMessage()
        .contains("a quorum is at most the replicas"));
    assertTrue(refusal("{\"id\": \"j\", \"kernel\": \"k\", \"inputs\": {}, \"replicas\": 9}").getMessage()
        .contains("field 'replicas' must be from 1 to 5"));
    assertTrue(refusal("{\"id\": \"j\", \"kernel\": \"k\", \"inputs\": {}, \"replicas\": 2, \"placement\": {\"gateway\": \"g\"}}")
        .getMessage().contains("'placement.gateway' names one"));
  }

  @Test
  void namesTheGatewaysThatRanAJob() throws Exception {
    JobResult r = JobResult.ok("j-1", "dev1", Map.of("y", new float[] {1}), "jvm", 1, 2, "ab", "cd").withExecutedBy(java.util.List.of("gw-2"));
    JsonNode n = new ObjectMapper().readTree(codec.encode(r, PayloadFormat.JSON));
    assertEquals("gw-2", n.path("executedBy").get(0).asText());
    JsonNode plain = new ObjectMapper().readTree(codec.encode(JobResult.error("j", "d", ErrorCode.BUSY, "m"), PayloadFormat.JSON));
    assertTrue(plain.path("executedBy").isMissingNode());
  }

  @Test
  void decodesTheContractExample() {
    JobRequest r = json("""
        {"id": "j-42", "kernel": "vector.saxpy", "params": {"a": 2.0, "mode": "fast"},
         "inputs": {"x": [1, 2, 3], "y": [4, 5.5, 6e0]}, "priority": 7, "deadlineMs": 500}""");
    assertEquals("dev1", r.deviceId());
    assertEquals("j-42", r.id());
    assertEquals("vector.saxpy", r.kernel());
    assertEquals(2.0, r.params().get("a"));
    assertEquals("fast", r.params().get("mode"));
    assertArrayEquals(new float[] {1, 2, 3}, r.inputs().get("x"));
    assertArrayEquals(new float[] {4, 5.5f, 6}, r.inputs().get("y"));
    assertEquals(7, r.priority());
    assertEquals(500, r.deadlineMs());
  }

  @Test
  void defaultsPriorityAndDeadline() {
    JobRequest r = json("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{}}");
    assertEquals(JobRequest.DEFAULT_PRIORITY, r.priority());
    assertEquals(0, r.deadlineMs());
  }

  @Test
  void decodesTypedBinaryInput() {
    String data = Base64.getEncoder().encodeToString(le(1.5f, -2f));
    JobRequest r = json("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{\"x\":{\"dtype\":\"f32\",\"shape\":[2],\"data\":\"" + data + "\"}}}");
    assertArrayEquals(new float[] {1.5f, -2f}, r.inputs().get("x"));
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{\"x\":{\"dtype\":\"f64\",\"shape\":[2],\"data\":\"" + data + "\"}}}")
        .getMessage().contains("only \"f32\""));
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{\"x\":{\"dtype\":\"f32\",\"shape\":[3],\"data\":\"" + data + "\"}}}")
        .getMessage().contains("shape says 3"));
  }

  @Test
  void decodesCborByteStringsTaggedAndPlain() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = new CBORFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("id", "c1");
      g.writeStringField("kernel", "k");
      g.writeFieldName("inputs");
      g.writeStartObject();
      g.writeFieldName("x");
      g.writeTag(85);
      g.writeBinary(le(1, 2));
      g.writeFieldName("y");
      g.writeBinary(le(3));
      g.writeFieldName("z");
      g.writeStartArray();
      g.writeNumber(4.5f);
      g.writeEndArray();
      g.writeEndObject();
      g.writeEndObject();
    }
    JobRequest r = codec.decode("d", out.toByteArray(), PayloadFormat.CBOR, 100);
    assertArrayEquals(new float[] {1, 2}, r.inputs().get("x"));
    assertArrayEquals(new float[] {3}, r.inputs().get("y"));
    assertArrayEquals(new float[] {4.5f}, r.inputs().get("z"));
  }

  @Test
  void refusesCborTypedArrayOfAnotherKind() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = new CBORFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("id", "c1");
      g.writeStringField("kernel", "k");
      g.writeFieldName("inputs");
      g.writeStartObject();
      g.writeFieldName("x");
      g.writeTag(81);
      g.writeBinary(new byte[8]);
      g.writeEndObject();
      g.writeEndObject();
    }
    JobException e = assertThrows(JobException.class, () -> codec.decode("d", out.toByteArray(), PayloadFormat.CBOR, 100));
    assertTrue(e.getMessage().contains("tag 81"), e.getMessage());
  }

  @Test
  void refusesEachMalformedFieldNamingIt() {
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":").getMessage().contains("not valid JSON"));
    assertTrue(refusal("[1,2]").getMessage().contains("must be a JSON object"));
    assertTrue(refusal("{\"id\":1,\"kernel\":\"k\",\"inputs\":{}}").getMessage().contains("'id' must be a string"));
    assertTrue(refusal("{\"kernel\":\"k\",\"inputs\":{}}").getMessage().contains("'id' is missing"));
    assertTrue(refusal("{\"id\":\"a\",\"inputs\":{}}").getMessage().contains("'kernel' is missing"));
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":\"k\"}").getMessage().contains("'inputs' is missing"));
    JobException unknown = refusal("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{},\"prio\":1}");
    assertTrue(unknown.getMessage().contains("unknown field 'prio'") && unknown.getMessage().contains("priority"));
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{\"x\":[1,\"abc\"]}}").getMessage().contains("inputs.x[1] is the string \"abc\""));
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{\"x\":[1e39]}}").getMessage().contains("float32 range"));
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{},\"priority\":12}").getMessage().contains("from 0 to 9"));
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{},\"deadlineMs\":-5}").getMessage().contains("deadlineMs"));
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":\"k\",\"params\":{\"a\":[1]},\"inputs\":{}}").getMessage().contains("params.a"));
    assertTrue(refusal("{\"id\":\"a\",\"id\":\"b\",\"kernel\":\"k\",\"inputs\":{}}").getMessage().contains("Duplicate"));
    assertEquals(ErrorCode.BAD_REQUEST, refusal("{}").code());
  }

  @Test
  void refusesTooManyElementsBeforeReadingThemAll() {
    StringBuilder s = new StringBuilder("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{\"x\":[");
    for (int i = 0; i < 1001; i++) {
      s.append(i == 0 ? "" : ",").append(1);
    }
    JobException e = refusal(s + "]}}");
    assertEquals(ErrorCode.TOO_LARGE, e.code());
    assertTrue(e.getMessage().contains("more than 1000"), e.getMessage());
  }

  @Test
  void peeksTheIdOfABrokenJob() {
    assertEquals("j7", codec.peekId("{\"kernel\":{\"x\":1},\"id\":\"j7\",\"inputs\":[".getBytes(), PayloadFormat.JSON));
    assertNull(codec.peekId("hello".getBytes(), PayloadFormat.JSON));
  }

  @Test
  void encodesOkAndErrorResultsInJsonAndCbor() throws Exception {
    Map<String, Object> outputs = new LinkedHashMap<>();
    outputs.put("y", new float[] {6, 0.1f});
    outputs.put("count", 3L);
    outputs.put("mean", 2.5);
    JobResult ok = JobResult.ok("j", "d", outputs, "jvm", 35, 12, "ab", "cd");
    JsonNode j = new ObjectMapper().readTree(codec.encode(ok, PayloadFormat.JSON));
    assertEquals("{\"id\":\"j\",\"status\":\"ok\",\"outputs\":{\"y\":[6.0,0.1],\"count\":3,\"mean\":2.5},"
        + "\"backend\":\"jvm\",\"queueMicros\":35,\"runMicros\":12,\"leaf\":\"ab\",\"salt\":\"cd\"}", j.toString());
    JsonNode c = new CBORMapper().readTree(codec.encode(ok, PayloadFormat.CBOR));
    assertEquals(0.1f, c.path("outputs").path("y").get(1).floatValue());
    assertEquals("jvm", c.path("backend").asText());
    JobResult err = JobResult.error("j", "d", ErrorCode.BUSY, "later");
    assertEquals("{\"id\":\"j\",\"status\":\"error\",\"code\":\"BUSY\",\"message\":\"later\"}",
        new String(codec.encode(err, PayloadFormat.JSON), StandardCharsets.UTF_8));
    JobResult anonymous = JobResult.error(null, "d", ErrorCode.BAD_REQUEST, "?");
    assertTrue(new String(codec.encode(anonymous, PayloadFormat.JSON), StandardCharsets.UTF_8).startsWith("{\"status\""));
  }

  /**
   * Found by JobCodecFuzzTest: text with unpaired surrogates (a device sends one as a JSON escape) made
   * Jackson refuse to write the result, so the device got no answer at all.
   */
  @Test
  void encodesUnpairedSurrogatesAsReplacementCharacters() throws Exception {
    Map<String, Object> outputs = new LinkedHashMap<>();
    outputs.put("y\ud883\ud864", new float[] {1});
    JobResult ok = JobResult.ok("j\udc00", "d", outputs, "jvm", 1, 1, null, null);
    JobResult err = JobResult.error("\ud800", "d", ErrorCode.BAD_REQUEST, "unknown field 'a\ud800b'");
    for (PayloadFormat f : PayloadFormat.values()) {
      ObjectMapper mapper = f == PayloadFormat.CBOR ? new CBORMapper() : new ObjectMapper();
      JsonNode n = mapper.readTree(codec.encode(ok, f));
      assertEquals("j\ufffd", n.path("id").asText());
      assertTrue(n.path("outputs").has("y\ufffd\ufffd"), n.toString());
      JsonNode e = mapper.readTree(codec.encode(err, f));
      assertEquals("unknown field 'a\ufffdb'", e.path("message").asText());
    }
  }

  /**
   * Found by JobCodecFuzzTest: an unpaired surrogate (a JSON escape, or its three bytes in CBOR text) was
   * taken into the request, and the receipt leaf holds '?' in its place, so ids "j\\ud800" and
   * "j\\ud801" would commit to the same leaf bytes. It is refused, naming the field.
   */
  @Test
  void refusesTextWithUnpairedSurrogates() {
    JobException id = refusal("{\"id\":\"j\\ud800\",\"kernel\":\"k\",\"inputs\":{}}");
    assertEquals(ErrorCode.BAD_REQUEST, id.code());
    assertTrue(id.getMessage().contains("field 'id' is not well-formed Unicode") && id.getMessage().contains("U+D800"), id.getMessage());
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{\"\\udc00\":[1]}}").getMessage().contains("input name"));
    assertTrue(refusal("{\"id\":\"a\",\"kernel\":\"k\",\"params\":{\"m\":\"\\udbff!\"},\"inputs\":{}}").getMessage().contains("params.m"));
    // A surrogate pair is a character like any other.
    assertEquals("j\ud83d\ude00", json("{\"id\":\"j\\ud83d\\ude00\",\"kernel\":\"k\",\"inputs\":{}}").id());
    // {"id": <CBOR text of the three bytes ED A0 80>, ...}
    byte[] cbor = java.util.HexFormat.of().parseHex("a3" + "626964" + "63eda080" + "666b65726e656c" + "616b" + "66696e70757473" + "a0");
    JobException c = assertThrows(JobException.class, () -> codec.decode("d", cbor, PayloadFormat.CBOR, 10));
    assertTrue(c.getMessage().contains("field 'id'"), c.getMessage());
  }

  /**
   * Found by JobCodecFuzzTest: a refusal repeated the device's text whole, e.g. all 1000 digits of a
   * number given as the id, or a field name as long as the payload. It now shows at most 40 characters
   * of it (and 300 of a parser's message), saying how long it was.
   */
  @Test
  void refusalsRepeatAShortPieceOfTheDevicesText() {
    String digits = "1" + "0".repeat(999);
    JobException number = refusal("{\"id\":" + digits + ",\"kernel\":\"k\",\"inputs\":{}}");
    assertTrue(number.getMessage().startsWith("field 'id' must be a string, was the number 1000000000"), number.getMessage());
    assertTrue(number.getMessage().contains("(1000 characters)") && number.getMessage().length() < 200, number.getMessage());
    String name = "n".repeat(5000);
    JobException unknown = refusal("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{},\"" + name + "\":1}");
    assertTrue(unknown.getMessage().contains("(5000 characters)") && unknown.getMessage().length() < 300, unknown.getMessage());
    JobException input = refusal("{\"id\":\"a\",\"kernel\":\"k\",\"inputs\":{\"" + name + "\":[true]}}");
    assertTrue(input.getMessage().startsWith("inputs.nnnn") && input.getMessage().length() < 400, input.getMessage());
    JobException duplicate = refusal("{\"id\":\"a\",\"params\":{\"" + name + "\":1,\"" + name + "\":2}}");
    assertTrue(duplicate.getMessage().contains("Duplicate") && duplicate.getMessage().length() < 500, duplicate.getMessage());
  }

  /**
   * Found by CoapFuzzTest: an id of 3000 characters was taken, and the refusal of the job (here or in
   * the scheduler) repeated it whole. It is refused at once, and peekId does not return it.
   */
  @Test
  void refusesAnOverlongIdAndDoesNotPeekIt() {
    String job = "{\"id\":\"" + "k".repeat(3000) + "\",\"kernel\":\"k\",\"inputs\":{}}";
    JobException e = refusal(job);
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    assertEquals("field 'id' has 3000 characters; a job id has 1 to 128", e.getMessage());
    assertNull(codec.peekId(job.getBytes(StandardCharsets.UTF_8), PayloadFormat.JSON));
    assertEquals("k".repeat(128), codec.peekId(("{\"id\":\"" + "k".repeat(128) + "\",").getBytes(StandardCharsets.UTF_8), PayloadFormat.JSON));
  }

  @Test
  void sniffsCborMapsAndTakesEverythingElseAsJson() {
    assertEquals(PayloadFormat.CBOR, PayloadFormat.sniff(new byte[] {(byte) 0xa3}));
    assertEquals(PayloadFormat.JSON, PayloadFormat.sniff(" {".getBytes()));
    assertEquals(PayloadFormat.JSON, PayloadFormat.sniff("hello".getBytes()));
    assertEquals(PayloadFormat.CBOR, PayloadFormat.ofContentType("application/cbor; x=y").orElseThrow());
    assertTrue(PayloadFormat.ofContentType("text/plain").isEmpty());
  }
}
