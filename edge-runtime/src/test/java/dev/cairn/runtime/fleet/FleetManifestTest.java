package dev.cairn.runtime.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Fleet manifests: the example in deploy/, resolution per gateway, and every error with its line. */
class FleetManifestTest {
  static final Path EXAMPLE = Path.of("..", "deploy", "fleet.example.yaml");

  @Test
  void theDocumentedExampleIsValidAndResolvesPerGateway() {
    FleetManifest m = FleetManifest.load(EXAMPLE);
    assertEquals("plant-7", m.name());
    assertEquals(3, m.version());
    assertEquals(List.of("gw-north-1", "gw-north-2", "gw-south-1"), m.gatewayIds());
    JsonNode north = m.resolve("gw-north-1");
    assertEquals(500, north.path("batch").path("maxLeaves").asInt(), "the label override");
    assertEquals(1000, north.path("batch").path("maxDelayMs").asInt(), "mappings merge: the default stays");
    assertEquals(4, north.path("kernels").size());
    assertEquals(50, north.path("acl").path("default").path("jobsPerSecond").asInt(), "the acl's default stays beside the override's devices");
    assertEquals(5, north.path("acl").path("devices").path("press-12").path("jobsPerSecond").asInt());
    assertEquals("jvm", north.path("backend").asText());
    assertEquals("gw-north-1", north.path("gatewayId").asText());
    JsonNode south = m.resolve("gw-south-1");
    assertEquals("auto", south.path("backend").asText(), "the id override");
    assertEquals(8192, south.path("limits").path("queueCapacity").asInt());
    assertEquals(64, south.path("limits").path("maxInFlightPerDevice").asInt());
    assertTrue(south.path("kernels").isMissingNode(), "north's override does not reach south");
    assertTrue(south.path("acl").path("devices").isMissingNode());
    assertEquals(m.resolve("gw-north-1").without("gatewayId"), m.resolve("gw-north-2").without("gatewayId"));
  }

  @Test
  void everyErrorIsListedWithItsLineAndSetting() {
    String text = """
        apiVersion: cairn.dev/v1
        kind: Fleet
        metadata: {name: f, version: 0}
        colour: blue
        defaults:
          limits:
            queueCapacity: lots
        gateways:
          - {id: a, labels: {site: x}}
          - {id: a}
        overrides:
          - selector: {id: nobody}
            settings: {batch: {maxLeaves: 5}}
          - selector: {labels: {site: x}}
            settings:
              mqtt: {prot: 1884}
        """;
    FleetManifestException e = assertThrows(FleetManifestException.class, () -> FleetManifest.parse("fleet.yaml", text));
    List<String> errors = e.errors();
    assertTrue(has(errors, "fleet.yaml:7:", "limits.queueCapacity", "whole number"), errors.toString());
    assertTrue(has(errors, "fleet.yaml:16:", "overrides[1].settings.mqtt.prot", "allowed here"), errors.toString());
    assertTrue(has(errors, "fleet.yaml:4:", "unknown field 'colour'"), errors.toString());
    assertTrue(has(errors, "fleet.yaml:3:", "metadata.version", "from 1 up"), errors.toString());
    assertTrue(has(errors, "fleet.yaml:10:", "listed twice"), errors.toString());
    assertTrue(has(errors, "fleet.yaml:12:", "'nobody'", "not in gateways"), errors.toString());
    assertEquals(6, errors.size(), errors.toString());
  }

  @Test
  void severalErrorsInOneBlockAreAllListed() {
    FleetManifestException e = assertThrows(FleetManifestException.class, () -> FleetManifest.parse("f.yaml", """
        apiVersion: cairn.dev/v1
        kind: Fleet
        metadata: {name: f, version: 1}
        defaults:
          backend: gpu
          mqtt: {prot: 1, port: 70000}
          batch: {maxLeaves: 0}
        gateways: [{id: a}]
        overrides:
          - selector: {id: a}
            settings:
              limits: {queueCapacity: lots, workerThreads: -1}
        """));
    List<String> errors = e.errors();
    assertTrue(has(errors, "f.yaml:5:", "backend"), errors.toString());
    assertTrue(has(errors, "f.yaml:6:", "mqtt.prot"), errors.toString());
    assertTrue(has(errors, "f.yaml:6:", "mqtt.port"), errors.toString());
    assertTrue(has(errors, "f.yaml:7:", "batch.maxLeaves"), errors.toString());
    assertTrue(has(errors, "f.yaml:12:", "overrides[0].settings.limits.queueCapacity"), errors.toString());
    assertTrue(has(errors, "f.yaml:12:", "overrides[0].settings.limits.workerThreads"), errors.toString());
    assertEquals(6, errors.size(), errors.toString());
  }

