package dev.cairn.runtime.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CoAP device contract, driven by Californium's CoapClient against a whole gateway. */
class CoapEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SAXPY = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dir;
  Gateway gateway;
  String base;

  @BeforeEach
  void start() throws Exception {
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, """
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: 0}
        admin: {port: 0}
        coap: {host: 127.0.0.1, port: 0}
        limits: {maxPayloadBytes: 65536}
        batch: {maxLeaves: 1, maxDelayMs: 1000}
        """.formatted(dir.resolve("data")));
    gateway = Gateway.start(ConfigLoader.load(yaml), Clock.systemUTC()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    base = "coap://127.0.0.1:" + gateway.coapPort();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  CoapResponse post(String path, String body, int format) throws Exception {
    CoapClient client = new CoapClient(base + path);
    try {
      return client.post(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), format);
    } finally {
      client.shutdown();
    }
  }

  CoapResponse get(String path) throws Exception {
    CoapClient client = new CoapClient(base + path);
    try {
      return client.get();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void jsonJobGetsItsResultAndItsStateAndReceiptCanBeFetched() throws Exception {
    CoapResponse r = post("/jobs?d=dev1", SAXPY.formatted("c1"), MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.CONTENT, r.getCode(), r.getResponseText());
    JsonNode result = JSON.readTree(r.getPayload());
    assertEquals("ok", result.path("status").asText());
    assertEquals("[6.0,9.0,12.0]", result.path("outputs").path("y").toString());
    assertEquals(MediaTypeRegistry.APPLICATION_JSON, r.getOptions().getContentFormat());

    CoapResponse state = get("/jobs/c1?d=dev1");
    assertEquals(ResponseCode.CONTENT, state.getCode(), state.getResponseText());
    assertEquals(JSON.readTree(r.getPayload()), JSON.readTree(state.getPayload()));
    assertEquals(ResponseCode.NOT_FOUND, get("/jobs/c1?d=dev2").getCode());

    CoapResponse receipt = await().atMost(10, TimeUnit.SECONDS).until(() -> get("/receipts/c1?d=dev1"),
        resp -> resp.getCode() == ResponseCode.CONTENT);
    byte[] leaf = java.util.HexFormat.of().parseHex(JSON.readTree(receipt.getPayload()).path("leaf").asText());
    assertEquals(result.path("leaf").asText(), java.util.HexFormat.of().formatHex(dev.cairn.anchor.Merkle.leafHash(leaf)));
    assertEquals(ResponseCode.NOT_FOUND, get("/receipts/nope?d=dev1").getCode());
  }

  @Test
  void cborJobGetsACborResult() throws Exception {
    CBORMapper cbor = new CBORMapper();
    byte[] job = cbor.writeValueAsBytes(Map.of("id", "b1", "kernel", "vector.stats", "inputs", Map.of("x", List.of(1.0, 2.0, 3.0, 4.0))));
    CoapClient client = new CoapClient(base + "/jobs?d=dev1");
    CoapResponse r = client.post(job, MediaTypeRegistry.APPLICATION_CBOR);
    client.shutdown();
    assertEquals(ResponseCode.CONTENT, r.getCode());
    assertEquals(MediaTypeRegistry.APPLICATION_CBOR, r.getOptions().getContentFormat());
    assertEquals(2.5, cbor.readTree(r.getPayload()).path("outputs").path("mean").asDouble(), 1e-9);
  }

  @Test
  void largeJobsAndResultsTravelBlockWise() throws Exception {
    StringBuilder xs = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      xs.append(i == 0 ? "" : ",").append(i % 97);
    }
    String job = "{\"id\":\"big\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":1},\"inputs\":{\"x\":[" + xs + "],\"y\":[" + xs + "]}}";
    assertTrue(job.length() > 10_000);
    CoapResponse r = post("/jobs?d=dev1", job, MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.CONTENT, r.getCode(), r.getResponseText());
    assertEquals(3000, JSON.readTree(r.getPayload()).path("outputs").path("y").size());
  }

  @Test
  void errorsComeBackAsCoapCodesWithADiagnostic() throws Exception {
    CoapResponse unknown = post("/jobs?d=dev1", "{\"id\":\"u\",\"kernel\":\"nope\",\"inputs\":{}}", MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.NOT_FOUND, unknown.getCode());
    assertEquals("UNKNOWN_KERNEL", JSON.readTree(unknown.getPayload()).path("code").asText());
    CoapResponse bad = post("/jobs?d=dev1", "{\"id\":", MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.BAD_REQUEST, bad.getCode());
    assertEquals(ResponseCode.CONTENT, post("/jobs?d=dev1", SAXPY.formatted("d1"), MediaTypeRegistry.APPLICATION_JSON).getCode());
    CoapResponse dup = post("/jobs?d=dev1", SAXPY.formatted("d1"), MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.CONFLICT, dup.getCode());
    CoapResponse anonymous = post("/jobs", SAXPY.formatted("a1"), MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.BAD_REQUEST, anonymous.getCode());
    assertTrue(anonymous.getResponseText().contains("?d="), anonymous.getResponseText());
    CoapResponse format = post("/jobs?d=dev1", SAXPY.formatted("f1"), MediaTypeRegistry.TEXT_PLAIN);
    assertEquals(ResponseCode.UNSUPPORTED_CONTENT_FORMAT, format.getCode());
    StringBuilder xs = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      xs.append(i == 0 ? "" : ",").append("1.25");
    }
    CoapResponse large = post("/jobs?d=dev1", "{\"id\":\"l\",\"kernel\":\"vector.stats\",\"inputs\":{\"x\":[" + xs + "]}}",
        MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.REQUEST_ENTITY_TOO_LARGE, large.getCode());
    assertTrue(large.getOptions().hasSize1(), "4.13 carries Size1");
    // The endpoint still serves after all that.
    assertEquals(ResponseCode.CONTENT, post("/jobs?d=dev1", SAXPY.formatted("after"), MediaTypeRegistry.APPLICATION_JSON).getCode());
  }

  @Test
  void observingAJobDeliversItsResult() throws Exception {
    assertEquals(ResponseCode.CONTENT, post("/jobs?d=dev1", SAXPY.formatted("o1"), MediaTypeRegistry.APPLICATION_JSON).getCode());
    CoapClient client = new CoapClient(base + "/jobs/o1?d=dev1");
    try {
      java.util.concurrent.BlockingQueue<CoapResponse> seen = new java.util.concurrent.LinkedBlockingQueue<>();
      var relation = client.observe(new org.eclipse.californium.core.CoapHandler() {
        @Override
        public void onLoad(CoapResponse response) {
          seen.add(response);
        }

        @Override
        public void onError() {}
      });
      CoapResponse first = seen.poll(10, TimeUnit.SECONDS);
      assertEquals(ResponseCode.CONTENT, first.getCode());
      assertEquals("ok", JSON.readTree(first.getPayload()).path("status").asText());
      relation.proactiveCancel();
    } finally {
      client.shutdown();
    }
  }
}
