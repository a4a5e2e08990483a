package dev.cairn.runtime.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code mosquitto-relay} server of {@code cairn bench mqtt}: Mosquitto relaying each job to a minimal responder. */
final class MosquittoRelay {
  private final MqttBench bench;
  private final String mosquitto;
  private String limits = "not started";

  MosquittoRelay(MqttBench bench, String mosquitto) {
    this.bench = bench;
    this.mosquitto = mosquitto;
  }

  /** What the broker was last started with: its connection limit and open-files limit. */
  String limits() {
    return limits;
  }

  /**
   * Mosquitto and the responder behind it. The broker takes any number of connections ({@code max_connections -1})
   * and is started with its open-files limit at this process's hard limit (through {@code prlimit} when there is
   * one), so that 1,000 devices and more fit; {@link #limits} says what it had.
   */
  List<MqttBench.Proc> start(int port) throws Exception {
    Path conf = bench.work.resolve("mosquitto-" + port + ".conf");
    Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n"
        + "max_connections -1\nmax_inflight_messages 0\nmax_queued_messages 100000\n");
    List<String> cmd = new ArrayList<>();
    String prlimit = MqttBench.which("prlimit");
    long files = openFilesLimit(ProcessHandle.current().pid(), true);
    boolean limited = prlimit != null && files > 0;
    if (limited) {
      String n = files == Long.MAX_VALUE ? "unlimited" : String.valueOf(files);
      cmd.addAll(List.of(prlimit, "--nofile=" + n + ":" + n));
    }
    cmd.addAll(List.of(mosquitto, "-c", conf.toString()));
    Path log = bench.work.resolve("mosquitto-" + port + ".log");
    Process broker = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    MqttBench.Proc b = new MqttBench.Proc(broker, List.of());
    // Wait until it accepts connections.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        break;
      } catch (IOException e) {
        if (System.nanoTime() > until) {
          b.stop();
          throw new IllegalStateException("mosquitto did not listen on " + port + ": " + Files.readString(log).strip());
        }
        Thread.onSpinWait();
      }
    }
    limits = "max_connections -1, open files " + openFilesLimit(broker.pid(), false)
        + (limited ? " (set by prlimit to this process's hard limit)" : " (inherited)");
    MqttBench.Proc responder = bench.start("responder", "responder ready",
        bench.launcher.command("dev.cairn.runtime.bench.MqttResponder", "--port", String.valueOf(port), "--qos", "1"));
    return List.of(responder, b);
  }

  /** The soft (or hard) limit of open files of a process, from /proc; -1 if unknown, {@link Long#MAX_VALUE} if unlimited. */
  static long openFilesLimit(long pid, boolean hard) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "limits"))) {
        if (line.startsWith("Max open files")) {
          String v = line.substring("Max open files".length()).trim().split("\\s+")[hard ? 1 : 0];
          return v.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(v);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
