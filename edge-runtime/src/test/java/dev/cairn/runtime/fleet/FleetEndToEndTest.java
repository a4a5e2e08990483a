package dev.cairn.runtime.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.ConfigLoader;
import dev.cairn.runtime.config.GatewayConfig;
import com.hivemq.embedded.EmbeddedHiveMQ;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet mode against a real MQTT 5 broker (HiveMQ CE, embedded): a signed manifest is published with the
 * same code as {@code cairn fleet apply}, the gateway applies it and reports a retained status; bad
 * configurations of every kind are refused with the reason while the gateway keeps serving; a
 * configuration that fails its health check is rolled back; a restart keeps the applied version.
 */
class FleetEndToEndTest {
  @TempDir Path dir;
  EmbeddedHiveMQ broker;
  String url;
  Ed25519PrivateKeyParameters operator;
  Ed25519PrivateKeyParameters stranger;
  FleetAgent agent;
  MqttClient watcher;
  final AtomicReference<JsonNode> status = new AtomicReference<>();

  @BeforeEach
  void start() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    broker = EmbeddedBroker.start(dir.resolve("broker"), port);
    url = "tcp://127.0.0.1:" + port;
    OperatorKey.generate(dir.resolve("operator.key"), dir.resolve("operator.pub"));
    operator = OperatorKey.readPrivate(dir.resolve("operator.key"));
    OperatorKey.generate(dir.resolve("stranger.key"), dir.resolve("stranger.pub"));
    stranger = OperatorKey.readPrivate(dir.resolve("stranger.key"));
    watcher = new MqttClient(url, "watcher", new MemoryPersistence());
    watcher.connect(new MqttConnectionOptions());
    watcher.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
            new org.eclipse.paho.mqttv5.common.MqttSubscription(FleetSigning.statusTopic("gw-1"), 1)},
        new IMqttMessageListener[] {(t, m) -> status.set(FleetManifest.JSON.readTree(m.getPayload()))});
    agent = newAgent();
    agent.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> status.get() != null);
  }

  FleetAgent newAgent() {
    GatewayConfig local = ConfigLoader.parse("local", """
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: 0}
        admin: {port: 0}
        coap: {host: 127.0.0.1, port: 0}
        """.formatted(dir.resolve("data")));
    return new FleetAgent(url, "gw-1", OperatorKey.readPublic(dir.resolve("operator.pub")), local, c -> {
      c.setDataDir(dir.resolve("data").toString());
      return c;
    }, Clock.systemUTC());
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    watcher.disconnect();
    watcher.close();
    broker.stop().join();
    broker.close();
  }

  /** A manifest for gw-1 at {@code version} with {@code settings}, signed and published as cairn fleet apply does. */
  void publish(long version, String settings) throws Exception {
    Path manifest = dir.resolve("fleet-" + version + ".yaml");
    Files.writeString(manifest, """
        apiVersion: cairn.dev/v1
        kind: Fleet
        metadata: {name: test-fleet, version: %d}
        defaults:
          mqtt: {host: 127.0.0.1, port: 0}
          admin: {port: 0}
          coap: {host: 127.0.0.1, port: 0}
        gateways: [{id: gw-1, labels: {site: lab}}]
        overrides:
          - selector: {labels: {site: lab}}
            settings: %s
        """.formatted(version, settings));
    FleetManifest m = FleetManifest.load(manifest);
    FleetSigning.write(manifest, m, operator);
    FleetSigning.publish(url, FleetSigning.read(manifest, m), version, 0);
  }

  void publishRaw(byte[] message) throws Exception {
    FleetSigning.publish(url, Map.of("gw-1", message), 0, 0);
  }

  JsonNode awaitStatus(java.util.function.Predicate<JsonNode> until) {
    await().atMost(Duration.ofSeconds(60)).until(() -> status.get() != null && until.test(status.get()));
    return status.get();
  }

  @Test
  void appliesSignedSettingsReportsThemAndRefusesEveryBadConfiguration() throws Exception {
    assertEquals(0, status.get().path("appliedVersion").asLong(), "on local settings until the fleet speaks");
    publish(1, "{limits: {maxInFlightPerDevice: 7}, kernels: [vector.saxpy], batch: {maxLeaves: 10}}");
    JsonNode s = awaitStatus(j -> j.path("appliedVersion").asLong() == 1);
    assertEquals("RUNNING", s.path("state").asText());
    assertTrue(s.path("lastError").isNull(), s.toString());
    Gateway g = agent.gateway();
    assertEquals(7, g.config().schedulerOptions().maxInFlightPerDevice());
    assertEquals(1, g.scheduler().catalog().all().size(), "only the enabled kernel");
    assertEquals(FleetManifest.load(dir.resolve("fleet-1.yaml")).resolve("gw-1").toString(),
        agent.applied().config().toString(), "what runs is what the manifest resolves to");
    assertEquals(SignedConfig.sha256Hex(agent.applied().config().toString().getBytes(StandardCharsets.UTF_8)),
        s.path("configSha256").asText());

    // Limits, kernels, batching and sinks change live: same gateway, the device stays connected.
    try (dev.cairn.runtime.e2e.Mqtt5Device device = dev.cairn.runtime.e2e.Mqtt5Device.connect(g.mqttPort(), "dev1")) {
      device.subscribe("cairn/dev1/results");
      publish(2, "{limits: {maxInFlightPerDevice: 9}, kernels: [vector.saxpy, vector.stats], batch: {maxLeaves: 20}}");
      s = awaitStatus(j -> j.path("appliedVersion").asLong() == 2);
      assertEquals(g, agent.gateway(), "applied without a restart");
      assertEquals(9, g.config().schedulerOptions().maxInFlightPerDevice());
      assertEquals(2, g.scheduler().catalog().all().size());
      assertTrue(device.isConnected(), "the device kept its connection");
      device.publishJson("cairn/dev1/jobs", "{\"id\":\"after\",\"kernel\":\"vector.stats\",\"inputs\":{\"x\":[1,2,3]}}");
      assertEquals("ok", device.next().json().path("status").asText(), "a newly enabled kernel runs");
    }
    String sha = s.path("configSha256").asText();

    // An unknown setting and a wrong type, signed by the operator (made by hand: validate would stop them).
    ObjectNode unknown = (ObjectNode) FleetManifest.JSON.readTree("{\"mqtt\":{\"prot\":1}}");
    publishRaw(SignedConfig.sign("test-fleet", 3, "gw-1", unknown, operator).toMessage());
    s = awaitStatus(j -> j.path("rejectedVersion").asLong() == 3);
    assertTrue(s.path("lastError").asText().contains("mqtt.prot"), s.toString());
    assertEquals(2, s.path("appliedVersion").asLong());
    ObjectNode wrongType = (ObjectNode) FleetManifest.JSON.readTree("{\"limits\":{\"queueCapacity\":\"many\"}}");
    publishRaw(SignedConfig.sign("test-fleet", 4, "gw-1", wrongType, operator).toMessage());
    s = awaitStatus(j -> j.path("rejectedVersion").asLong() == 4);
    assertTrue(s.path("lastError").asText().contains("limits.queueCapacity"), s.toString());

    // Signed by someone else.
    ObjectNode fine = (ObjectNode) FleetManifest.JSON.readTree("{\"limits\":{\"maxInFlightPerDevice\":9}}");
    publishRaw(SignedConfig.sign("test-fleet", 5, "gw-1", fine, stranger).toMessage());
    s = awaitStatus(j -> j.path("lastError").asText().contains("bad signature"));
    // Not JSON at all.
    publishRaw("hello".getBytes(StandardCharsets.UTF_8));
    s = awaitStatus(j -> j.path("lastError").asText().contains("not JSON"));
    // For another gateway.
    publishRaw(SignedConfig.sign("test-fleet", 6, "gw-2", fine, operator).toMessage());
    s = awaitStatus(j -> j.path("lastError").asText().contains("for gateway 'gw-2'"));
    // A replay of an older version with other settings (a downgrade).
    publishRaw(SignedConfig.sign("test-fleet", 1, "gw-1", fine, operator).toMessage());
    s = awaitStatus(j -> j.path("lastError").asText().contains("versions only go up"));

    // Through all of that the gateway kept version 2 and kept serving.
    assertEquals(2, s.path("appliedVersion").asLong());
    assertEquals(sha, s.path("configSha256").asText());
    assertEquals(Gateway.State.RUNNING, agent.gateway().state());
    assertEquals(9, agent.gateway().config().schedulerOptions().maxInFlightPerDevice());
  }

  @Test
  void aConfigurationThatFailsToStartIsRolledBackAndTheAppliedVersionSurvivesARestart() throws Exception {
    publish(1, "{limits: {maxInFlightPerDevice: 7}}");
    awaitStatus(j -> j.path("appliedVersion").asLong() == 1);
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      publish(2, "{admin: {port: " + taken.getLocalPort() + "}, limits: {maxInFlightPerDevice: 8}}");
      JsonNode s = awaitStatus(j -> j.path("rejectedVersion").asLong() == 2);
      assertTrue(s.path("lastError").asText().contains("rolled back"), s.toString());
      assertTrue(s.path("lastError").asText().contains("admin API could not listen"), s.toString());
      assertEquals(1, s.path("appliedVersion").asLong());
    }
    assertEquals(Gateway.State.RUNNING, agent.gateway().state());
    assertEquals(7, agent.gateway().config().schedulerOptions().maxInFlightPerDevice(), "the last good settings run again");

    // A port change applies (the endpoints restart on the new ports).
    int mqttPort;
    try (ServerSocket s = new ServerSocket(0)) {
      mqttPort = s.getLocalPort();
    }
    publish(3, "{mqtt: {host: 127.0.0.1, port: " + mqttPort + "}}");
    awaitStatus(j -> j.path("appliedVersion").asLong() == 3);
    assertEquals(mqttPort, agent.gateway().mqttPort());

    // Restart: the kept version 3 comes back at once, and the retained message is not applied again.
    agent.close();
    status.set(null);
    agent = newAgent();
    Gateway g = agent.start();
    assertNotNull(agent.applied());
    assertEquals(3, agent.applied().version());
    assertEquals(mqttPort, g.mqttPort());
    JsonNode s = awaitStatus(j -> j.path("state").asText().equals("RUNNING"));
    assertEquals(3, s.path("appliedVersion").asLong());
    assertTrue(s.path("lastError").isNull(), s.toString());
    assertEquals(g, agent.gateway(), "the retained version 3 did not restart the gateway");
  }

  @Test
  void afterTheBrokerRestartsTheGatewayReconnectsReportsAndTakesNewSettings() throws Exception {
    publish(1, "{limits: {maxInFlightPerDevice: 7}}");
    awaitStatus(j -> j.path("appliedVersion").asLong() == 1);
    int port = Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    watcher.disconnect();
    broker.stop().join();
    broker.close();
    // A new broker on the same port, with nothing retained: the gateway must come back by itself.
    broker = EmbeddedBroker.start(dir.resolve("broker2"), port);
    status.set(null);
    watcher.connect(new MqttConnectionOptions());
    watcher.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
            new org.eclipse.paho.mqttv5.common.MqttSubscription(FleetSigning.statusTopic("gw-1"), 1)},
        new IMqttMessageListener[] {(t, m) -> status.set(FleetManifest.JSON.readTree(m.getPayload()))});
    JsonNode s = awaitStatus(j -> j.path("appliedVersion").asLong() == 1 && j.path("state").asText().equals("RUNNING"));
    assertTrue(s.path("lastError").isNull(), s.toString());
    publish(2, "{limits: {maxInFlightPerDevice: 8}}");
    awaitStatus(j -> j.path("appliedVersion").asLong() == 2);
    assertEquals(8, agent.gateway().config().schedulerOptions().maxInFlightPerDevice());
  }
}
