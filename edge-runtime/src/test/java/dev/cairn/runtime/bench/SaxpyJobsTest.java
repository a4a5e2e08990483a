package dev.cairn.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cairn.adapters.codec.JobCodec;
import dev.cairn.adapters.codec.PayloadFormat;
import dev.cairn.scheduler.JobRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class SaxpyJobsTest {

  @ParameterizedTest
  @EnumSource(SaxpyJobs.Inputs.class)
  void everyEncodingDecodesToTheSameJobWithTheGatewaysCodec(SaxpyJobs.Inputs inputs) {
    String id = inputs == SaxpyJobs.Inputs.CBOR ? "a-rather-long-job-id-over-23-bytes.17" : "j.1";
    byte[] job = new SaxpyJobs(inputs).job(id);

    JobRequest r = JobCodec.create().decode("dev1", job, PayloadFormat.sniff(job), 1 << 20);

    assertEquals(inputs == SaxpyJobs.Inputs.CBOR ? PayloadFormat.CBOR : PayloadFormat.JSON, PayloadFormat.sniff(job));
    assertEquals(id, r.id());
    assertEquals("vector.saxpy", r.kernel());
    assertEquals(2.0, ((Number) r.params().get("a")).doubleValue());
    assertArrayEquals(SaxpyJobs.values(inputs), r.inputs().get("x"));
    assertArrayEquals(SaxpyJobs.values(inputs), r.inputs().get("y"));
    assertEquals(id, SaxpyJobs.id(job));
  }

  @Test
  void theMainTablesJobIsTheOneOfEarlierRuns() {
    StringBuilder x = new StringBuilder();
    for (int i = 0; i < 256; i++) {
      x.append(i == 0 ? "" : ",").append(i % 17);
    }
    assertEquals("\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[" + x + "],\"y\":[" + x + "]}}", MqttLoad.SAXPY);
  }

  @Test
  void findsNoIdWhereThereIsNone() {
    assertNull(SaxpyJobs.id("{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8)));
    assertNull(SaxpyJobs.id(new byte[] {(byte) 0xa1, 0x61, 'x', 0x01}));
  }

  @Test
  void refusesAnUnknownEncodingNamingTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SaxpyJobs.Inputs.of("xml"));
    assertEquals("--inputs takes json, json-floats, base64 or cbor, was 'xml'", e.getMessage());
  }
}
