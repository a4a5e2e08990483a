package dev.cairn.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn status}: a running gateway at a glance, from its admin API's {@code /v1/status}. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "A running gateway at a glance: state, jobs and jobs/s, p50/p99 latency, queue, connections, "
        + "kernels, last checkpoint and anchor backlog, recent refusals. --watch refreshes every 2 s until Ctrl-C.")
final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @picocli.CommandLine.Mixin AdminClient.Options adminApi;

  @Option(names = "--watch", description = "refresh every 2 seconds until interrupted")
  boolean watch;

  @Override
  public Integer call() throws Exception {
    JsonNode previous = null;
    long previousAt = 0;
    do {
      JsonNode s = JSON.readTree(AdminClient.get(adminApi, "/v1/status"));
      long now = System.nanoTime();
      double rate = previous == null ? Double.NaN
          : (done(s) - done(previous)) / ((now - previousAt) / 1e9);
      if (watch) {
        System.out.print("\033[H\033[2J");
      }
      System.out.print(render(s, rate));
      System.out.flush();
      previous = s;
      previousAt = now;
      if (watch) {
        Thread.sleep(2000);
      }
    } while (watch);
    return 0;
  }

  private static long done(JsonNode s) {
    return s.path("jobs").path("completed").asLong() + s.path("jobs").path("failed").asLong();
  }

  static String render(JsonNode s, double rate) {
    StringBuilder out = new StringBuilder();
    JsonNode j = s.path("jobs");
    out.append(String.format(Locale.ROOT, "%s  %s  backend %s  at %s%n", s.path("gatewayId").asText(), s.path("state").asText(),
        s.path("backend").asText(), s.path("time").asText()));
    out.append(String.format(Locale.ROOT, "jobs: %d completed, %d failed, %d refused, %d queued, %d running%s%n",
        j.path("completed").asLong(), j.path("failed").asLong(), j.path("refused").asLong(), j.path("queued").asLong(),
        j.path("running").asLong(), Double.isNaN(rate) ? "" : String.format(Locale.ROOT, ", %.1f jobs/s", rate)));
    out.append(String.format(Locale.ROOT, "latency (last 10 s): p50 %.2f ms, p99 %.2f ms; MQTT connections %d%n",
        s.path("latencyMs").path("p50").asDouble(), s.path("latencyMs").path("p99").asDouble(),
        s.path("connections").path("mqtt").asLong()));
    JsonNode c = s.path("checkpoint");
    out.append(String.format(Locale.ROOT, "checkpoint: batch %d, %d leaves, root %s; anchor lag %.1f s%n", c.path("batch").asLong(),
        c.path("treeSize").asLong(), c.path("root").isNull() ? "-" : c.path("root").asText(), c.path("anchorLagSeconds").asDouble()));
    c.path("sinks").fields().forEachRemaining(e -> out.append(String.format(Locale.ROOT, "  sink %-10s %d batches waiting, oldest %.1f s%n",
        e.getKey(), e.getValue().path("batches").asInt(), e.getValue().path("oldestSeconds").asDouble())));
    if (s.path("kernels").size() > 0) {
      out.append(String.format(Locale.ROOT, "%-18s %10s %8s %8s %9s %9s%n", "kernel", "completed", "failed", "refused", "p50 ms", "p99 ms"));
      for (JsonNode k : s.path("kernels")) {
        out.append(String.format(Locale.ROOT, "%-18s %10d %8d %8d %9.2f %9.2f%n", k.path("kernel").asText(), k.path("completed").asLong(),
            k.path("failed").asLong(), k.path("refused").asLong(), k.path("p50Ms").asDouble(), k.path("p99Ms").asDouble()));
      }
    }
    int shown = 0;
    for (JsonNode r : s.path("refusals")) {
      if (shown++ == 0) {
        out.append("recent refusals:\n");
      }
      if (shown > 5) {
        break;
      }
      out.append(String.format(Locale.ROOT, "  %s %s %s %s: %s%n", r.path("at").asText(), r.path("device").asText(),
          r.path("id").asText(), r.path("code").asText(), r.path("message").asText()));
    }
    return out.toString();
  }
}
