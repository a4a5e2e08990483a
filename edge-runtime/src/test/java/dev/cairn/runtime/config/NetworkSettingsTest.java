package dev.cairn.runtime.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.anchor.impl.GatewayKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkSettingsTest {
  @TempDir Path dir;

  @Test
  void theNetworkIsOffUnlessABrokerIsSet() {
    assertFalse(ConfigLoader.defaults().network().enabled());
    ConfigLoader.defaults().network().check();
  }

  @Test
  void readsBrokersPinnedPeersLabelsAndTimings() throws Exception {
    byte[] key = GatewayKey.loadOrCreate(dir.resolve("gw-2")).publicKey();
    dev.cairn.runtime.fleet.OperatorKey.generate(dir.resolve("op.key"), dir.resolve("op.pub"));
    GatewayConfig c = ConfigLoader.parse("gateway.yaml", """
        network:
          broker: [tcp://b1:1883, tcp://b2:1883]
          peers:
            - {id: gw-2, publicKeyFile: %s}
            - {id: gw-3, publicKeyFile: %s}
          labels: {site: plant-a, zone: line-3}
          announceIntervalMs: 1000
          unknownAfterMs: 3000
          downAfterMs: 9000
          offload: {maxInFlight: 4, timeoutMs: 500, attempts: 3}
        """.formatted(dir.resolve("gw-2").resolve("gateway.pub"), dir.resolve("op.pub")));
    NetworkSettings n = c.network();
    n.check();
    assertTrue(n.enabled());
    assertEquals(List.of("tcp://b1:1883", "tcp://b2:1883"), n.brokers());
    assertArrayEquals(key, n.peerKeys().get("gw-2"));
    assertEquals(32, n.peerKeys().get("gw-3").length, "a PEM public key is read too");
    assertEquals(Map.of("site", "plant-a", "zone", "line-3"), n.labels());
    assertEquals(3000, n.unknownAfterMs());
    assertEquals(4, n.offload().maxInFlight());
    assertEquals(3, n.offload().attempts());
  }

  @Test
  void refusesWhatCannotWorkSayingWhy() {
    assertTrue(refusal("network: {broker: http://b:80}").contains("must be tcp://host:port or ssl://host:port"));
    assertTrue(refusal("network: {maxReplicas: 0}").contains("must be 1 to 16, was 0"));
    assertTrue(refusal("network: {replication: {vector.saxpy: {replicas: 2, quorum: 3}}}").contains("quorum 1 to replicas"));
    assertTrue(refusal("network: {replication: {vector.saxpy: {quorum: 1}}}").contains("each kernel's replication is"));
    assertEquals(2, ConfigLoader.parse("g", "network: {replication: {vector.saxpy: {replicas: 3}}}").network().replication()
        .get("vector.saxpy").quorum());
    assertTrue(refusal("network: {broker: tcp://b:1883, peers: [{id: gw-2}]}").contains("each peer is {id: <gateway id>, publicKeyFile"));
    assertTrue(refusal("network: {broker: tcp://b:1883, labels: {'a b': x}}").contains("label names and values"));
    assertTrue(checked("network: {broker: tcp://b:1883, unknownAfterMs: 1000, downAfterMs: 500}").contains("must hold"));
    assertTrue(checked("network: {broker: ssl://b:8883}").contains("needs network.tls.caFile"));
    assertTrue(checked("network: {broker: tcp://b:1883, peers: [{id: gw-2, publicKeyFile: " + dir.resolve("none") + "}]}")
        .contains("network.peers gw-2: publicKeyFile"));
  }

  @Test
  void refusesAKeyFileThatHoldsNoKey() throws Exception {
    Files.writeString(dir.resolve("bad.pub"), "not a key\n");
    assertTrue(checked("network: {broker: tcp://b:1883, peers: [{id: gw-2, publicKeyFile: " + dir.resolve("bad.pub") + "}]}")
        .contains("is not an Ed25519 public key"));
  }

  /** The fleet schema names exactly the network settings the gateway reads. */
  @Test
  void theFleetSchemaNamesEveryNetworkSetting() throws Exception {
    JsonNode schema = new ObjectMapper().readTree(Path.of("..", "deploy", "fleet.schema.json").toFile());
    JsonNode network = schema.path("$defs").path("settings").path("properties").path("network").path("properties");
    Set<String> names = new TreeSet<>();
    network.fieldNames().forEachRemaining(names::add);
    Map<String, String> samples = Map.ofEntries(
        Map.entry("broker", "tcp://b:1883"),
        Map.entry("tls", "{caFile: ca.pem}"),
        Map.entry("username", "gw-1"),
        Map.entry("passwordFile", "pw"),
        Map.entry("peers", "[]"),
        Map.entry("labels", "{site: a}"),
        Map.entry("announceIntervalMs", "1000"),
        Map.entry("unknownAfterMs", "20000"),
        Map.entry("downAfterMs", "90000"),
        Map.entry("offload", "{maxInFlight: 1, timeoutMs: 100, attempts: 1, shared: true}"),
        Map.entry("replication", "{vector.saxpy: {replicas: 3, quorum: 2}}"),
        Map.entry("maxReplicas", "3"),
        Map.entry("operatorKeyFile", "operator.pub"),
        Map.entry("endorsementFile", "gw-1.endorsement"),
        Map.entry("maxPeers", "8"));
    assertEquals(new TreeSet<>(samples.keySet()), names);
    samples.forEach((k, v) -> ConfigLoader.parse("schema", "network: {" + k + ": " + v + "}\n"));
    assertTrue(refusal("network: {brokers: tcp://b:1883}").contains("unknown setting 'network.brokers'"));
  }

  static String refusal(String yaml) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse("gateway.yaml", yaml)).getMessage();
  }

  static String checked(String yaml) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse("gateway.yaml", yaml).network().check()).getMessage();
  }
}
