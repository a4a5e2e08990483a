package dev.cairn.runtime.cli;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code mqtt} section of {@code docs/BENCHMARKS.md} and its plots: every server's rows, Cairn
 * against each of them, and Cairn's footprint against the aims.
 */
final class MqttReport {
  private final MqttBench bench;

  MqttReport(MqttBench bench) {
    this.bench = bench;
  }

  /** @param results server to (load name to its medians), Cairn first */
  String markdown(Map<String, Map<String, MqttBench.Result>> results, MqttFootprint f, Map<String, String> notes, String more) {
    StringBuilder md = new StringBuilder("## MQTT jobs and footprint (`cairn bench mqtt`)\n\n");
    md.append("Conditions: ").append(BenchReport.conditions()).append(". Every server and the load generator are separate\n")
        .append("processes on loopback; the load generator (Vert.x MQTT clients, MQTT 3.1.1) sends `vector.saxpy` on 256 floats\n")
        .append("(about 1.4 KB of JSON) to `cairn/{device}/jobs` and waits for the result on `cairn/{device}/results`. Windows are\n")
        .append("jobs in flight per device, 4 devices unless said; ").append(bench.seconds).append(" s or ").append(bench.jobs)
        .append(" jobs per run, medians of ").append(bench.rounds).append(" runs. Servers:\n\n")
        .append("- `cairn`: `java -jar cairn.jar run`, durable receipts: each result waits for its leaf's fsync;\n")
        .append("- `decoding-echo` (a floor): a Vert.x MQTT server that decodes each JobRequest with Cairn's codec, appends the\n")
        .append("  payload to a file and answers, after one `fdatasync` per group, a JobResult of the size Cairn's is (output `y`,\n")
        .append("  leaf hash, salt) encoded by the same codec: no kernel, no leaf, no scheduler;\n")
        .append("- `durable-echo` (a floor): the same durable append and group `fdatasync`, answering with the request's bytes, no decoding;\n")
        .append("- `mosquitto-relay`: Mosquitto relaying each request to a minimal responder client and its reply back;\n")
        .append("- `bare-vertx`: a bare Vert.x MQTT server answering each request itself with no work and no write.\n\n")
        .append("For the held connections, Cairn's mqtt.maxConnectionsPerAddress is raised above their number (they all come\n")
        .append("from 127.0.0.1).\n\n");
    notes.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    Map<String, MqttBench.Result> cairn = results.get(MqttBench.CAIRN);
    md.append("\n| load | server | jobs/s | p50 ms | p99 ms | p99.9 ms | cairn / server |\n|---|---|---|---|---|---|---|\n");
    for (MqttBench.Load l : MqttBench.LOADS) {
      for (var e : results.entrySet()) {
        MqttBench.Result r = e.getValue().get(l.name());
        MqttBench.Result c = cairn.get(l.name());
        md.append("| ").append(l.name()).append(" | ").append(e.getKey()).append(" | ").append(figures(r))
            .append(r.ok() && c.ok() ? String.format(Locale.ROOT, " %.2f |", c.rate() / r.rate()) : " - |").append('\n');
      }
    }
    md.append(String.format(Locale.ROOT, "%nCairn paced at fractions of its peak, %.0f jobs/s (its highest QoS 1 rate above), after the heavy runs"
        + " in the same process: 4 devices, QoS 1, at most 256 in flight each.%n%n", bench.peak));
    md.append("| fraction of peak | asked jobs/s | jobs/s | p50 ms | p99 ms | p99.9 ms |\n|---|---|---|---|---|---|\n");
    for (MqttBench.Paced p : bench.paced) {
      md.append(String.format(Locale.ROOT, "| %.2f | %.0f | ", p.fraction(), p.targetRate())).append(figures(p.result())).append('\n');
    }
    md.append("\n### Against the aims\n\n");
    for (String l : List.of("QoS 1, window 1", "QoS 1, window 16", "QoS 1, window 256", "QoS 1, 1000 devices x 1")) {
      md.append("- ").append(l).append(": Cairn / ");
      md.append(ratio(results, MqttBench.DECODING_ECHO, l, 0.8)).append("; / ").append(ratio(results, MqttBench.DURABLE_ECHO, l, 0))
          .append("; / ").append(ratio(results, MqttBench.MOSQUITTO_RELAY, l, 1.0)).append("; / ")
          .append(ratio(results, MqttBench.BARE_VERTX, l, 0)).append('\n');
    }
    MqttBench.Paced half = bench.paced.stream().filter(p -> p.fraction() == 0.5).findFirst().orElseThrow();
    md.append(half.result().ok()
        ? String.format(Locale.ROOT, "- p99 at half the peak (paced at %.0f jobs/s, %.0f achieved): %.2f ms (aim under 5 ms)%s%n",
            half.targetRate(), half.result().rate(), half.result().p99() / 1000, half.result().p99() / 1000 < 5 ? "" : ", above")
        : "- p99 at half the peak: not measured, the paced load failed: " + cell(half.result().error()) + "\n");
    double ready = BenchReport.median(f.startToReadyMs);
    md.append(String.format(Locale.ROOT, "- start to ready (process start to the ready log line, median of %d): %.0f ms (aim under 1000 ms)%s%n",
        f.startToReadyMs.length, ready, ready < 1000 ? "" : ", above"));
    md.append(String.format(Locale.ROOT, "- resident memory, embedded defaults: idle %.1f MB (aim under 96 MB)%s; peak under the loads above %.1f MB%n",
        f.idleMb, f.idleMb < 96 ? "" : ", above", f.underLoad));
    md.append(String.format(Locale.ROOT, "- %d MQTT connections held: %.1f MB resident (%.1f MB before): %.1f KB per connection%n",
        f.held, f.heldMb, f.heldIdleMb, (f.heldMb - f.heldIdleMb) * 1024 / Math.max(1, f.held)));
    md.append(more);
    md.append("\n![MQTT jobs per second](bench-mqtt-throughput.png)\n\n![MQTT p99 latency](bench-mqtt-p99.png)\n");
    return md.toString();
  }

