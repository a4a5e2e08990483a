package dev.cairn.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's MQTT floors answer a real Paho device, after its job is in their log. */
class DurableMqttEchoTest {
  @TempDir
  Path dir;

  private Vertx vertx;

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void durableEchoAnswersWithTheJobsOwnBytesOnceTheyAreInItsLog() throws Exception {
    Path log = dir.resolve("durable.log");
    DurableMqttEcho echo = start(DurableMqttEcho.Mode.DURABLE, log);
    byte[] job = new SaxpyJobs(SaxpyJobs.Inputs.JSON).job("d-1");

    byte[] answer = roundTrip(echo.port(), "dev1", job);

    assertArrayEquals(job, answer);
    assertTrue(contains(Files.readAllBytes(log), job), "the job's bytes are in the log before the answer");
    echo.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void decodingEchoAnswersAResultAsLongAsCairnsInTheJobsFormat() throws Exception {
    Path log = dir.resolve("decoding.log");
    DurableMqttEcho echo = start(DurableMqttEcho.Mode.DECODING, log);

    JsonNode json = new ObjectMapper().readTree(roundTrip(echo.port(), "dev2", new SaxpyJobs(SaxpyJobs.Inputs.BASE64).job("e-1")));
    byte[] cborJob = new SaxpyJobs(SaxpyJobs.Inputs.CBOR).job("e-2");
    byte[] cborAnswer = roundTrip(echo.port(), "dev2", cborJob);
    JsonNode cbor = new CBORMapper().readTree(cborAnswer);

    assertEquals("e-1", json.path("id").asText());
    assertEquals("ok", json.path("status").asText());
    assertEquals(SaxpyJobs.N, json.path("outputs").path("y").size());
    assertEquals(64, json.path("leaf").asText().length());
    assertEquals(32, json.path("salt").asText().length());
    assertEquals("e-2", cbor.path("id").asText());
    assertEquals(SaxpyJobs.N, cbor.path("outputs").path("y").size());
    assertEquals("e-2", SaxpyJobs.id(cborAnswer), "the load generator finds the id of a CBOR result");
    assertTrue(contains(Files.readAllBytes(log), cborJob));
    echo.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void decodingEchoAnswersABadJobWithTheCodecsError() throws Exception {
    DurableMqttEcho echo = start(DurableMqttEcho.Mode.DECODING, dir.resolve("bad.log"));

    JsonNode r = new ObjectMapper().readTree(roundTrip(echo.port(), "dev3", "{\"id\":\"b-1\",\"kernel\":3}".getBytes()));

    assertEquals("b-1", r.path("id").asText());
    assertEquals("BAD_REQUEST", r.path("code").asText());
    echo.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private DurableMqttEcho start(DurableMqttEcho.Mode mode, Path log) throws Exception {
    return DurableMqttEcho.start(vertx, 0, log, mode).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Publishes {@code job} at QoS 1 from device {@code device} with Paho, and waits for its answer. */
  private static byte[] roundTrip(int port, String device, byte[] job) throws Exception {
    MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, device, new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(true);
    client.connect(o);
    try {
      CompletableFuture<byte[]> answer = new CompletableFuture<>();
      client.subscribe("cairn/" + device + "/results", 1, (t, m) -> answer.complete(m.getPayload()));
      client.publish("cairn/" + device + "/jobs", job, 1, false);
      return answer.get(30, TimeUnit.SECONDS);
    } finally {
      client.disconnect();
      client.close();
    }
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
