package dev.cairn.runtime.cli;

import dev.cairn.runtime.bench.ThreadUse;
import dev.cairn.runtime.bench.UsageDay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cost of a default-on part of the gateway on the MQTT job path: the same loads against a gateway
 * with it on and one with it off ({@code offYaml}), rounds alternating between them in the same run. For
 * usage metering also the size of a day of statements for 1,000 devices.
 */
final class OnOffBench {
  static final List<MqttBench.Load> LOADS = List.of(MqttBench.LOADS.get(3), MqttBench.LOADS.get(4), MqttBench.LOADS.get(6));

  private final MqttBench bench;
  private final String part;
  private final String offYaml;

  /** @param part {@code metering} or {@code metrics}: the section whose {@code enabled: false} is the reference */
  OnOffBench(MqttBench bench, String part) {
    this.bench = bench;
    this.part = part;
    this.offYaml = part + ": {enabled: false}\n";
  }

  String measure() throws Exception {
    Path off = bench.work.resolve(part + "-off.yaml");
    Files.writeString(off, offYaml + "mqtt: {maxConnectionsPerAddress: 2000}\n");
    Path on = bench.work.resolve(part + "-on.yaml");
    Files.writeString(on, "mqtt: {maxConnectionsPerAddress: 2000}\n");
    // A twin of the reference (same settings, its own process) measures what the bench itself makes of two
    // equal gateways: a ratio on/off is only as good as twin/off is close to 1.
    List<Path> configs = List.of(on, off, off);
    int[] ports = new int[configs.size()];
    List<MqttBench.Proc> procs = new ArrayList<>();
    for (int g = 0; g < configs.size(); g++) {
      ports[g] = MqttBench.freePort();
      procs.addAll(bench.startCairn(ports[g], List.of("--config", configs.get(g).toString())));
    }
    Map<String, MqttBench.Result[]> results = new LinkedHashMap<>();
    Map<String, double[]> cpu = new LinkedHashMap<>();
    try {
      for (int g = 0; g < configs.size(); g++) {
        bench.load(ports[g], new MqttBench.Load("warm-up", 4, 16, 1), part + "-warm-" + NAMES[g]);
      }
      for (MqttBench.Load l : LOADS) {
        List<List<MqttBench.Result>> runs = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        double[][] cpus = new double[configs.size()][bench.rounds];
        for (int r = 0; r < bench.rounds; r++) {
          // Which gateway goes first rotates, so a drift in the machine's speed within a round does not
          // always favour the same one.
          for (int k = 0; k < configs.size(); k++) {
            int g = (r + k) % configs.size();
            String tag = l.clients() + "-" + l.window() + "-" + r;
            cpus[g][r] = measured(procs.get(g), ports[g], l, part + "-" + NAMES[g] + "-" + tag, runs.get(g));
          }
        }
        MqttBench.Result[] medians = new MqttBench.Result[configs.size()];
        double[] c = new double[configs.size()];
        for (int g = 0; g < configs.size(); g++) {
          medians[g] = MqttBench.Result.medianOf(runs.get(g));
          c[g] = BenchReport.median(cpus[g]);
        }
        results.put(l.name(), medians);
        cpu.put(l.name(), c);
        System.out.printf(Locale.ROOT, part + " on/off %-26s %9.0f / %9.0f jobs/s = %.2f (twin/off %.2f)  p99 %.2f / %.2f ms"
                + "  gateway CPU %.0f / %.0f us per job (twin %.0f)%n", l.name(), medians[0].rate(), medians[1].rate(),
            medians[0].rate() / medians[1].rate(), medians[2].rate() / medians[1].rate(), medians[0].p99() / 1000,
            medians[1].p99() / 1000, c[0], c[1], c[2]);
      }
    } finally {
      for (MqttBench.Proc p : procs) {
        p.stop();
      }
    }
    if (!part.equals("metering")) {
      return markdown(results, cpu, null);
    }
    UsageDay.Figures day = UsageDay.measure(1000, Files.createTempDirectory(bench.work, "usage-day"));
    System.out.printf(Locale.ROOT, "a day of statements for %d devices: %d statements, %.1f MB of JSON, usage.db %.1f MB%n",
        day.devices(), day.statements(), day.jsonBytes() / 1e6, day.usageDbBytes() / 1e6);
    return markdown(results, cpu, day);
  }

