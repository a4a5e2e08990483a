package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.Gateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code acl:} section held at admission for devices over MQTT 5 and CoAP alike: a kernel a device
 * may not run is FORBIDDEN, a burst over its jobs per second is BUSY naming the quota, and other devices
 * are unaffected.
 */
class AclEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SAXPY = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2],\"y\":[3,4]}}";
  static final String STATS = "{\"id\":\"%s\",\"kernel\":\"vector.stats\",\"inputs\":{\"x\":[1,2,3]}}";

  @TempDir Path dir;
  Gateway gateway;

  @BeforeEach
  void start() throws Exception {
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, TestGateways.loopbackYaml(dir.resolve("data")) + """
        acl:
          devices:
            narrow: {kernels: [vector.stats]}
            slow: {jobsPerSecond: 1}
            small: {bytesPerSecond: 100}
        """);
    gateway = TestGateways.start(yaml);
  }

  @AfterEach
  void stop() throws Exception {
    TestGateways.stop(gateway);
  }

  /**
   * Publishes a job; the result on the results topic is what this test checks. A refused job's PUBACK
   * may carry an error reason code, which Paho reports by throwing: that code is the MQTT endpoint's
   * concern, not this test's.
   */
  static void publish(Mqtt5Device device, String json) throws MqttException {
    try {
      device.publishJson("cairn/" + device.deviceId + "/jobs", json);
    } catch (MqttException e) {
      if (e.getReasonCode() < 0x80 || !device.isConnected()) {
        throw e;
      }
    }
  }

  @Test
  void aKernelTheDeviceMayNotRunIsForbiddenAndItsAllowedKernelRuns() throws Exception {
    try (Mqtt5Device narrow = Mqtt5Device.connect(gateway.mqttPort(), "narrow").subscribe("cairn/narrow/results")) {
      publish(narrow, SAXPY.formatted("n1"));
      JsonNode refused = narrow.next().json();
      assertEquals("n1", refused.path("id").asText());
      assertEquals("FORBIDDEN", refused.path("code").asText(), refused.toString());
      assertEquals("device 'narrow' may run only vector.stats here; 'vector.saxpy' is not allowed for it",
          refused.path("message").asText());
      publish(narrow, STATS.formatted("n2"));
      JsonNode ok = narrow.next().json();
      assertEquals("n2", ok.path("id").asText());
      assertEquals("ok", ok.path("status").asText(), ok.toString());
    }
  }

  @Test
  void aBurstOverTheJobRateIsBusyNamingTheQuotaWhileAnotherDeviceIsUnaffected() throws Exception {
    int burst = 5;
    try (Mqtt5Device slow = Mqtt5Device.connect(gateway.mqttPort(), "slow").subscribe("cairn/slow/results");
        Mqtt5Device steady = Mqtt5Device.connect(gateway.mqttPort(), "steady").subscribe("cairn/steady/results")) {
      for (int i = 0; i < burst; i++) {
        publish(slow, SAXPY.formatted("s" + i));
        publish(steady, SAXPY.formatted("t" + i));
      }
      Map<String, JsonNode> slowResults = results(slow, burst);
      Map<String, JsonNode> steadyResults = results(steady, burst);
      assertEquals("ok", slowResults.get("s0").path("status").asText(), "the first job is within the burst");
      List<String> busy = new ArrayList<>();
      for (JsonNode r : slowResults.values()) {
        if (!r.path("status").asText().equals("ok")) {
          assertEquals("BUSY", r.path("code").asText(), r.toString());
          assertTrue(r.path("message").asText().startsWith("device 'slow' is over its quota of 1 job per second; retry in "),
              r.toString());
          busy.add(r.path("id").asText());
        }
      }
      // One job a second: a burst sent within a few milliseconds cannot all fit (each extra second of a
      // slow machine lets one more through).
      assertTrue(busy.size() >= 1, "no job of the burst was refused: " + slowResults);
      for (JsonNode r : steadyResults.values()) {
        assertEquals("ok", r.path("status").asText(), r.toString());
      }
    }
  }

  @Test
  void aChangedAclAppliesWithoutARestart() throws Exception {
    try (Mqtt5Device steady = Mqtt5Device.connect(gateway.mqttPort(), "steady").subscribe("cairn/steady/results")) {
      publish(steady, SAXPY.formatted("r1"));
      assertEquals("ok", steady.next().json().path("status").asText());
      dev.cairn.runtime.config.GatewayConfig next = dev.cairn.runtime.config.ConfigLoader.parse("gateway.yaml",
          TestGateways.loopbackYaml(dir.resolve("data")) + "acl: {default: {kernels: [vector.stats]}}\n");
      assertTrue(gateway.reconfigure(next, java.util.Set.of("acl")).toCompletionStage().toCompletableFuture()
          .get(30, java.util.concurrent.TimeUnit.SECONDS), "acl is a live setting");
      publish(steady, SAXPY.formatted("r2"));
      JsonNode refused = steady.next().json();
      assertEquals("FORBIDDEN", refused.path("code").asText(), refused.toString());
      assertTrue(steady.isConnected(), "the MQTT endpoint was not restarted");
    }
  }

  /** {@code n} results of {@code device}, by job id. */
  static Map<String, JsonNode> results(Mqtt5Device device, int n) throws InterruptedException {
    Map<String, JsonNode> out = new HashMap<>();
    for (int i = 0; i < n; i++) {
      JsonNode r = device.next().json();
      out.put(r.path("id").asText(), r);
    }
    assertEquals(n, out.size(), out.toString());
    return out;
  }

  @Test
  void coapDevicesAreHeldToTheSamePolicies() throws Exception {
    CoapResponse forbidden = post("narrow", SAXPY.formatted("c1"));
    assertEquals(ResponseCode.FORBIDDEN, forbidden.getCode(), forbidden.getResponseText());
    JsonNode r = JSON.readTree(forbidden.getPayload());
    assertEquals("FORBIDDEN", r.path("code").asText());
    assertTrue(r.path("message").asText().contains("may run only vector.stats"), r.toString());
    assertEquals(ResponseCode.CONTENT, post("narrow", STATS.formatted("c2")).getCode());

    assertEquals(ResponseCode.CONTENT, post("slow", SAXPY.formatted("c3")).getCode());
    CoapResponse busy = null;
    for (int i = 4; i < 8 && busy == null; i++) { // a second may pass on a slow machine: then one more fits
      CoapResponse next = post("slow", SAXPY.formatted("c" + i));
      if (next.getCode() != ResponseCode.CONTENT) {
        busy = next;
      }
    }
    assertTrue(busy != null, "no job over one a second was refused");
    assertEquals(ResponseCode.SERVICE_UNAVAILABLE, busy.getCode(), busy.getResponseText());
    JsonNode b = JSON.readTree(busy.getPayload());
    assertEquals("BUSY", b.path("code").asText());
    assertTrue(b.path("message").asText().startsWith("device 'slow' is over its quota of 1 job per second; retry in "), b.toString());

    // A job larger than one second of the device's bytes can never be admitted: 4.13, Size1 its quota.
    CoapResponse large = post("small", STATS.formatted("c9").replace("[1,2,3]", "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24]"));
    assertEquals(ResponseCode.REQUEST_ENTITY_TOO_LARGE, large.getCode(), large.getResponseText());
    assertEquals(100, large.getOptions().getSize1());
    assertTrue(JSON.readTree(large.getPayload()).path("message").asText().contains("its quota is 100 bytes per second"));
  }

  CoapResponse post(String device, String json) throws Exception {
    CoapClient client = new CoapClient("coap://127.0.0.1:" + gateway.coapPort() + "/jobs?d=" + device);
    try {
      return client.post(json.getBytes(StandardCharsets.UTF_8), MediaTypeRegistry.APPLICATION_JSON);
    } finally {
      client.shutdown();
    }
  }

  private int pubAck(RawMqtt s, String topic, int packetId, String json) throws Exception {
    s.send(RawMqtt.publish5(topic, packetId, json.getBytes(StandardCharsets.UTF_8)));
    while (true) {
      byte[] p = s.readPacket(10_000);
      if ((p[0] & 0xff) == 0x40) {
        return RawMqtt.pubAckReason(p);
      }
    }
  }

  private RawMqtt device(String id) throws Exception {
    RawMqtt s = new RawMqtt(gateway.mqttPort()).send(RawMqtt.connect(5, id, id, 60));
    assertEquals(0x20, s.readPacket(5000)[0] & 0xff);
    return s;
  }

  /**
   * The MQTT 5 PUBACK of a job says at once whether it was admitted: 0x00, or 0x87 Not authorized, 0x97 Quota
   * exceeded. Read off the wire: Paho's blocking client does not expose a PUBACK's reason code.
   */
  @Test
  void thePubAckOfARefusedJobCarriesItsReasonCode() throws Exception {
    try (RawMqtt narrow = device("narrow"); RawMqtt slow = device("slow")) {
      assertEquals(0x00, pubAck(narrow, "cairn/narrow/jobs", 1, STATS.formatted("n1")));
      assertEquals(0x87, pubAck(narrow, "cairn/narrow/jobs", 2, SAXPY.formatted("n2")), "a kernel not in its acl");
      assertEquals(0x87, pubAck(narrow, "cairn/slow/jobs", 3, STATS.formatted("n3")), "another device's topic");
      assertEquals(0x00, pubAck(slow, "cairn/slow/jobs", 1, SAXPY.formatted("s1")));
      assertEquals(0x97, pubAck(slow, "cairn/slow/jobs", 2, SAXPY.formatted("s2")), "a second job within the second");
    }
  }
}
