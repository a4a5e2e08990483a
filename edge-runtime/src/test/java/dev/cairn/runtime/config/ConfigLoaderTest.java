package dev.cairn.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @Test
  void embeddedDefaultsMatchTheDesign() {
    GatewayConfig c = ConfigLoader.defaults();
    assertEquals(1883, c.mqttOptions().port());
    assertEquals("0.0.0.0", c.mqttOptions().host());
    assertEquals("cairn", c.mqttOptions().topicPrefix());
    assertEquals("127.0.0.1", c.admin().host());
    assertEquals(8080, c.admin().port());
    assertEquals("jvm", c.backend());
    assertEquals(java.util.List.of("local"), c.anchor().sinks());
    assertEquals(Path.of("./cairn-data"), c.dataDir());
    assertEquals(1024 * 1024, c.schedulerOptions().maxPayloadBytes());
    assertEquals(1000, c.anchorOptions().batchMaxLeaves());
    assertEquals(1000, c.anchorOptions().batchMaxDelayMs());
  }

  @Test
  void readsEverySectionOfAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("gateway.yaml");
    Files.writeString(file, """
        gatewayId: gw-7
        dataDir: /var/lib/cairn
        mqtt:
          port: 11883
          topicPrefix: site/cairn
        admin:
          port: 18080
        limits:
          maxPayloadBytes: 65536
          maxInFlightPerDevice: 8
        batch:
          maxLeaves: 10
          maxDelayMs: 250
        """);
    GatewayConfig c = ConfigLoader.load(file);
    assertEquals("gw-7", c.gatewayId());
    assertEquals(11883, c.mqttOptions().port());
    assertEquals("site/cairn", c.mqttOptions().topicPrefix());
    assertEquals(18080, c.admin().port());
    assertEquals(65536, c.schedulerOptions().maxPayloadBytes());
    assertEquals(8, c.schedulerOptions().maxInFlightPerDevice());
    assertEquals(10, c.anchorOptions().batchMaxLeaves());
    assertEquals(250, c.anchorOptions().batchMaxDelayMs());
    assertEquals(Path.of("/var/lib/cairn"), c.dataDir());
  }

  @Test
  void unknownSettingIsNamedWithFileLineAndAllowedNames() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("gateway.yaml", """
        mqtt:
          port: 1883
          prot: 1884
        """));
    assertTrue(e.getMessage().startsWith("gateway.yaml:3:"), e.getMessage());
    assertTrue(e.getMessage().contains("unknown setting 'mqtt.prot'"), e.getMessage());
    assertTrue(e.getMessage().contains("port"), e.getMessage());
  }

  @Test
  void outOfRangePortIsNamedWithFileLineAndAllowedRange() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("gw.yaml", """
        admin:
          port: 70000
        """));
    assertTrue(e.getMessage().startsWith("gw.yaml:2:"), e.getMessage());
    assertTrue(e.getMessage().contains("'admin.port'"), e.getMessage());
    assertTrue(e.getMessage().contains("0 to 65535"), e.getMessage());
  }

  @Test
  void wrongTypeIsRefused() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("gw.yaml", """
        limits:
          queueCapacity: lots
        """));
    assertTrue(e.getMessage().startsWith("gw.yaml:2:"), e.getMessage());
    assertTrue(e.getMessage().contains("'limits.queueCapacity'"), e.getMessage());
  }

  @Test
  void unknownBackendAndSinkListWhatIsAllowed() {
    ConfigException backend = assertThrows(ConfigException.class, () -> ConfigLoader.parse("gw.yaml", "backend: gpu\n"));
    assertTrue(backend.getMessage().contains("must be one of [auto, jvm, tornado]"), backend.getMessage());
    ConfigException sink = assertThrows(ConfigException.class, () -> ConfigLoader.parse("gw.yaml", "anchor:\n  sinks: [local, moon]\n"));
    assertTrue(sink.getMessage().contains("'moon' is not a sink"), sink.getMessage());
  }

  @Test
  void brokenYamlSaysWhere() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("gw.yaml", "mqtt: [\n"));
    assertTrue(e.getMessage().startsWith("gw.yaml"), e.getMessage());
  }

  @Test
  void missingFileIsNamed(@TempDir Path dir) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml")));
    assertTrue(e.getMessage().contains("nope.yaml: no such file"), e.getMessage());
  }

  @Test
  void emptyFileMeansDefaults() {
    assertEquals(1883, ConfigLoader.parse("gw.yaml", "\n").mqttOptions().port());
  }
}