  @Test
  void wrongKindVersionAndAGatewayIdSettingAreRefused() {
    FleetManifestException e = assertThrows(FleetManifestException.class, () -> FleetManifest.parse("f.yaml", """
        apiVersion: cairn.dev/v2
        kind: Fleets
        metadata: {name: f, version: 1}
        defaults: {gatewayId: everyone}
        gateways: [{id: a}]
        """));
    assertTrue(has(e.errors(), "apiVersion must be cairn.dev/v1"), e.errors().toString());
    assertTrue(has(e.errors(), "kind must be Fleet"), e.errors().toString());
    assertTrue(has(e.errors(), "f.yaml:4:", "defaults.gatewayId is not a fleet setting"), e.errors().toString());
  }

  @Test
  void aSettingThatOnlyFailsInCombinationIsReportedForItsGateway() {
    FleetManifestException e = assertThrows(FleetManifestException.class, () -> FleetManifest.parse("f.yaml", """
        apiVersion: cairn.dev/v1
        kind: Fleet
        metadata: {name: f, version: 1}
        gateways: [{id: a}]
        overrides:
          - selector: {id: a}
            settings: {kernels: [vector.saxpy, no.such.kernel]}
        """));
    assertTrue(has(e.errors(), "f.yaml:7:", "no.such.kernel", "not installed"), e.errors().toString());
  }

  /** The schema in deploy/ lists exactly the settings the gateway reads, section by section. */
  @Test
  void theSchemaNamesEverySettingTheGatewayReads() throws Exception {
    JsonNode schema = new ObjectMapper().readTree(Path.of("..", "deploy", "fleet.schema.json").toFile());
    JsonNode settings = schema.path("$defs").path("settings").path("properties");
    Set<String> top = names(settings);
    assertEquals(new TreeSet<>(List.of("dataDir", "backend", "kernels", "mqtt", "coap", "admin", "limits", "acl", "jvm", "batch", "anchor", "metering", "metrics", "results", "network")), top);
    // Each section's fields as the gateway accepts them: a field the schema names must load, one it does not must fail.
    for (String section : List.of("mqtt", "admin", "limits", "batch", "jvm", "metering", "metrics")) {
      JsonNode fields = settings.path(section).path("properties");
      for (String field : names(fields)) {
        String yaml = section + ": {" + field + ": " + sample(fields.path(field), schema) + "}\n";
        dev.cairn.runtime.config.ConfigLoader.parse("schema", yaml);
      }
    }
    assertEquals(Set.of("default", "devices"), names(settings.path("acl").path("properties")));
    for (String field : names(schema.path("$defs").path("aclEntry").path("properties"))) {
      String value = field.equals("kernels") ? "[vector.saxpy]" : "4096";
      dev.cairn.runtime.config.ConfigLoader.parse("schema", "acl: {default: {" + field + ": " + value + "}, devices: {d1: {" + field + ": " + value + "}}}\n");
    }
    assertFalse(schema.path("properties").path("gateways").isMissingNode());
  }

  /** A value the schema allows for a field, in YAML: its first enum value, a number at least its minimum, ... */
  static String sample(JsonNode field, JsonNode schema) {
    if (field.has("$ref")) {
      field = schema.at(field.path("$ref").asText().substring(1));
    }
    if (field.has("enum")) {
      return field.path("enum").get(0).asText();
    }
    if (field.has("examples")) {
      return "\"" + field.path("examples").get(0).asText() + "\"";
    }
    return switch (field.path("type").asText()) {
      case "boolean" -> "true";
      case "integer" -> String.valueOf(Math.max(field.path("minimum").asLong(0), Math.min(4096, field.path("maximum").asLong(4096))));
      case "object" -> {
        StringBuilder o = new StringBuilder("{");
        for (String f : names(field.path("properties"))) {
          o.append(o.length() > 1 ? ", " : "").append(f).append(": ").append(sample(field.path("properties").path(f), schema));
        }
        yield o.append('}').toString();
      }
      default -> "x";
    };
  }

  static Set<String> names(JsonNode object) {
    Set<String> out = new TreeSet<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }

  static boolean has(List<String> errors, String... parts) {
    List<String> matching = new ArrayList<>(errors);
    matching.removeIf(err -> {
      for (String p : parts) {
        if (!err.contains(p)) {
          return true;
        }
      }
      return false;
    });
    return !matching.isEmpty();
  }
}
