package dev.cairn.runtime.cli;

import dev.cairn.adapters.auth.PasswordFile;
import dev.cairn.adapters.auth.PasswordHashes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The secured rows of {@code cairn bench mqtt}, in the same run as the plain ones: Cairn with MQTT over TLS and
 * device passwords (Argon2id) against plain Cairn, for jobs per second, connections per second (plain, TLS, TLS
 * with a first password check, TLS with a remembered one) and resident memory per held TLS connection.
 */
final class MqttSecurityBench {
  static final Pattern CONNECTIONS = Pattern.compile("connections=(\\d+) failed=(\\d+) seconds=([\\d.]+) rate=([\\d.]+)");
  static final String PASSWORD = "bench-password-of-every-device";
  static final String DEVICES = "sec";
  /** Connections opened for each connections-per-second figure, and at once while opening. */
  static final int CONNECTS = 400;
  static final int CONNECT_CONCURRENCY = 16;
  /** TLS connections held for the memory figure. */
  static final int HELD = 2000;

  /** What the secured part measured. */
  record Figures(Map<String, MqttBench.Result> secured, Map<String, Double> connectRates, double plainKbPerConnection,
      double tlsKbPerConnection, double tlsPasswordKbPerConnection, int held) {}

  private final MqttBench bench;
  private final Path dir;
  private final SelfSignedCertificate.PemFiles tls;
  private final Path passwords;

  MqttSecurityBench(MqttBench bench) throws Exception {
    this.bench = bench;
    this.dir = Files.createTempDirectory(bench.work, "security");
    this.tls = SelfSignedCertificate.forBenchmark(dir);
    // One Argon2id hash for every bench device: the cost measured is the check, not making the file.
    String hash = PasswordHashes.hash(PASSWORD.getBytes(StandardCharsets.UTF_8));
    PasswordFile file = PasswordFile.empty();
    for (int i = 0; i < Math.max(HELD, CONNECTS); i++) {
      file = file.add(DEVICES + "-" + i, hash);
    }
    this.passwords = dir.resolve("passwords");
    file.write(passwords);
  }

  /** A gateway over TLS only, with passwords or with none. */
  List<MqttBench.Proc> startSecured(int tlsPort, boolean withPasswords) throws Exception {
    Path yaml = dir.resolve("gateway-" + tlsPort + ".yaml");
    Files.writeString(yaml, "mqtt:\n  plain: false\n  maxConnectionsPerAddress: " + (HELD + 100) + "\n  auth: "
        + (withPasswords ? "password" : "none") + "\n"
        + (withPasswords ? "  passwordFile: \"" + passwords + "\"\n" : "")
        + "  tls: {port: " + tlsPort + ", certFile: \"" + tls.cert() + "\", keyFile: \"" + tls.key() + "\"}\n");
    Path data = Files.createTempDirectory(dir, "gateway");
    return List.of(bench.start("cairn-tls", "ready:", List.of(bench.launcher.java(), "-jar", bench.launcher.jar().toString(),
        "run", "--config", yaml.toString(), "--admin-port", "0", "--coap-port", "0", "--data-dir", data.toString())));
  }

  String[] credentials(boolean withPasswords) {
    List<String> a = new ArrayList<>(List.of("--tls-ca", tls.cert().toString(), "--devices", DEVICES));
    if (withPasswords) {
      a.addAll(List.of("--password", PASSWORD));
    }
    return a.toArray(String[]::new);
  }

  Figures measure() throws Exception {
    Map<String, MqttBench.Result> secured = new LinkedHashMap<>();
    Map<String, Double> connects = new LinkedHashMap<>();
    int plainPort = MqttBench.freePort();
    List<MqttBench.Proc> plain = bench.startCairn(plainPort);
    try {
      connects.put("plain", connectRate(plainPort, "--devices", "plain"));
    } finally {
      stop(plain);
    }
    int tlsPort = MqttBench.freePort();
    List<MqttBench.Proc> tlsOnly = startSecured(tlsPort, false);
    try {
      connects.put("TLS", connectRate(tlsPort, credentials(false)));
    } finally {
      stop(tlsOnly);
    }
    int port = MqttBench.freePort();
    List<MqttBench.Proc> gw = startSecured(port, true);
    try {
      connects.put("TLS + password, first check", connectRate(port, credentials(true)));
      connects.put("TLS + password, checked before", connectRate(port, credentials(true)));
      bench.load(port, new MqttBench.Load("warm-up", 4, 16, 1), "sec-warm", credentials(true));
      for (MqttBench.Load l : List.of(MqttBench.LOADS.get(3), MqttBench.LOADS.get(4))) {
        List<MqttBench.Result> rs = new ArrayList<>();
        for (int r = 0; r < bench.rounds; r++) {
          rs.add(bench.load(port, l, "sec-" + l.window() + "-" + r, credentials(true)));
        }
        MqttBench.Result m = MqttBench.Result.medianOf(rs);
        secured.put(l.name(), m);
        System.out.printf(Locale.ROOT, "%-16s %-26s %9.0f jobs/s  p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms%n",
            "cairn TLS+pw", l.name(), m.rate(), m.p50() / 1000, m.p99() / 1000, m.p999() / 1000);
      }
    } finally {
      stop(gw);
    }
    int n = Math.min(HELD, bench.hold);
    int plainPort2 = MqttBench.freePort();
    double plainKb = kbPerHeldConnection(bench.startCairn(plainPort2, List.of("--config", bench.oneAddressHolding(n).toString())),
        plainPort2, n, "plain", "--devices", "held");
    int tlsPort2 = MqttBench.freePort();
    double tlsKb = kbPerHeldConnection(startSecured(tlsPort2, false), tlsPort2, n, "TLS", credentials(false));
    int tlsPort3 = MqttBench.freePort();
    double tlsPasswordKb = kbPerHeldConnection(startSecured(tlsPort3, true), tlsPort3, n, "TLS with a password", credentials(true));
    connects.forEach((k, v) -> System.out.printf(Locale.ROOT, "cairn connections per second, %s: %.0f%n", k, v));
    return new Figures(secured, connects, plainKb, tlsKb, tlsPasswordKb, n);
  }

