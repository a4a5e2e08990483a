package dev.cairn.runtime.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time and context switches of this process's threads, grouped by the stage of a request their
 * names say they serve, from {@code /proc/self/task} (Linux; empty elsewhere). A bench takes one
 * before and one after a phase and prints the difference per request, so the cost of each stage is
 * measured for that phase alone, warm-up and other phases excluded. A thread that ends between the two
 * readings is not counted.
 */
public final class ThreadUse {
  /** Clock ticks per second of {@code utime}/{@code stime}: USER_HZ, 100 on every Linux the gateway supports. */
  private static final double TICKS_PER_SECOND = 100;
  private static final Pattern VOLUNTARY = Pattern.compile("(?m)^voluntary_ctxt_switches:\\s+(\\d+)");
  private static final Pattern INVOLUNTARY = Pattern.compile("(?m)^nonvoluntary_ctxt_switches:\\s+(\\d+)");

  /** Per thread id: stage, CPU ticks, voluntary and involuntary context switches. */
  private final Map<String, Thread> threads;

  private record Thread(String stage, long ticks, long voluntary, long involuntary) {}

  private ThreadUse(Map<String, Thread> threads) {
    this.threads = threads;
  }

  public static ThreadUse now() {
    Map<String, Thread> out = new HashMap<>();
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return new ThreadUse(out);
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasks)) {
      for (Path dir : dirs) {
        try {
          String stat = Files.readString(dir.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String status = Files.readString(dir.resolve("status"));
          out.put(dir.getFileName().toString(), new Thread(stage(name), ticks(stat),
              count(VOLUNTARY, status), count(INVOLUNTARY, status)));
        } catch (IOException | RuntimeException e) {
          // The thread ended while being read: it is left out.
        }
      }
    } catch (IOException e) {
      // No /proc: nothing to report.
    }
    return new ThreadUse(out);
  }

  /** CPU time so far of the process {@code pid} (user and system, all its threads) in seconds; NaN without /proc. */
  public static double processCpuSeconds(long pid) {
    try {
      return ticks(Files.readString(Path.of("/proc", String.valueOf(pid), "stat"))) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * utime + stime of a /proc stat line: fields 14 and 15, 12 and 13 after the command name, which is in
   * parentheses and may hold spaces.
   */
  private static long ticks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long count(Pattern p, String status) {
    Matcher m = p.matcher(status);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** The stage a thread serves, by the names Cairn, Californium and HotSpot give their threads. */
  static String stage(String thread) {
    if (thread.startsWith("cairn-journal")) {
      return "journal";
    }
    if (thread.startsWith("durable-echo")) {
      return "syncing thread";
    }
    if (thread.startsWith("cairn-worker")) {
      return "workers";
    }
    if (thread.startsWith("cairn-coap-timer")) {
      return "coap timer";
    }
    if (thread.startsWith("CoapServer") || thread.contains("CoapEndpoint")) {
      return "californium";
    }
    if (thread.startsWith("UDP-")) {
      return "udp";
    }
    if (thread.startsWith("C1 Compiler") || thread.startsWith("C2 Compiler")) {
      return "jit";
    }
    if (thread.startsWith("GC ") || thread.startsWith("G1 ") || thread.equals("VM Thread")) {
      return "gc";
    }
    return "other";
  }

  /**
   * What this process's threads spent since {@code before}, per request of {@code requests}: µs of CPU
   * by stage, largest first, then the total and the context switches.
   */
  public String perRequestSince(ThreadUse before, int requests) {
    if (threads.isEmpty()) {
      return "(no /proc here)";
    }
    Map<String, long[]> byStage = new HashMap<>();
    long voluntary = 0;
    long involuntary = 0;
    for (Map.Entry<String, Thread> e : threads.entrySet()) {
      Thread t = e.getValue();
      Thread b = before.threads.get(e.getKey());
      long[] s = byStage.computeIfAbsent(t.stage(), k -> new long[1]);
      s[0] += t.ticks() - (b == null ? 0 : b.ticks());
      voluntary += t.voluntary() - (b == null ? 0 : b.voluntary());
      involuntary += t.involuntary() - (b == null ? 0 : b.involuntary());
    }
    Map<String, Double> micros = new LinkedHashMap<>();
    byStage.entrySet().stream()
        .sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]))
        .forEach(e -> micros.put(e.getKey(), e.getValue()[0] * 1e6 / TICKS_PER_SECOND / requests));
    StringBuilder out = new StringBuilder();
    double total = 0;
    for (Map.Entry<String, Double> e : micros.entrySet()) {
      total += e.getValue();
      out.append(String.format(Locale.ROOT, "%s %.0f, ", e.getKey(), e.getValue()));
    }
    return String.format(Locale.ROOT, "%stotal %.0f µs CPU/request; context switches %.2f voluntary + %.2f involuntary/request",
        out, total, (double) voluntary / requests, (double) involuntary / requests);
  }
}