  /** A row's jobs/s, p50, p99 and p99.9 cells, or the failure across them. */
  private static String figures(MqttBench.Result r) {
    return r.ok() ? String.format(Locale.ROOT, "%.0f | %.2f | %.2f | %.2f |", r.rate(), r.p50() / 1000, r.p99() / 1000, r.p999() / 1000)
        : "failed: " + cell(r.error()) + " | - | - | - |";
  }

  /** Text fit for one table cell: one line, no column breaks, at most 300 characters. */
  static String cell(String text) {
    String one = text.replaceAll("\\s+", " ").replace("|", "\\|").strip();
    return one.length() <= 300 ? one : one.substring(0, 297) + "...";
  }

  /** "server 0.62 (aim 0.8), below", or "server not measured" when either row failed. */
  private static String ratio(Map<String, Map<String, MqttBench.Result>> results, String server, String load, double aim) {
    MqttBench.Result of = results.get(server).get(load);
    MqttBench.Result cairn = results.get(MqttBench.CAIRN).get(load);
    if (!of.ok() || !cairn.ok()) {
      return server + " not measured (" + (cairn.ok() ? server : MqttBench.CAIRN) + " failed)";
    }
    double r = cairn.rate() / of.rate();
    return String.format(Locale.ROOT, "%s %.2f", server, r) + (aim == 0 ? "" : String.format(Locale.ROOT, " (aim %.1f)", aim)
        + (r >= aim ? "" : ", below"));
  }

  /** Jobs per second and p99 of every server, load by load. */
  void plots(Map<String, Map<String, MqttBench.Result>> results) throws IOException {
    Map<String, Map<String, Double>> rates = new LinkedHashMap<>();
    Map<String, Map<String, Double>> p99s = new LinkedHashMap<>();
    results.forEach((server, byLoad) -> byLoad.forEach((load, r) -> {
      rates.computeIfAbsent(server, k -> new LinkedHashMap<>()).put(load, r.rate());
      p99s.computeIfAbsent(server, k -> new LinkedHashMap<>()).put(load, r.p99() / 1000);
    }));
    List<String> loads = MqttBench.LOADS.stream().map(MqttBench.Load::name).toList();
    BenchReport.barChart(bench.docs.resolve("bench-mqtt-throughput.png"), "MQTT jobs per second (higher is better)", "jobs/s", loads, rates);
    BenchReport.barChart(bench.docs.resolve("bench-mqtt-p99.png"), "MQTT p99 latency (lower is better)", "ms", loads, p99s);
  }
}
