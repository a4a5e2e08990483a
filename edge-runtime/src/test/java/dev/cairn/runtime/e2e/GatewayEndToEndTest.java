package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cairn.runtime.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole gateway in this process, driven by real Paho MQTT 5 and 3.1.1 clients. */
class GatewayEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SAXPY =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2.0},"
          + "\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dataDir;
  Gateway gateway;

  @BeforeEach
  void start() throws Exception {
    gateway = startGateway(dataDir, 1000, 3_600_000);
  }

  static Gateway startGateway(Path dataDir, int batchLeaves, long batchDelayMs) throws Exception {
    return TestGateways.startLocal(dataDir, config -> {
      config.setGatewayId("gw-test");
      config.batch().setMaxLeaves(batchLeaves);
      config.batch().setMaxDelayMs(batchDelayMs);
      config.limits().setMaxPayloadBytes(64 * 1024);
    });
  }

  @AfterEach
  void stop() throws Exception {
    TestGateways.stop(gateway);
  }

  @Test
  void saxpyJobOverMqtt5ReturnsOutputsBackendTimesLeafAndSalt() throws Exception {
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("j-42"));
      Mqtt5Device.Received r = dev.next();
      assertEquals("cairn/dev1/results", r.topic());
      JsonNode result = r.json();
      assertEquals("j-42", result.path("id").asText());
      assertEquals("ok", result.path("status").asText(), result.toString());
      assertEquals(List.of(6.0, 9.0, 12.0), doubles(result.path("outputs").path("y")));
      assertEquals("jvm", result.path("backend").asText());
      assertTrue(result.path("queueMicros").isIntegralNumber());
      assertTrue(result.path("runMicros").isIntegralNumber());
      assertTrue(result.path("leaf").asText().matches("[0-9a-f]{64}"), result.toString());
      assertTrue(result.path("salt").asText().matches("[0-9a-f]{32}"), result.toString());
    }
  }

  @Test
  void leafIsInTheJournalWhenTheResultArrives() throws Exception {
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("durable-1"));
      JsonNode result = dev.next().json();
      assertEquals("ok", result.path("status").asText(), result.toString());
      // Durable when the result arrives: its leaf hash is already in the synced leaf log.
      byte[] leafHash = java.util.HexFormat.of().parseHex(result.path("leaf").asText());
      byte[] log = java.nio.file.Files.readAllBytes(dataDir.resolve("leaves.log"));
      // Latin-1 maps every byte to one char, so a byte search is a string search.
      var latin1 = java.nio.charset.StandardCharsets.ISO_8859_1;
      assertTrue(new String(log, latin1).contains(new String(leafHash, latin1)), "leaf of durable-1 not in leaves.log when its result arrived");
      // SQLite takes it shortly after; a second, independent reader of the file then sees it.
      org.awaitility.Awaitility.await().atMost(5, java.util.concurrent.TimeUnit.SECONDS).untilAsserted(() -> {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("journal.db"));
            PreparedStatement q = c.prepareStatement("SELECT lower(hex(leaf_hash)) FROM leaves WHERE job = ?")) {
          q.setString(1, "durable-1");
          try (ResultSet rs = q.executeQuery()) {
            assertTrue(rs.next(), "leaf of durable-1 not in journal.db");
            assertEquals(result.path("leaf").asText(), rs.getString(1));
          }
        }
      });
    }
  }

  @Test
  void stopFinishesAcceptedJobsAndSealsTheOpenBatch() throws Exception {
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      for (int i = 0; i < 3; i++) {
        dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("s-" + i));
      }
      for (int i = 0; i < 3; i++) {
        assertEquals("ok", dev.next().json().path("status").asText());
      }
    }
    assertEquals(0, gateway.anchor().stats().batchesSealed());
    TestGateways.stop(gateway);
    assertEquals(1, gateway.anchor().stats().batchesSealed());
    assertEquals(3, gateway.anchor().stats().lastTreeSize());
    assertNotNull(gateway.anchor().stats().lastRootHex());
  }

  @Test
  void batchIsSealedEveryNLeaves(@TempDir Path otherDir) throws Exception {
    Gateway small = startGateway(otherDir, 2, 3_600_000);
    try (Mqtt5Device dev = Mqtt5Device.connect(small.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      for (int i = 0; i < 4; i++) {
        dev.publishJson("cairn/dev1/jobs", SAXPY.formatted("b-" + i));
        assertEquals("ok", dev.next().json().path("status").asText());
      }
      org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS)
          .until(() -> small.anchor().stats().batchesSealed() == 2);
    } finally {
      TestGateways.stop(small);
    }
  }

  @Test
  void responseTopicAndCorrelationDataAreHonoured() throws Exception {
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/replies/#")) {
      MqttProperties props = new MqttProperties();
      props.setResponseTopic("cairn/dev1/replies/7");
      props.setCorrelationData(new byte[] {1, 2, 3});
      dev.publish("cairn/dev1/jobs", SAXPY.formatted("rr-1").getBytes(StandardCharsets.UTF_8), 1, props);
      Mqtt5Device.Received r = dev.next();
      assertEquals("cairn/dev1/replies/7", r.topic());
      assertArrayEquals(new byte[] {1, 2, 3}, r.message().getProperties().getCorrelationData());
      assertEquals("ok", r.json().path("status").asText());
    }
  }

  @Test
  void cborJobGetsACborResult() throws Exception {
    CBORMapper cbor = new CBORMapper();
    Map<String, Object> job = new LinkedHashMap<>();
    job.put("id", "c-1");
    job.put("kernel", "vector.stats");
    job.put("inputs", Map.of("x", List.of(1.0, 2.0, 3.0, 4.0)));
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      MqttProperties props = new MqttProperties();
      props.setContentType("application/cbor");
      dev.publish("cairn/dev1/jobs", cbor.writeValueAsBytes(job), 1, props);
      JsonNode result = cbor.readTree(dev.next().message().getPayload());
      assertEquals("ok", result.path("status").asText(), result.toString());
      JsonNode out = result.path("outputs");
      assertEquals(4, out.path("count").asLong());
      assertEquals(10.0, out.path("sum").asDouble(), 1e-9);
      assertEquals(2.5, out.path("mean").asDouble(), 1e-9);
      assertEquals(1.25, out.path("variance").asDouble(), 1e-9);
    }
  }

  @Test
  void mqtt311ClientRunsAJob() throws Exception {
    MqttClient client = new MqttClient("tcp://127.0.0.1:" + gateway.mqttPort(), "v3-" + System.nanoTime(), new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setUserName("dev3");
    options.setSocketFactory(new dev.cairn.runtime.demo.NoDelaySocketFactory());
    options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    client.connect(options);
    try {
      java.util.concurrent.BlockingQueue<byte[]> got = new java.util.concurrent.LinkedBlockingQueue<>();
      client.subscribe("cairn/dev3/results", 1, (t, m) -> got.add(m.getPayload()));
      client.publish("cairn/dev3/jobs", SAXPY.formatted("v3-1").getBytes(StandardCharsets.UTF_8), 1, false);
      byte[] payload = got.poll(10, TimeUnit.SECONDS);
      assertNotNull(payload, "no result for the MQTT 3.1.1 client");
      JsonNode result = JSON.readTree(payload);
      assertEquals("ok", result.path("status").asText(), result.toString());
      assertEquals(List.of(6.0, 9.0, 12.0), doubles(result.path("outputs").path("y")));
    } finally {
      client.disconnect();
      client.close();
    }
  }

  @Test
  void aDeviceMayUseSeveralConnections() throws Exception {
    try (Mqtt5Device sub = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results");
        Mqtt5Device pub = Mqtt5Device.connect(gateway.mqttPort(), "dev1")) {
      pub.publishJson("cairn/dev1/jobs", SAXPY.formatted("two-conn"));
      assertEquals("ok", sub.next().json().path("status").asText());
    }
  }

  @Test
  void everyKernelRunsEndToEnd() throws Exception {
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      dev.publishJson("cairn/dev1/jobs", """
          {"id":"m1","kernel":"matrix.dense","params":{"activation":"relu"},
           "inputs":{"W":[1,0,0,1,-1,-1],"x":[2,3],"b":[0,0,0]}}""");
      JsonNode dense = dev.next().json();
      assertEquals(List.of(2.0, 3.0, 0.0), doubles(dense.path("outputs").path("y")), dense.toString());
      dev.publishJson("cairn/dev1/jobs", """
          {"id":"f1","kernel":"signal.fir","inputs":{"x":[1,2,3,4],"taps":[1,1]}}""");
      JsonNode fir = dev.next().json();
      assertEquals(List.of(1.0, 3.0, 5.0, 7.0), doubles(fir.path("outputs").path("y")), fir.toString());
    }
  }

  @Test
  void healthAnswersOnTheAdminPort() throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals("UP", JSON.readTree(r.body()).path("status").asText());
  }

  static List<Double> doubles(JsonNode array) {
    assertTrue(array.isArray(), "not an array: " + array);
    java.util.ArrayList<Double> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asDouble()));
    return out;
  }
}