  private static final String[] NAMES = {"on", "off", "twin"};

  /**
   * Runs one load against the gateway {@code gw} and adds its result to {@code into}; returns the gateway's
   * CPU time (user and system, all its threads) per job done, in microseconds, connection set-up included.
   */
  private double measured(MqttBench.Proc gw, int port, MqttBench.Load l, String prefix, List<MqttBench.Result> into)
      throws Exception {
    double before = ThreadUse.processCpuSeconds(gw.process().pid());
    MqttBench.Result r = bench.load(port, l, prefix);
    double after = ThreadUse.processCpuSeconds(gw.process().pid());
    into.add(r);
    double jobs = r.jobs() > 0 ? r.jobs() : Math.min(r.rate() * bench.seconds, bench.jobs); // the load's own count when it gave one
    return jobs > 0 ? (after - before) * 1e6 / jobs : Double.NaN;
  }

  private String markdown(Map<String, MqttBench.Result[]> results, Map<String, double[]> cpu, UsageDay.Figures day) {
    StringBuilder md = new StringBuilder(part.equals("metering")
        ? "### Usage metering on the job path\n\nTwo gateways in the same run, one with metering on (the default: every job's"
            + " usage summed per device for\nits statements, quotas checked) and one with `metering.enabled: false`. Both"
            + " journal the same leaves (the metering keys are in every leaf).\n"
        : "### Metrics on the job path\n\nTwo gateways in the same run, one with metrics on (the default: every job counted"
            + " and timed in Micrometer's\nregistry) and one with `metrics.enabled: false`; nothing scrapes either.\n")
        .append("A third gateway, a twin of the one with it off, shows how far apart the bench puts two equal gateways"
            + " (twin / off). Rounds run each gateway in turn (which one goes first rotates), medians of ").append(bench.rounds)
        .append(". Gateway CPU is the gateway process's user and system time per job (all threads, connection set-up"
            + " included), read from /proc and divided by the jobs the load generator counted: it moves less than jobs/s with what else the machine runs.\n\n")
        .append("| load | on jobs/s | off jobs/s | on / off | twin / off | on p99 ms | off p99 ms | on CPU µs/job | off CPU µs/job"
            + " | CPU on / off | CPU twin / off |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    results.forEach((load, r) -> {
      double[] c = cpu.get(load);
      md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f |%n", load,
          r[0].rate(), r[1].rate(), r[0].rate() / r[1].rate(), r[2].rate() / r[1].rate(), r[0].p99() / 1000, r[1].p99() / 1000,
          c[0], c[1], c[0] / c[1], c[2] / c[1]));
    });
    if (day == null) {
      return md.toString();
    }
    md.append(String.format(Locale.ROOT, "%nA day of statements for %d devices (two kernels each, epochs of an hour, sealed by the gateway's "
            + "sealer into a real journal): %d statements, %.0f bytes of signed body and %.0f bytes of JSON each on average "
            + "(without receipts), %.1f MB of JSON a day; usage.db %.1f MB, the journal %.1f MB more for their leaves; "
            + "sealing an epoch's %d statements took %.0f ms.%n",
        day.devices(), day.statements(), (double) day.bodyBytes() / day.statements(), (double) day.jsonBytes() / day.statements(),
        day.jsonBytes() / 1e6, day.usageDbBytes() / 1e6, day.journalBytes() / 1e6, day.devices(), day.sealMsPerEpoch()));
    return md.toString();
  }
}
