package dev.cairn.runtime.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn bench mqtt}: MQTT job round trips through Cairn against, in the same run and with the
 * same load generator, its floors (a durable echo, and a decoding echo that also decodes the job and
 * encodes a result: {@link dev.cairn.runtime.bench.DurableMqttEcho}), Mosquitto relaying to a minimal
 * responder and a bare Vert.x MQTT server; then
 * Cairn's footprint (start to ready, resident memory idle and under load, 10,000 held connections).
 * Every target and the load generator run as separate processes on loopback.
 */
@Command(name = "mqtt", mixinStandardHelpOptions = true,
    description = "MQTT jobs/s and latency of Cairn vs a durable echo, a decoding echo, a Mosquitto relay and a bare Vert.x server"
        + " (separate processes), Cairn over TLS with"
        + " passwords vs plain (jobs/s, connections/s, memory per connection), and Cairn's footprint. Writes docs/BENCHMARKS.md and plots.")
final class MqttBench implements Callable<Integer> {
  @Option(names = "--rounds", defaultValue = "3", description = "rounds per configuration; medians are reported (default ${DEFAULT-VALUE})")
  int rounds;

  @Option(names = "--seconds", defaultValue = "5", description = "longest load run (default ${DEFAULT-VALUE})")
  int seconds;

  @Option(names = "--jobs", defaultValue = "30000", description = "most jobs per load run (default ${DEFAULT-VALUE})")
  int jobs;

  @Option(names = "--hold", defaultValue = "10000", description = "connections held for the memory-per-connection figure (default ${DEFAULT-VALUE})")
  int hold;

  @Option(names = "--sessions-only", description = "only persistent against clean sessions and the journal bytes per kept result;"
      + " printed, docs left as they are")
  boolean sessionsOnly;

  @Option(names = "--docs", defaultValue = "docs", description = "where BENCHMARKS.md and the plots go (default ${DEFAULT-VALUE})")
  Path docs;

  @Option(names = "--only", paramLabel = "PART",
      description = "run one part only: metering or metrics (that part on against off, same run), or inputs (the same job with"
          + " JSON number arrays, JSON base64 f32 and CBOR typed arrays: jobs/s, latency, gateway CPU per job)")
  String only;

  static final Pattern RESULT = Pattern.compile("jobs=(\\d+) seconds=([\\d.]+) rate=([\\d.]+) p50=(\\d+) p99=(\\d+) p999=(\\d+) max=(\\d+)");

  /**
   * One load run's figures, or the medians of several: jobs/s and latencies in µs; or, when the load
   * failed, why ({@code error}) and NaN figures.
   */
  record Result(double rate, double p50, double p99, double p999, long jobs, String error) {
    Result(double rate, double p50, double p99, double p999) {
      this(rate, p50, p99, p999, 0, null);
    }

    static Result failed(String error) {
      return new Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, error);
    }

    boolean ok() {
      return error == null;
    }

    /** The medians of {@code rs}; failed if any of them failed, with the first one's reason. */
    static Result medianOf(List<Result> rs) {
      for (int i = 0; i < rs.size(); i++) {
        if (!rs.get(i).ok()) {
          return failed(rs.size() == 1 ? rs.get(i).error() : "run " + (i + 1) + " of " + rs.size() + ": " + rs.get(i).error());
        }
      }
      return new Result(median(rs, Result::rate), median(rs, Result::p50), median(rs, Result::p99), median(rs, Result::p999),
          (long) median(rs, Result::jobs), null);
    }

