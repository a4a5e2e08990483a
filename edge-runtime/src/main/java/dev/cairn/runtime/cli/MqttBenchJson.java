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
 * jobsPerSecond, p50Ms, p99Ms, p999Ms}} (and the rate asked, {@code targetJobsPerSecond}). A row whose load
 * failed has {@code error}, saying why, in place of its figures. {@code inputs}: Cairn with the job's inputs in
 * each encoding ({@code json}, {@code json-floats}, {@code base64}, {@code cbor}), with the gateway's CPU per job.
 */
final class MqttBenchJson {
  static final String FILE = "bench-mqtt.json";

  private MqttBenchJson() {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Row(String server, String load, int qos, int window, int devices, Double jobsPerSecond, Double p50Ms, Double p99Ms,
      Double p999Ms, String error) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record PacedRow(String server, double fraction, double targetJobsPerSecond, Double jobsPerSecond, Double p50Ms, Double p99Ms,
      Double p999Ms, String error) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record InputsRow(String server, String inputs, int requestBytes, int qos, int window, int devices, Double jobsPerSecond, Double p50Ms,
      Double p99Ms, Double p999Ms, Double gatewayCpuMicrosPerJob, String error) {}

  record Document(String conditions, int rounds, int seconds, double peakJobsPerSecond, List<Row> rows, List<PacedRow> paced,
      List<InputsRow> inputs) {}

  /** Writes the file at {@code file}; returns it. */
  static Path write(Path file, MqttBench bench, Map<String, Map<String, MqttBench.Result>> results,
      List<MqttInputsBench.Figures> inputs) throws IOException {
    List<Row> rows = new ArrayList<>();
    results.forEach((server, byLoad) -> {
      for (MqttBench.Load l : MqttBench.LOADS) {
        MqttBench.Result r = byLoad.get(l.name());
        rows.add(new Row(server, l.name(), l.qos(), l.window(), l.clients(), rate(r), ms(r, r.p50()), ms(r, r.p99()), ms(r, r.p999()),
            r.error()));
      }
    });
    List<PacedRow> paced = new ArrayList<>();
    for (MqttBench.Paced p : bench.paced) {
      MqttBench.Result r = p.result();
      paced.add(new PacedRow(MqttBench.CAIRN, p.fraction(), p.targetRate(), rate(r), ms(r, r.p50()), ms(r, r.p99()), ms(r, r.p999()),
          r.error()));
    }
    List<InputsRow> typed = new ArrayList<>();
    MqttBench.Load l = MqttInputsBench.LOAD;
    for (MqttInputsBench.Figures f : inputs) {
      MqttBench.Result r = f.result();
      typed.add(new InputsRow(MqttBench.CAIRN, f.inputs().option(), f.requestBytes(), l.qos(), l.window(), l.clients(), rate(r),
          ms(r, r.p50()), ms(r, r.p99()), ms(r, r.p999()), r.ok() ? f.cpuMicrosPerJob() : null, r.error()));
    }
    Document doc = new Document(BenchReport.conditions(), bench.rounds, bench.seconds, bench.peak, rows, paced, typed);
    Files.createDirectories(file.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
    return file;
  }

  /** Jobs/s, or null (left out) when the load failed. */
  private static Double rate(MqttBench.Result r) {
    return r.ok() ? r.rate() : null;
  }

  /** µs as ms, or null (left out) when the load failed. */
  private static Double ms(MqttBench.Result r, double micros) {
    return r.ok() ? micros / 1000 : null;
  }
}
