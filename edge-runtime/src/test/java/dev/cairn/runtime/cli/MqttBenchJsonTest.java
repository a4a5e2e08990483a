package dev.cairn.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.bench.SaxpyJobs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MqttBenchJsonTest {
  static final List<String> SERVERS = List.of("cairn", "decoding-echo", "durable-echo", "mosquitto-relay", "bare-vertx");

  @TempDir
  Path dir;

  @Test
  void writesEveryServersRowsAndCairnsPacedRowsWithTheNamedFields() throws Exception {
    MqttBench bench = new MqttBench();
    bench.rounds = 1;
    bench.seconds = 3;
    bench.peak = 8000;
    Map<String, Map<String, MqttBench.Result>> results = new LinkedHashMap<>();
    for (String server : SERVERS) {
      Map<String, MqttBench.Result> byLoad = new LinkedHashMap<>();
      for (MqttBench.Load l : MqttBench.LOADS) {
        byLoad.put(l.name(), new MqttBench.Result(1000, 1500, 4000, 9000));
      }
      results.put(server, byLoad);
    }
    results.get("mosquitto-relay").put("QoS 1, 1000 devices x 1", MqttBench.Result.failed("412 of 1000 devices connected, then one could not"));
    for (double f : MqttBench.PACED_FRACTIONS) {
      bench.paced.add(new MqttBench.Paced(f, 8000 * f, new MqttBench.Result(8000 * f, 500, 2500, 3000)));
    }

    List<MqttInputsBench.Figures> inputs = List.of(
        new MqttInputsBench.Figures(SaxpyJobs.Inputs.JSON, 1445, new MqttBench.Result(9000, 1000, 3000, 4000), 120),
        new MqttInputsBench.Figures(SaxpyJobs.Inputs.CBOR, 2100, MqttBench.Result.failed("cairn did not start"), Double.NaN));

    JsonNode doc = new ObjectMapper().readTree(MqttBenchJson.write(dir.resolve("bench-mqtt.json"), bench, results, inputs).toFile());

    JsonNode rows = doc.path("rows");
    assertEquals(SERVERS.size() * MqttBench.LOADS.size(), rows.size());
    List<String> servers = new ArrayList<>();
    JsonNode failed = null;
    for (JsonNode row : rows) {
      boolean ok = !row.has("error");
      for (String field : List.of("server", "qos", "window", "devices", "jobsPerSecond", "p50Ms", "p99Ms", "p999Ms")) {
        assertEquals(ok || List.of("server", "qos", "window", "devices").contains(field), row.has(field), field + " in " + row);
      }
      if (!ok) {
        failed = row;
      }
      if (!servers.contains(row.path("server").asText())) {
        servers.add(row.path("server").asText());
      }
    }
    assertEquals(SERVERS, servers);
    assertEquals("mosquitto-relay", failed.path("server").asText());
    assertEquals(1000, failed.path("devices").asInt());
    assertEquals("412 of 1000 devices connected, then one could not", failed.path("error").asText());
    JsonNode first = rows.get(0);
    assertEquals(0, first.path("qos").asInt());
    assertEquals(1, first.path("window").asInt());
    assertEquals(4, first.path("devices").asInt());
    assertEquals(1000, first.path("jobsPerSecond").asDouble());
    assertEquals(1.5, first.path("p50Ms").asDouble());
    assertEquals(9.0, first.path("p999Ms").asDouble());
    assertEquals(1000, rows.get(MqttBench.LOADS.size() - 1).path("devices").asInt());
    JsonNode paced = doc.path("paced");
    assertEquals(3, paced.size());
    for (int i = 0; i < 3; i++) {
      JsonNode p = paced.get(i);
      assertEquals("cairn", p.path("server").asText());
      assertEquals(MqttBench.PACED_FRACTIONS.get(i), p.path("fraction").asDouble());
      for (String field : List.of("jobsPerSecond", "p50Ms", "p99Ms", "p999Ms")) {
        assertTrue(p.has(field), field + " in " + p);
      }
    }
    assertEquals(2.5, paced.get(0).path("p99Ms").asDouble());
    JsonNode typed = doc.path("inputs");
    assertEquals("json", typed.get(0).path("inputs").asText());
    assertEquals(1445, typed.get(0).path("requestBytes").asInt());
    assertEquals(120, typed.get(0).path("gatewayCpuMicrosPerJob").asDouble());
    assertEquals(16, typed.get(0).path("window").asInt());
    assertEquals("cbor", typed.get(1).path("inputs").asText());
    assertEquals("cairn did not start", typed.get(1).path("error").asText());
    assertTrue(!typed.get(1).has("jobsPerSecond") && !typed.get(1).has("gatewayCpuMicrosPerJob"), typed.get(1).toString());
  }
}