    /** The figures for a console line, or the failure. */
    String line() {
      return ok() ? String.format(Locale.ROOT, "%9.0f jobs/s  p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms", rate, p50 / 1000, p99 / 1000,
          p999 / 1000) : "failed: " + error;
    }
  }

  /** Cairn paced at {@code fraction} of its peak: the rate asked and what it did. */
  record Paced(double fraction, double targetRate, Result result) {}

  /** The fractions of Cairn's peak it is paced at. */
  static final List<Double> PACED_FRACTIONS = List.of(0.25, 0.5, 0.75);

  /** A load configuration. */
  record Load(String name, int clients, int window, int qos) {}

  static final List<Load> LOADS = List.of(
      new Load("QoS 0, window 1", 4, 1, 0), new Load("QoS 0, window 16", 4, 16, 0), new Load("QoS 0, window 256", 4, 256, 0),
      new Load("QoS 1, window 1", 4, 1, 1), new Load("QoS 1, window 16", 4, 16, 1), new Load("QoS 1, window 256", 4, 256, 1),
      new Load("QoS 1, 1000 devices x 1", 1000, 1, 1));

  /** The servers, by the names the report and bench-mqtt.json give them. */
  static final String CAIRN = "cairn";
  static final String DECODING_ECHO = "decoding-echo";
  static final String DURABLE_ECHO = "durable-echo";
  static final String MOSQUITTO_RELAY = "mosquitto-relay";
  static final String BARE_VERTX = "bare-vertx";

  BenchReport.Launcher launcher;
  Path work;
  /** Cairn's highest QoS 1 jobs/s of this run, and its paced runs. */
  double peak;
  final List<Paced> paced = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (rounds < 1 || seconds < 1 || jobs < 100 || hold < 1) {
      throw new IllegalArgumentException("--rounds and --seconds must be at least 1, --jobs at least 100, --hold at least 1");
    }
    if (only != null && !List.of("metering", "metrics", "inputs").contains(only)) {
      throw new IllegalArgumentException("--only takes metering, metrics or inputs, was '" + only + "'");
    }
    launcher = BenchReport.Launcher.current();
    work = Files.createTempDirectory("cairn-bench-mqtt");
    System.out.println(BenchReport.conditions());
    if ("inputs".equals(only)) {
      MqttInputsBench inputs = new MqttInputsBench(this);
      System.out.println("wrote " + BenchReport.writeSection(docs, "mqtt-inputs", inputs.markdown(inputs.measure())));
      return 0;
    }
    if (only != null) {
      Path file = BenchReport.writeSection(docs, "mqtt-" + only, new OnOffBench(this, only).measure());
      System.out.println("wrote " + file);
      return 0;
    }
    if (sessionsOnly) {
      System.out.print(MqttSessionsBench.markdown(new MqttSessionsBench(this).measure()));
      return 0;
    }
    Map<String, Map<String, Result>> results = new LinkedHashMap<>();
    Map<String, String> notes = new LinkedHashMap<>();
    MqttFootprint footprint = new MqttFootprint();

    // Cairn, as a user runs it: java -jar cairn.jar run, embedded defaults but free ports.
    results.put(CAIRN, run(CAIRN, this::startCairn, footprint));
    // Its floors: what answering after a durable write costs, then that plus decoding and encoding.
    results.put(DECODING_ECHO, run(DECODING_ECHO, port -> startEcho(DECODING_ECHO, port), null));
    results.put(DURABLE_ECHO, run(DURABLE_ECHO, port -> startEcho(DURABLE_ECHO, port), null));
    String mosquitto = which("mosquitto");
    if (mosquitto == null) {
      String missing = "not measured: mosquitto is not installed (the Debian package mosquitto)";
      System.out.println("mosquitto is not installed: the mosquitto-relay rows are not measured (install the Debian package mosquitto)");
      notes.put(MOSQUITTO_RELAY, missing);
      Map<String, Result> none = new LinkedHashMap<>();
      LOADS.forEach(l -> none.put(l.name(), Result.failed(missing)));
      results.put(MOSQUITTO_RELAY, none);
    } else {
      MosquittoRelay relay = new MosquittoRelay(this, mosquitto);
      results.put(MOSQUITTO_RELAY, run(MOSQUITTO_RELAY, relay::start, null));
      notes.put(MOSQUITTO_RELAY, relay.limits());
    }
    results.put(BARE_VERTX, run(BARE_VERTX, port -> List.of(start("bare", "bare server ready",
        launcher.command("dev.cairn.runtime.bench.BareMqttServer", "--port", String.valueOf(port)))), null));
    // Written now and again at the end, so that the rows are kept if a later part fails.
    MqttBenchJson.write(docs.resolve(MqttBenchJson.FILE), this, results, List.of());
    footprint.measure(this);
    MqttSecurityBench.Figures secured = new MqttSecurityBench(this).measure();
    String sessions = MqttSessionsBench.markdown(new MqttSessionsBench(this).measure());
    MqttInputsBench inputsBench = new MqttInputsBench(this);
    List<MqttInputsBench.Figures> inputs = inputsBench.measure();
    BenchReport.writeSection(docs, "mqtt-inputs", inputsBench.markdown(inputs));
    MqttReport report = new MqttReport(this);
    Path file = BenchReport.writeSection(docs, "mqtt",
        report.markdown(results, footprint, notes, MqttSecurityBench.markdown(secured, results.get(CAIRN)) + sessions));
    report.plots(results);
    System.out.println("wrote " + file);
    System.out.println("wrote " + MqttBenchJson.write(docs.resolve(MqttBenchJson.FILE), this, results, inputs));
    BenchReport.writeSection(docs, "mqtt-metering", new OnOffBench(this, "metering").measure());
    BenchReport.writeSection(docs, "mqtt-metrics", new OnOffBench(this, "metrics").measure());
    return 0;
  }

  /** A started process and a way to stop it. */
  record Proc(Process process, List<String> log) {
    void stop() throws InterruptedException {
      process.toHandle().destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  @FunctionalInterface
  interface Starter {
    List<Proc> start(int port) throws Exception;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String which(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return Path.of(dir, tool).toString();
      }
    }
    return null;
  }

  /** Starts a process and waits for a line containing {@code ready}. */
  Proc start(String name, String ready, List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<String> up = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (log.size() < 2000) {
            log.add(line);
          }
          if (line.contains(ready)) {
            up.complete(line);
          }
        }
      } catch (IOException e) {
        up.completeExceptionally(e);
      } finally {
        up.completeExceptionally(new IllegalStateException(name + " exited before it was ready: " + String.join("\n", log)));
      }
    }, name + "-log");
    t.setDaemon(true);
    t.start();
    up.get(120, TimeUnit.SECONDS);
    return new Proc(p, log);
  }

  List<Proc> startCairn(int port) throws Exception {
    return startCairn(port, List.of());
  }

  /** Cairn on its embedded defaults and {@code more} arguments (e.g. a --config). */
  List<Proc> startCairn(int port, List<String> more) throws Exception {
    Path data = Files.createTempDirectory(work, "gateway");
    List<String> cmd = new ArrayList<>(List.of(launcher.java(), "-jar", launcher.jar().toString(), "run", "--mqtt-port",
        String.valueOf(port), "--admin-port", "0", "--coap-port", "0", "--data-dir", data.toString()));
    cmd.addAll(more);
    return List.of(start("cairn", "ready:", cmd));
  }

  /**
   * A gateway.yaml that lets one address hold {@code connections}: the load generator's connections all come
   * from 127.0.0.1, past the default mqtt.maxConnectionsPerAddress.
   */
  Path oneAddressHolding(int connections) throws IOException {
    Path yaml = work.resolve("hold-" + connections + ".yaml");
    Files.writeString(yaml, "mqtt:\n  maxConnections: " + Math.max(connections + 100, 20_000) + "\n  maxConnectionsPerAddress: "
        + (connections + 100) + "\n");
    return yaml;
  }

  /** {@code durable-echo} or {@code decoding-echo} ({@link dev.cairn.runtime.bench.DurableMqttEcho}), its log in the bench's directory. */
  List<Proc> startEcho(String mode, int port) throws Exception {
    Path log = Files.createTempDirectory(work, mode).resolve("jobs.log");
    return List.of(start(mode, mode + " ready", launcher.command("dev.cairn.runtime.bench.DurableMqttEcho", "--port",
        String.valueOf(port), "--mode", mode, "--log", log.toString())));
  }

  /**
   * Every load configuration against one target, each {@code rounds} times; medians per configuration.
   * A load that fails, or a target that does not start, gives failed results that say why.
   */
  Map<String, Result> run(String target, Starter starter, MqttFootprint footprint) throws Exception {
    int port = freePort();
    Map<String, Result> out = new LinkedHashMap<>();
    List<Proc> procs;
    try {
      procs = starter.start(port);
    } catch (Exception e) {
      System.out.println(target + " did not start: " + e.getMessage());
      for (Load l : LOADS) {
        out.put(l.name(), Result.failed(target + " did not start: " + e.getMessage()));
      }
      return out;
    }
    try {
      attempt(port, new Load("warm-up", 4, 16, 1), "warm");
      for (Load l : LOADS) {
        List<Result> rs = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
          rs.add(attempt(port, l, target.replaceAll("[^a-z]", "") + "-" + l.clients() + "-" + l.window() + "-" + l.qos() + "-" + r));
          if (footprint != null) {
            footprint.underLoad = Math.max(footprint.underLoad, rssMb(procs.get(0).process()));
          }
        }
        Result m = Result.medianOf(rs);
        out.put(l.name(), m);
        System.out.printf(Locale.ROOT, "%-16s %-26s %s%n", target, l.name(), m.line());
      }
      if (footprint != null) {
        pace(port, out);
      }
    } finally {
      for (Proc p : procs) {
        p.stop();
      }
    }
    return out;
  }

  /**
   * Cairn paced at {@link #PACED_FRACTIONS} of its peak (its highest QoS 1 jobs/s in {@code out}), after the
   * heavy runs and in the same process: 4 devices, QoS 1, at most 256 in flight each.
   */
  private void pace(int port, Map<String, Result> out) throws Exception {
    peak = LOADS.stream().filter(l -> l.qos() == 1 && out.get(l.name()).ok()).mapToDouble(l -> out.get(l.name()).rate()).max().orElse(0);
    Load paced = new Load("paced", 4, 256, 1);
    if (peak > 0) {
      attempt(port, paced, "paced-warm", "--rate", String.valueOf((int) Math.max(1, peak / 2)));
    }
    for (double fraction : PACED_FRACTIONS) {
      int rate = (int) Math.max(1, peak * fraction);
      List<Result> rs = new ArrayList<>();
      for (int r = 0; r < rounds && peak > 0; r++) {
        rs.add(attempt(port, paced, "paced-" + (int) (fraction * 100) + "-" + r, "--rate", String.valueOf(rate)));
      }
      Result m = peak > 0 ? Result.medianOf(rs) : Result.failed("no peak to pace at: every QoS 1 load of cairn failed");
      this.paced.add(new Paced(fraction, rate, m));
      System.out.printf(Locale.ROOT, "%-16s paced at %.2f of %.0f jobs/s %s%n", CAIRN, fraction, peak, m.line());
    }
  }

  /** One load run; throws if it failed. */
  Result load(int port, Load l, String prefix, String... extra) throws Exception {
    Result r = attempt(port, l, prefix, extra);
    if (!r.ok()) {
      throw new IllegalStateException(l.name() + ": " + r.error());
    }
    return r;
  }

  /** One load run: its figures, or why it failed (the load generator's reason, or that no job came back). */
  Result attempt(int port, Load l, String prefix, String... extra) throws Exception {
    List<String> cmd = launcher.command("dev.cairn.runtime.bench.MqttLoad", "--port", String.valueOf(port),
        "--clients", String.valueOf(l.clients()), "--window", String.valueOf(l.window()), "--qos", String.valueOf(l.qos()),
        "--jobs", String.valueOf(jobs), "--seconds", String.valueOf(seconds), "--prefix", prefix);
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(seconds + 120L, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return Result.failed("the load generator did not finish: " + lastLines(out));
    }
    return parse(out, l.clients(), seconds);
  }

  /** What a load generator of {@code devices} printed, as a result: its figures, or why it failed. */
  static Result parse(String out, int devices, int seconds) {
    Matcher m = RESULT.matcher(out);
    if (!m.find()) {
      int at = out.indexOf("load failed: ");
      return Result.failed(at >= 0 ? out.substring(at + "load failed: ".length()).lines().findFirst().orElse("").strip()
          : "the load generator failed: " + lastLines(out));
    }
    if (Long.parseLong(m.group(1)) == 0) {
      return Result.failed("no result came back in " + seconds + " s (" + devices + " devices connected and sent)");
    }
    return new Result(Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)),
        Double.parseDouble(m.group(6)), Long.parseLong(m.group(1)), null);
  }

  private static String lastLines(String out) {
    List<String> lines = out.strip().lines().map(String::strip).toList();
    return lines.isEmpty() ? "(no output)" : String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
  }

  static double median(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
    return BenchReport.median(rs.stream().mapToDouble(f).toArray());
  }

  /** Resident set size of a process in MB, from /proc. */
  static double rssMb(Process p) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
