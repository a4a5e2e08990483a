package dev.cairn.runtime.cli;

import dev.cairn.anchor.impl.GatewayKey;
import dev.cairn.runtime.config.NetworkSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * Part of {@code cairn bench network}: the time from a peer's death to its jobs running elsewhere. A
 * fourth gateway runs as its own {@code cairn.jar} process with the network's default timeouts and the
 * label {@code zone: b}, which gw-3 also has; the device on gw-1 sends jobs placed by that label, a window
 * in flight, and the fourth gateway is killed with SIGKILL once it has answered some of them. The device
 * sees when each job's one result came back and which gateway ran it.
 */
final class PeerDeath {
  static final String VICTIM = "gw-4";
  static final String PLACEMENT = ",\"placement\":{\"labels\":{\"zone\":\"b\"}}";

  /** A job's send and result times (ns) and the gateways its result names. */
  private record Job(long sent, long done, String executedBy) {}

  record Figures(int beforeDeath, int onVictimBefore, int inFlightAtDeath, double p50RerunMs, double lastRerunMs,
      int wentToDeadPeer, double lastSentToDeadMs, int results, long errors) {

    String markdown() {
      return String.format(Locale.ROOT, """
          A peer's death: %s, its own `cairn.jar` process with the default timeouts (network.offload.timeoutMs %d,
          unknownAfterMs %d), shares the label `zone: b` with gw-3; the device sends jobs placed by that label, 8 in
          flight. %s ran %d of the first %d; then it was killed with SIGKILL. The %d jobs it held got their one result
          from gw-3 %.1f s (p50) and %.1f s (last) after its death: the offload timeout. Jobs sent after its death that
          still went to it first: %d (the last %.1f s after it), each answered by gw-3 once the timeout passed.
          Results: %d; second results or failures: %d.
          """, VICTIM, NetworkSettings.DEFAULT_OFFLOAD_TIMEOUT_MS, NetworkSettings.DEFAULT_UNKNOWN_AFTER_MS, VICTIM,
          onVictimBefore, beforeDeath, inFlightAtDeath, p50RerunMs / 1000, lastRerunMs / 1000, wentToDeadPeer,
          lastSentToDeadMs / 1000, results, errors);
    }
  }

  private PeerDeath() {}

  /** The victim's settings: on loopback, joined to {@code url}, pinning the other gateways of {@code ids}. */
  static Path config(Path dir, String url, List<String> ids) throws Exception {
    StringBuilder peers = new StringBuilder();
    for (String p : ids) {
      if (!p.equals(VICTIM)) {
        peers.append("    - {id: ").append(p).append(", publicKeyFile: '")
            .append(dir.resolve(p).resolve(GatewayKey.PUB_FILE)).append("'}\n");
      }
    }
    Path yaml = dir.resolve(VICTIM + ".yaml");
    Files.writeString(yaml, "mqtt: {host: 127.0.0.1}\ncoap: {host: 127.0.0.1}\nnetwork:\n  broker: " + url
        + "\n  labels: {zone: b}\n  peers:\n" + peers);
    return yaml;
  }

