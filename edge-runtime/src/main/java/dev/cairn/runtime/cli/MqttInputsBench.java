package dev.cairn.runtime.cli;

import dev.cairn.runtime.bench.SaxpyJobs;
import dev.cairn.runtime.bench.ThreadUse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cairn bench mqtt --only inputs}: the same job ({@code vector.saxpy}, 256 floats per input) with its
 * inputs as JSON number arrays, as JSON typed binary ({@code {"dtype":"f32","data":base64}}) and as CBOR
 * typed arrays (RFC 8746), against one gateway in the same run: jobs/s, latency and the gateway process's
 * CPU time per job. Rounds go through the encodings in turn, the first one changing from round to round.
 */
final class MqttInputsBench {
  static final MqttBench.Load LOAD = MqttBench.LOADS.get(4);

  /** One encoding's medians: the load's figures, the gateway's CPU per job and the request's size. */
  record Figures(SaxpyJobs.Inputs inputs, int requestBytes, MqttBench.Result result, double cpuMicrosPerJob) {}

  private final MqttBench bench;

  MqttInputsBench(MqttBench bench) {
    this.bench = bench;
  }

  List<Figures> measure() throws Exception {
    SaxpyJobs.Inputs[] all = SaxpyJobs.Inputs.values();
    Map<SaxpyJobs.Inputs, List<MqttBench.Result>> runs = new LinkedHashMap<>();
    Map<SaxpyJobs.Inputs, double[]> cpu = new LinkedHashMap<>();
    int port = MqttBench.freePort();
    MqttBench.Proc gw = bench.startCairn(port).get(0);
    try {
      for (SaxpyJobs.Inputs i : all) {
        bench.attempt(port, new MqttBench.Load("warm-up", 4, 16, 1), "in-warm-" + i.option(), "--inputs", i.option());
        runs.put(i, new ArrayList<>());
        cpu.put(i, new double[bench.rounds]);
      }
      for (int r = 0; r < bench.rounds; r++) {
        for (int k = 0; k < all.length; k++) {
          SaxpyJobs.Inputs i = all[(k + r) % all.length];
          double before = ThreadUse.processCpuSeconds(gw.process().pid());
          MqttBench.Result result = bench.attempt(port, LOAD, "in-" + i.option() + "-" + r, "--inputs", i.option());
          double after = ThreadUse.processCpuSeconds(gw.process().pid());
          runs.get(i).add(result);
          cpu.get(i)[r] = result.ok() && result.jobs() > 0 ? (after - before) * 1e6 / result.jobs() : Double.NaN;
        }
      }
    } finally {
      gw.stop();
    }
    List<Figures> out = new ArrayList<>();
    for (SaxpyJobs.Inputs i : all) {
      MqttBench.Result m = MqttBench.Result.medianOf(runs.get(i));
      Figures f = new Figures(i, new SaxpyJobs(i).job("in-json-0-0.1").length, m, BenchReport.median(cpu.get(i)));
      out.add(f);
      System.out.printf(Locale.ROOT, "inputs %-12s %5d bytes  %s  gateway CPU %.0f µs/job%n", i.option(), f.requestBytes(), m.line(),
          f.cpuMicrosPerJob());
    }
    return out;
  }

  String markdown(List<Figures> figures) {
    StringBuilder md = new StringBuilder("### Typed binary inputs (`cairn bench mqtt --only inputs`)\n\n");
    md.append("Conditions: ").append(BenchReport.conditions()).append(". One gateway (`java -jar cairn.jar run`, embedded defaults)"
            + " and the load generator in separate processes; the same job, `vector.saxpy` with two inputs of 256 floats, with its"
            + " inputs encoded four ways: JSON number arrays of small whole numbers (the job of the tables above), JSON number"
            + " arrays of floats written with all their digits (as sensor readings are), JSON typed binary"
            + " `{\"dtype\":\"f32\",\"shape\":[256],\"data\":\"<base64>\"}`, and CBOR with each input an RFC 8746 typed array"
            + " (tag 85, float32 little endian). Results come back in the request's format (JSON or CBOR). ")
        .append(LOAD.name()).append(", 4 devices, ").append(bench.seconds).append(" s or ").append(bench.jobs)
        .append(" jobs per run, medians of ").append(bench.rounds).append(" rounds that go through the encodings in turn. Gateway CPU is")
        .append(" the gateway process's user and system time per job, all its threads, from /proc.\n\n")
        .append("| inputs | request bytes | jobs/s | p50 ms | p99 ms | p99.9 ms | gateway CPU µs/job |\n|---|---|---|---|---|---|---|\n");
    for (Figures f : figures) {
      MqttBench.Result r = f.result();
      md.append("| ").append(f.inputs().label().replace("|", "\\|")).append(" | ").append(f.requestBytes()).append(" | ")
          .append(r.ok() ? String.format(Locale.ROOT, "%.0f | %.2f | %.2f | %.2f | %.0f |", r.rate(), r.p50() / 1000, r.p99() / 1000,
              r.p999() / 1000, f.cpuMicrosPerJob()) : "failed: " + MqttReport.cell(r.error()) + " | - | - | - | - |")
          .append('\n');
    }
    return md.toString();
  }
}
