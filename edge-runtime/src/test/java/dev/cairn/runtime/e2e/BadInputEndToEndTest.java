package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cairn.runtime.Gateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad job gets the contract's error with a message a person can act on, and no other
 * device's connection or job is affected.
 */
class BadInputEndToEndTest {
  private static final String GOOD =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":1},\"inputs\":{\"x\":[1],\"y\":[1]}}";

  @TempDir Path dataDir;
  Gateway gateway;
  Mqtt5Device bad;
  Mqtt5Device bystander;

  @BeforeEach
  void start() throws Exception {
    gateway = GatewayEndToEndTest.startGateway(dataDir, 1000, 3_600_000);
    bad = Mqtt5Device.connect(gateway.mqttPort(), "clumsy").subscribe("cairn/clumsy/results");
    bystander = Mqtt5Device.connect(gateway.mqttPort(), "steady").subscribe("cairn/steady/results");
  }

  @AfterEach
  void stop() throws Exception {
    bad.close();
    bystander.close();
    TestGateways.stop(gateway);
  }

  private JsonNode send(String json) throws Exception {
    bad.publishJson("cairn/clumsy/jobs", json);
    JsonNode r = bad.next().json();
    assertEquals("error", r.path("status").asText(), r.toString());
    assertTrue(r.path("message").asText().length() > 10, "message too thin: " + r);
    // The bystander still gets its job done, on its own connection, after each bad one.
    String id = "ok-" + System.nanoTime();
    bystander.publishJson("cairn/steady/jobs", GOOD.formatted(id));
    JsonNode ok = bystander.next().json();
    assertEquals(id, ok.path("id").asText());
    assertEquals("ok", ok.path("status").asText(), ok.toString());
    return r;
  }

  @Test
  void malformedJsonIsBadRequest() throws Exception {
    JsonNode r = send("{\"id\":\"m1\",\"kernel\":");
    assertEquals("BAD_REQUEST", r.path("code").asText());
  }

  @Test
  void missingInputsFieldIsBadRequestNamingIt() throws Exception {
    JsonNode r = send("{\"id\":\"m2\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":1}}");
    assertEquals("BAD_REQUEST", r.path("code").asText());
    assertEquals("m2", r.path("id").asText());
    assertTrue(r.path("message").asText().contains("inputs"), r.toString());
  }

  @Test
  void unknownKernelIsNamedWithTheInstalledOnes() throws Exception {
    JsonNode r = send("{\"id\":\"u1\",\"kernel\":\"vector.fft9\",\"inputs\":{\"x\":[1]}}");
    assertEquals("UNKNOWN_KERNEL", r.path("code").asText());
    assertTrue(r.path("message").asText().contains("vector.saxpy"), r.toString());
  }

  @Test
  void inputsOfTheWrongLengthAreBadRequest() throws Exception {
    JsonNode r = send("{\"id\":\"l1\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":1},\"inputs\":{\"x\":[1,2,3],\"y\":[1,2,3,4]}}");
    assertEquals("BAD_REQUEST", r.path("code").asText());
    assertTrue(r.path("message").asText().contains("3") && r.path("message").asText().contains("4"), r.toString());
  }

  @Test
  void nanInACborInputIsBadRequest() throws Exception {
    CBORMapper cbor = new CBORMapper();
    Map<String, Object> job = new LinkedHashMap<>();
    job.put("id", "nan-1");
    job.put("kernel", "vector.stats");
    job.put("inputs", Map.of("x", List.of(1.0, Double.NaN)));
    MqttProperties props = new MqttProperties();
    props.setContentType("application/cbor");
    bad.publish("cairn/clumsy/jobs", cbor.writeValueAsBytes(job), 1, props);
    JsonNode r = cbor.readTree(bad.next().message().getPayload());
    assertEquals("BAD_REQUEST", r.path("code").asText(), r.toString());
    assertTrue(r.path("message").asText().contains("NaN"), r.toString());
  }

  @Test
  void oversizePayloadIsTooLarge() throws Exception {
    StringBuilder xs = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      xs.append(i == 0 ? "" : ",").append("1.25");
    }
    JsonNode r = send("{\"id\":\"big\",\"kernel\":\"vector.stats\",\"inputs\":{\"x\":[" + xs + "]}}");
    assertEquals("TOO_LARGE", r.path("code").asText());
  }

  @Test
  void repeatedJobIdOfADoneJobGetsItsKeptResultReplayed() throws Exception {
    bad.publishJson("cairn/clumsy/jobs", GOOD.formatted("same"));
    JsonNode first = bad.next().json();
    assertEquals("ok", first.path("status").asText());
    bad.publishJson("cairn/clumsy/jobs", GOOD.formatted("same"));
    JsonNode r = bad.next().json();
    assertEquals("ok", r.path("status").asText(), r.toString());
    assertTrue(r.path("replayed").asBoolean(), r.toString());
    assertEquals(first.path("leaf"), r.path("leaf"), "not run again");
  }

  @Test
  void jobOnAnotherDevicesTopicIsForbidden() throws Exception {
    MqttException refused = null;
    try {
      bad.publishJson("cairn/steady/jobs", GOOD.formatted("sneaky"));
    } catch (MqttException e) {
      refused = e;
    }
    JsonNode r = bad.next().json();
    assertEquals("FORBIDDEN", r.path("code").asText(), r.toString());
    assertTrue(refused == null || refused.getReasonCode() == 0x87, "reason code " + (refused == null ? -1 : refused.getReasonCode()));
    // Nothing reached the other device.
    String id = "after-sneaky";
    bystander.publishJson("cairn/steady/jobs", GOOD.formatted(id));
    assertEquals(id, bystander.next().json().path("id").asText());
  }

  @Test
  void subscribingToAnotherDevicesResultsIsRefused() throws Exception {
    try (Mqtt5Device spy = Mqtt5Device.connect(gateway.mqttPort(), "spy")) {
      org.eclipse.paho.mqttv5.client.IMqttToken token = spy.client.subscribe(
          new org.eclipse.paho.mqttv5.common.MqttSubscription[] {new org.eclipse.paho.mqttv5.common.MqttSubscription("cairn/steady/results", 1)},
          new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(t, m) -> spy.received.add(new Mqtt5Device.Received(t, m))});
      assertTrue(token.getReasonCodes()[0] >= 0x80, "granted: " + token.getReasonCodes()[0]);
      bystander.publishJson("cairn/steady/jobs", GOOD.formatted("private"));
      assertEquals("private", bystander.next().json().path("id").asText());
      assertTrue(spy.received.isEmpty(), "spy received " + spy.received);
    } catch (MqttException e) {
      assertEquals(0x87, e.getReasonCode(), e.toString());
    }
  }

  @Test
  void textThatIsNotAJobIsBadRequest() throws Exception {
    bad.publish("cairn/clumsy/jobs", "hello".getBytes(StandardCharsets.UTF_8), 0);
    JsonNode r = bad.next().json();
    assertEquals("BAD_REQUEST", r.path("code").asText(), r.toString());
  }
}