  /** Starts the victim from this jar and returns once it is ready. */
  static Process start(Path dir, String url, List<String> ids) throws Exception {
    BenchReport.Launcher l = BenchReport.Launcher.current();
    Process p = new ProcessBuilder(l.java(), "-jar", l.jar().toString(), "run", "--gateway-id", VICTIM, "--mqtt-port", "0",
        "--admin-port", "0", "--coap-port", "0", "--data-dir", dir.resolve(VICTIM).toString(), "--config",
        config(dir, url, ids).toString()).redirectErrorStream(true).start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Path log = dir.resolve(VICTIM + ".log");
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
          var out = Files.newBufferedWriter(log)) {
        for (String line; (line = r.readLine()) != null; ) {
          out.write(line);
          out.newLine();
          if (line.contains(" ready: ")) {
            ready.complete(null);
          }
        }
      } catch (Exception e) {
        ready.completeExceptionally(e);
      }
      ready.completeExceptionally(new IllegalStateException(VICTIM + " exited before it was ready; see " + log));
    }, "bench-" + VICTIM + "-log");
    reader.setDaemon(true);
    reader.start();
    ready.get(60, TimeUnit.SECONDS);
    return p;
  }

  /**
   * Sends label-placed jobs from {@code dev}, {@code window} in flight, kills {@code victim} once it has run
   * some (or after 20 s), and goes on sending until the dead peer's timeouts have all passed.
   */
  static Figures measure(NetworkBench.Device dev, Process victim, int window) throws Exception {
    List<Job> jobs = Collections.synchronizedList(new ArrayList<>());
    Semaphore room = new Semaphore(window);
    AtomicInteger onVictim = new AtomicInteger();
    long start = System.nanoTime();
    long death = 0;
    long stopAt = Long.MAX_VALUE;
    while (System.nanoTime() < stopAt) {
      if (death == 0 && (onVictim.get() >= 50 || System.nanoTime() - start > TimeUnit.SECONDS.toNanos(20))) {
        death = System.nanoTime();
        victim.destroyForcibly(); // SIGKILL
        stopAt = death + TimeUnit.MILLISECONDS.toNanos(NetworkSettings.DEFAULT_UNKNOWN_AFTER_MS
            + NetworkSettings.DEFAULT_OFFLOAD_TIMEOUT_MS + 3_000);
      }
      if (!room.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        continue;
      }
      String id = "d" + dev.next.incrementAndGet();
      long sent = System.nanoTime();
      dev.waiting.put(id, payload -> {
        String by = executedBy(payload);
        if (by.contains(VICTIM)) {
          onVictim.incrementAndGet();
        }
        jobs.add(new Job(sent, System.nanoTime(), payload.contains("\"status\":\"ok\"") ? by : "error"));
        room.release();
      });
      dev.client.publish("cairn/bench/jobs", new MqttMessage(("{\"id\":\"" + id + NetworkBench.SAXPY + PLACEMENT + "}")
          .getBytes(StandardCharsets.UTF_8), 1, false, null));
    }
    if (!room.tryAcquire(window, 2 * NetworkSettings.DEFAULT_OFFLOAD_TIMEOUT_MS + 30_000, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException((window - room.availablePermits()) + " results did not come back");
    }
    return figures(new ArrayList<>(jobs), death, dev.errors.get());
  }

  private static Figures figures(List<Job> jobs, long death, long errors) {
    long timeout = TimeUnit.MILLISECONDS.toNanos(NetworkSettings.DEFAULT_OFFLOAD_TIMEOUT_MS);
    int before = 0;
    int onVictimBefore = 0;
    List<Double> rerun = new ArrayList<>();
    int toDead = 0;
    double lastSentToDead = 0;
    int failed = 0;
    for (Job j : jobs) {
      if (j.executedBy.equals("error")) {
        failed++;
      }
      if (j.done < death) {
        before++;
        onVictimBefore += j.executedBy.contains(VICTIM) ? 1 : 0;
      } else if (j.sent < death) {
        if (j.done - j.sent >= timeout * 9 / 10) { // it waited for the dead peer's answer
          rerun.add((j.done - death) / 1e6);
        }
      } else if (j.done - j.sent >= timeout * 9 / 10) {
        toDead++;
        lastSentToDead = Math.max(lastSentToDead, (j.sent - death) / 1e6);
      }
    }
    Collections.sort(rerun);
    return new Figures(before, onVictimBefore, rerun.size(), rerun.isEmpty() ? 0 : rerun.get(rerun.size() / 2),
        rerun.isEmpty() ? 0 : rerun.get(rerun.size() - 1), toDead, lastSentToDead, jobs.size(), errors + failed);
  }

  /** The JSON array after {@code "executedBy":} in a result, as text. */
  private static String executedBy(String payload) {
    int a = payload.indexOf("\"executedBy\":");
    return a < 0 ? "[]" : payload.substring(a + 13, payload.indexOf(']', a) + 1);
  }
}
