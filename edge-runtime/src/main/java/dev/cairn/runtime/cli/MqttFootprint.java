package dev.cairn.runtime.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Cairn's footprint in {@code cairn bench mqtt}: start to ready, resident memory idle, under the loads and
 * paced, and holding {@code --hold} connections.
 */
final class MqttFootprint {
  double[] startToReadyMs;
  double idleMb;
  double underLoad;
  double heldIdleMb;
  double heldMb;
  int held;

  void measure(MqttBench b) throws Exception {
    startToReadyMs = new double[b.rounds];
    double[] idle = new double[b.rounds];
    for (int r = 0; r < b.rounds; r++) {
      long t0 = System.nanoTime();
      List<MqttBench.Proc> gw = b.startCairn(MqttBench.freePort());
      startToReadyMs[r] = (System.nanoTime() - t0) / 1e6;
      idle[r] = MqttBench.rssMb(gw.get(0).process());
      gw.get(0).stop();
    }
    idleMb = BenchReport.median(idle);
    System.out.printf(Locale.ROOT, "cairn start to ready %.0f ms (median), resident memory idle %.1f MB%n",
        BenchReport.median(startToReadyMs), idleMb);
    int port = MqttBench.freePort();
    MqttBench.Proc gw = b.startCairn(port, List.of("--config", b.oneAddressHolding(b.hold).toString())).get(0);
    try {
      heldIdleMb = MqttBench.rssMb(gw.process());
      Process load = new ProcessBuilder(b.launcher.command("dev.cairn.runtime.bench.MqttLoad", "--port",
          String.valueOf(port), "--clients", String.valueOf(b.hold), "--hold", "--prefix", "held")).redirectErrorStream(true).start();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(load.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null && !line.startsWith("connected=")) {
          // connecting
        }
        if (line == null) {
          throw new IllegalStateException("the load generator could not hold " + b.hold + " connections");
        }
        held = Integer.parseInt(line.substring("connected=".length()).strip());
        heldMb = MqttBench.rssMb(gw.process());
      } finally {
        load.getOutputStream().close();
        load.waitFor(60, TimeUnit.SECONDS);
        load.destroyForcibly();
      }
      System.out.printf(Locale.ROOT, "cairn holding %d connections: %.1f MB resident (%.1f MB before), %.1f KB per connection%n",
          held, heldMb, heldIdleMb, (heldMb - heldIdleMb) * 1024 / held);
    } finally {
      gw.stop();
    }
  }
}