  /**
   * Resident memory per connection of a fresh gateway holding {@code n} idle connections, each reading taken
   * after a full collection (jcmd GC.run), so that garbage of start-up or of handshakes is not counted.
   */
  private double kbPerHeldConnection(List<MqttBench.Proc> gw, int port, int n, String what, String... credentials)
      throws Exception {
    try {
      Process p = gw.get(0).process();
      double before = rssAfterGc(p);
      double[] after = new double[1];
      int held = hold(port, n, () -> after[0] = rssAfterGc(p), credentials);
      double kb = (after[0] - before) * 1024 / Math.max(1, held);
      System.out.printf(Locale.ROOT, "cairn holding %d %s connections: %.1f MB resident after a full GC (%.1f MB before), %.1f KB per connection%n",
          held, what, after[0], before, kb);
      return kb;
    } finally {
      stop(gw);
    }
  }

  private double rssAfterGc(Process gateway) throws Exception {
    Path jcmd = Path.of(bench.launcher.java()).resolveSibling("jcmd");
    if (Files.isExecutable(jcmd)) {
      new ProcessBuilder(jcmd.toString(), String.valueOf(gateway.pid()), "GC.run").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
    }
    return MqttBench.rssMb(gateway);
  }

  private double connectRate(int port, String... extra) throws Exception {
    List<String> cmd = bench.launcher.command("dev.cairn.runtime.bench.MqttLoad", "--port", String.valueOf(port),
        "--clients", String.valueOf(CONNECTS), "--window", String.valueOf(CONNECT_CONCURRENCY), "--connect-only");
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(660, TimeUnit.SECONDS);
    Matcher m = CONNECTIONS.matcher(out);
    if (!m.find() || !m.group(2).equals("0")) {
      throw new IllegalStateException("connections were refused or the load generator failed (" + String.join(" ", cmd) + "):\n" + out);
    }
    return Double.parseDouble(m.group(4));
  }

  /** A reading taken while connections are held. */
  interface WhileHeld {
    void run() throws Exception;
  }

  /** Holds {@code n} connections, runs {@code whileHeld}, and returns how many were open. */
  private int hold(int port, int n, WhileHeld whileHeld, String... credentials) throws Exception {
    List<String> cmd = bench.launcher.command("dev.cairn.runtime.bench.MqttLoad", "--port", String.valueOf(port),
        "--clients", String.valueOf(n), "--hold", "--prefix", "held");
    cmd.addAll(List.of(credentials));
    Process load = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(load.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null && !line.startsWith("connected=")) {
        // connecting
      }
      if (line == null) {
        throw new IllegalStateException("the load generator could not hold " + n + " connections");
      }
      int held = Integer.parseInt(line.substring("connected=".length()).strip());
      whileHeld.run();
      return held;
    } finally {
      load.getOutputStream().close();
      load.waitFor(60, TimeUnit.SECONDS);
      load.destroyForcibly();
    }
  }

  private static void stop(List<MqttBench.Proc> procs) throws InterruptedException {
    for (MqttBench.Proc p : procs) {
      p.stop();
    }
  }

  /** The report's subsection: the secured rows against the plain ones of the same run. */
  static String markdown(Figures f, Map<String, MqttBench.Result> plain) {
    StringBuilder md = new StringBuilder("\n### MQTT over TLS with device passwords\n\n")
        .append("The same load generator against `java -jar cairn.jar run` with `mqtt.plain: false`, `mqtt.tls` (EC P-256,\n")
        .append("TLS 1.3) and `mqtt.auth: password` (Argon2id, m=19 MiB, t=2), in the same run as the plain rows above.\n\n")
        .append("| load | plain jobs/s | TLS + password jobs/s | ratio | plain p99 ms | TLS + password p99 ms |\n|---|---|---|---|---|---|\n");
    f.secured().forEach((load, s) -> {
      MqttBench.Result p = plain.get(load);
      md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f | %.2f | %.2f |%n", load, p.rate(), s.rate(),
          s.rate() / p.rate(), p.p99() / 1000, s.p99() / 1000));
    });
    md.append("\n| connections per second (").append(CONNECTS).append(" connections, ").append(CONNECT_CONCURRENCY)
        .append(" at once) | per second | against plain |\n|---|---|---|\n");
    double plainRate = f.connectRates().getOrDefault("plain", Double.NaN);
    f.connectRates().forEach((k, v) -> md.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f |%n", k, v, v / plainRate)));
    md.append(String.format(Locale.ROOT, "%nResident memory per held idle connection (%d held by a fresh gateway on the JVM's default heap,"
        + " each reading after a full GC): plain %.1f KB, TLS %.1f KB, TLS with a password %.1f KB. The last includes the heap that"
        + " %d Argon2id checks (19 MiB each) made the JVM commit and keep; with the service unit's -Xmx128m it cannot grow so.%n",
        f.held(), f.plainKbPerConnection(), f.tlsKbPerConnection(), f.tlsPasswordKbPerConnection(), f.held()));
    return md.toString();
  }
}
