package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.anchor.MutableClock;
import dev.cairn.runtime.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results kept by job id through a whole gateway: a resubmitted job is answered from the journal, marked
 * replayed, and does not run again; a kept result is fetched over MQTT, CoAP and the admin API until
 * {@code results.retention} has passed on the gateway's clock, and across a restart.
 */
class KeptResultsEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SAXPY =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2.0},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dataDir;
  final MutableClock clock = new MutableClock(System.currentTimeMillis());
  final HttpClient http = HttpClient.newHttpClient();
  Gateway gateway;

  Gateway start() throws Exception {
    gateway = TestGateways.startLocal(dataDir, clock, c -> c.results().setRetention("24h"));
    return gateway;
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      TestGateways.stop(gateway);
    }
  }

  static JsonNode fetch(Mqtt5Device dev, String id) throws Exception {
    dev.publishJson("cairn/" + dev.deviceId + "/results/get", "{\"id\":\"" + id + "\"}");
    return dev.next().json();
  }

  CoapResponse coapGet(String path) throws Exception {
    CoapClient client = new CoapClient("coap://127.0.0.1:" + gateway.coapPort() + path);
    try {
      return client.get();
    } finally {
      client.shutdown();
    }
  }

  HttpResponse<String> adminGet(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void resubmittedJobGetsItsKeptResultReplayedAndRunsOnce() throws Exception {
    start();
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("j1"));
      JsonNode first = dev.next().json();
      assertEquals("ok", first.path("status").asText(), first.toString());
      assertFalse(first.has("replayed"), "a result computed now is not replayed: " + first);
      dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("j1"));
      JsonNode again = dev.next().json();
      assertTrue(again.path("replayed").asBoolean(), again.toString());
      assertEquals(first.path("outputs"), again.path("outputs"));
      assertEquals(first.path("leaf"), again.path("leaf"), "the same leaf: the receipt stays one");
      assertEquals(first.path("salt"), again.path("salt"));
    }
    assertEquals(1, gateway.anchor().stats().leaves(), "the job ran once");
  }

  @Test
  void keptResultIsFetchedOverMqttCoapAndAdminUntilRetentionEnds() throws Exception {
    start();
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("j1"));
      JsonNode done = dev.next().json();
      assertEquals("ok", done.path("status").asText(), done.toString());

      JsonNode fetched = fetch(dev, "j1");
      assertTrue(fetched.path("replayed").asBoolean(), fetched.toString());
      assertEquals(done.path("leaf"), fetched.path("leaf"));
      JsonNode missing = fetch(dev, "never-sent");
      assertEquals("NOT_FOUND", missing.path("code").asText(), missing.toString());
      assertEquals("never-sent", missing.path("id").asText());

      CoapResponse coap = coapGet("/results/j1?d=dev1");
      assertEquals(ResponseCode.CONTENT, coap.getCode(), coap.getResponseText());
      assertEquals(done.path("outputs"), JSON.readTree(coap.getPayload()).path("outputs"));
      assertEquals(ResponseCode.NOT_FOUND, coapGet("/results/j1?d=dev2").getCode(), "another device's job is not found");

      HttpResponse<String> admin = adminGet("/v1/results/dev1/j1");
      assertEquals(200, admin.statusCode(), admin.body());
      assertEquals(done.path("leaf"), JSON.readTree(admin.body()).path("leaf"));
      assertEquals(404, adminGet("/v1/results/dev1/nope").statusCode());

      clock.advanceMillis(24L * 3600 * 1000);
      assertEquals("NOT_FOUND", fetch(dev, "j1").path("code").asText(), "past results.retention");
      dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("j1"));
      JsonNode late = dev.next().json();
      assertFalse(late.has("replayed"), "an expired result is not replayed: " + late);
      // The scheduler still remembers the id among its recent ones (limits.recentIds): not run twice.
      assertEquals("DUPLICATE", late.path("code").asText(), late.toString());
    }
    assertEquals(1, gateway.anchor().stats().leaves());
  }

  @Test
  void keptResultSurvivesARestart() throws Exception {
    start();
    JsonNode done;
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("j1"));
      done = dev.next().json();
    }
    TestGateways.stop(gateway);
    start();
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      assertEquals(done.path("leaf"), fetch(dev, "j1").path("leaf"));
      dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("j1"));
      JsonNode again = dev.next().json();
      assertTrue(again.path("replayed").asBoolean(), "replayed after a restart: " + again);
    }
    assertEquals(1, gateway.anchor().stats().leaves(), "no second leaf after the restart");
  }
}
