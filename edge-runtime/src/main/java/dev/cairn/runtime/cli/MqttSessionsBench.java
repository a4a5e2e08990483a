package dev.cairn.runtime.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The persistent-session part of {@code cairn bench mqtt}: the same QoS 1 loads through one Cairn process with
 * clean sessions and with persistent ones (clean session 0: each result goes through the journal's session queue
 * until its PUBACK), load by load in turn; a second Cairn with {@code results.retention: 0} gives the cost
 * of keeping results at all. Then the journal's bytes per kept result, read from the stopped gateway's file.
 */
final class MqttSessionsBench {
  static final List<MqttBench.Load> LOADS = List.of(new MqttBench.Load("QoS 1, window 16", 4, 16, 1),
      new MqttBench.Load("QoS 1, window 256", 4, 256, 1), new MqttBench.Load("QoS 1, 1000 devices x 1", 1000, 1, 1));
  static final String CLEAN = "clean sessions";
  static final String PERSISTENT = "persistent sessions";
  static final String UNKEPT = "clean, results.retention 0";

  /** Jobs/s by mode and load, and what one kept result costs in the journal. */
  record Figures(Map<String, Map<String, MqttBench.Result>> byMode, long kept, double tableBytesPerResult,
      double rowBytesPerResult, long sessionsLeft) {}

  private final MqttBench bench;

  MqttSessionsBench(MqttBench bench) {
    this.bench = bench;
  }

  Figures measure() throws Exception {
    Map<String, Map<String, List<MqttBench.Result>>> runs = new LinkedHashMap<>();
    Path kept = Files.createTempDirectory(bench.work, "sessions");
    Path unkept = Files.createTempDirectory(bench.work, "unkept");
    Path noRetention = bench.work.resolve("retention-0.yaml");
    Files.writeString(noRetention, "results: {retention: \"0\"}\nmqtt: {maxConnectionsPerAddress: 5000}\n");
    Path many = bench.work.resolve("sessions.yaml");
    Files.writeString(many, "mqtt: {maxConnectionsPerAddress: 5000}\n");
    int keptPort = MqttBench.freePort();
    int unkeptPort = MqttBench.freePort();
    MqttBench.Proc withKept = start(keptPort, kept, many);
    try {
      MqttBench.Proc without = start(unkeptPort, unkept, noRetention);
      try {
        bench.load(keptPort, new MqttBench.Load("warm-up", 4, 16, 1), "warm-kept");
        bench.load(unkeptPort, new MqttBench.Load("warm-up", 4, 16, 1), "warm-unkept");
        // Interleaved load by load, so that what else the machine does falls on every mode alike.
        for (int r = 0; r < bench.rounds; r++) {
          for (MqttBench.Load l : LOADS) {
            String tag = l.clients() + "-" + l.window() + "-" + r;
            add(runs, UNKEPT, l, bench.load(unkeptPort, l, "un-" + tag));
            add(runs, CLEAN, l, bench.load(keptPort, l, "cs-" + tag));
            add(runs, PERSISTENT, l, bench.load(keptPort, l, "ps-" + tag, "--persistent"));
          }
        }
      } finally {
        without.stop();
      }
    } finally {
      withKept.stop();
    }
    Map<String, Map<String, MqttBench.Result>> byMode = new LinkedHashMap<>();
    for (String mode : List.of(UNKEPT, CLEAN, PERSISTENT)) {
      for (MqttBench.Load l : LOADS) {
        List<MqttBench.Result> rs = runs.get(mode).get(l.name());
        MqttBench.Result m = MqttBench.Result.medianOf(rs);
        byMode.computeIfAbsent(mode, k -> new LinkedHashMap<>()).put(l.name(), m);
        System.out.printf(Locale.ROOT, "%-28s %-26s %9.0f jobs/s  p50 %7.2f ms  p99 %7.2f ms%n", mode, l.name(), m.rate(),
            m.p50() / 1000, m.p99() / 1000);
      }
    }
    return journal(kept, byMode);
  }

  private MqttBench.Proc start(int port, Path data, Path config) throws Exception {
    return bench.start("cairn", "ready:", new ArrayList<>(List.of(bench.launcher.java(), "-jar", bench.launcher.jar().toString(),
        "run", "--mqtt-port", String.valueOf(port), "--admin-port", "0", "--coap-port", "0", "--data-dir", data.toString(),
        "--config", config.toString())));
  }

  private static void add(Map<String, Map<String, List<MqttBench.Result>>> runs, String mode, MqttBench.Load l, MqttBench.Result r) {
    runs.computeIfAbsent(mode, k -> new LinkedHashMap<>()).computeIfAbsent(l.name(), k -> new ArrayList<>()).add(r);
  }

  /** Reads the stopped gateway's journal: kept results, the pages their table and index take, their rows' bytes. */
  private static Figures journal(Path data, Map<String, Map<String, MqttBench.Result>> byMode) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("journal.db"));
        Statement s = c.createStatement()) {
      long count;
      double rowBytes;
      try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(avg(length(result) + length(device) + length(job) + 8), 0) "
          + "FROM kept_results")) {
        rs.next();
        count = rs.getLong(1);
        rowBytes = rs.getDouble(2);
      }
      double tableBytes = Double.NaN;
      try (ResultSet rs = s.executeQuery("SELECT sum(pgsize) FROM dbstat WHERE name IN ('kept_results', 'kept_results_by_job', 'kept_results_by_expiry')")) {
        if (rs.next() && count > 0) {
          tableBytes = rs.getDouble(1) / count;
        }
      } catch (SQLException e) {
        // This SQLite has no dbstat: the rows' own bytes only.
      }
      long sessions;
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM mqtt_sessions")) {
        rs.next();
        sessions = rs.getLong(1);
      }
      return new Figures(byMode, count, tableBytes, rowBytes, sessions);
    }
  }

  static String markdown(Figures f) {
    StringBuilder md = new StringBuilder("\n### Persistent sessions and kept results\n\n");
    md.append("The loads above at QoS 1 through one Cairn process, devices connecting with clean sessions and with persistent ones\n")
        .append("(MQTT 3.1.1 clean session 0: each result goes into the journal's session queue before it is sent and leaves it at\n")
        .append("its PUBACK), and through a second Cairn with `results.retention: 0`, which keeps no result, load by load in turn.\n")
        .append("Every result is kept for `results.retention` (24 h) in the other two.\n\n")
        .append("| load | ").append(UNKEPT).append(" | ").append(CLEAN).append(" | ").append(PERSISTENT)
        .append(" | persistent / clean | clean / not kept |\n|---|---|---|---|---|---|\n");
    for (MqttBench.Load l : LOADS) {
      double none = f.byMode().get(UNKEPT).get(l.name()).rate();
      double clean = f.byMode().get(CLEAN).get(l.name()).rate();
      double persistent = f.byMode().get(PERSISTENT).get(l.name()).rate();
      md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.2f | %.2f |%n", l.name(), none, clean, persistent,
          persistent / clean, clean / none));
    }
    md.append(String.format(Locale.ROOT, "%nJournal per kept result: %.0f bytes of row (result, device and job ids, expiry)", f.rowBytesPerResult()));
    if (!Double.isNaN(f.tableBytesPerResult())) {
      md.append(String.format(Locale.ROOT, ", %.0f bytes of SQLite pages (table, id and expiry indexes)", f.tableBytesPerResult()));
    }
    md.append(String.format(Locale.ROOT, ", over %d kept results; %d persistent sessions were left in the journal.%n", f.kept(),
        f.sessionsLeft()));
    return md.toString();
  }
}
