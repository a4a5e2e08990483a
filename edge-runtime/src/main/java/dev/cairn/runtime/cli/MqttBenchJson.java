package dev.cairn.runtime.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code bench-mqtt.json}, beside {@code BENCHMARKS.md}: the figures of the mqtt section for programs.
 * {@code rows}: one per server and load, {@code {server, qos, window, devices, jobsPerSecond, p50Ms,
 * p99Ms, p999Ms}}; {@code paced}: Cairn at fractions of its peak, {@code {server, fraction,
 * jobsPerSecond, p50Ms, p99Ms, p999Ms}} (and the rate asked, {@code targetJobsPerSecond}).
 */
final class MqttBenchJson {
  static final String FILE = "bench-mqtt.json";

  private MqttBenchJson() {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Row(String server, String load, int qos, int window, int devices, Double jobsPerSecond, Double p50Ms, Double p99Ms,
      Double p999Ms) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record PacedRow(String server, double fraction, double targetJobsPerSecond, Double jobsPerSecond, Double p50Ms, Double p99Ms,
      Double p999Ms) {}

  record Document(String conditions, int rounds, int seconds, double peakJobsPerSecond, List<Row> rows, List<PacedRow> paced) {}

  /** Writes the file at {@code file}; returns it. */
  static Path write(Path file, MqttBench bench, Map<String, Map<String, MqttBench.Result>> results) throws IOException {
    List<Row> rows = new ArrayList<>();
    results.forEach((server, byLoad) -> {
      for (MqttBench.Load l : MqttBench.LOADS) {
        MqttBench.Result r = byLoad.get(l.name());
        rows.add(new Row(server, l.name(), l.qos(), l.window(), l.clients(), r.rate(), ms(r.p50()), ms(r.p99()), ms(r.p999())));
      }
    });
    List<PacedRow> paced = new ArrayList<>();
    for (MqttBench.Paced p : bench.paced) {
      MqttBench.Result r = p.result();
      paced.add(new PacedRow(MqttBench.CAIRN, p.fraction(), p.targetRate(), r.rate(), ms(r.p50()), ms(r.p99()), ms(r.p999())));
    }
    Document doc = new Document(BenchReport.conditions(), bench.rounds, bench.seconds, bench.peak, rows, paced);
    Files.createDirectories(file.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
    return file;
  }

  private static Double ms(double micros) {
    return micros / 1000;
  }
}
