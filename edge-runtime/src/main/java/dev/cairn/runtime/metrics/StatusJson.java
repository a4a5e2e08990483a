package dev.cairn.runtime.metrics;

import dev.cairn.anchor.AnchorStats;
import dev.cairn.runtime.Gateway;
import dev.cairn.scheduler.SchedulerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/status}: the gateway at a glance, for the status page and {@code cairn status}: identity
 * and state, job counters, recent p50/p99 latency, queue, connections, per-kernel table, the last
 * checkpoint and each sink's backlog, and the recent refusals with their messages.
 */
final class StatusJson {
  private StatusJson() {}

  static JsonObject of(Gateway g, MeterRegistry registry, Refusals refusals) {
    SchedulerStats s = g.scheduler().stats();
    AnchorStats a = g.anchor().stats();
    long now = g.clock().millis();
    JsonArray kernels = new JsonArray();
    TreeSet<String> names = new TreeSet<>();
    registry.find("cairn.jobs.accepted").counters().forEach(c -> names.add(c.getId().getTag("kernel")));
    registry.find("cairn.jobs.refused").counters().forEach(c -> names.add(c.getId().getTag("kernel")));
    long refusedAll = 0;
    for (String k : names) {
      long refused = sum(registry, "cairn.jobs.refused", k);
      refusedAll += refused;
      Timer latency = registry.find("cairn.job.latency").tag("kernel", k).timer();
      kernels.add(new JsonObject().put("kernel", k)
          .put("completed", sum(registry, "cairn.jobs.completed", k))
          .put("failed", sum(registry, "cairn.jobs.failed", k))
          .put("refused", refused)
          .put("p50Ms", percentile(latency, 0.5))
          .put("p99Ms", percentile(latency, 0.99)));
    }
    JsonObject backlog = new JsonObject();
    double lag = 0;
    for (String sink : g.config().anchor().sinks()) {
      AnchorStats.Backlog b = a.backlog().get(sink);
      double age = b == null ? 0 : Math.max(0, now - b.oldestMillis()) / 1000.0;
      lag = Math.max(lag, age);
      backlog.put(sink, new JsonObject().put("batches", b == null ? 0 : b.batches()).put("oldestSeconds", age));
    }
    JsonArray recent = new JsonArray();
    for (Refusals.Refusal r : refusals.recent()) {
      recent.add(new JsonObject().put("at", r.at().toString()).put("device", r.device()).put("id", r.job())
          .put("code", r.code().name()).put("message", r.message()));
    }
    return new JsonObject()
        .put("gatewayId", g.config().gatewayId())
        .put("state", g.state().name())
        .put("backend", g.backendName())
        .put("publicKey", java.util.HexFormat.of().formatHex(g.anchor().publicKey()))
        .put("time", java.time.Instant.ofEpochMilli(now).toString())
        .put("jobs", new JsonObject()
            .put("accepted", s.accepted())
            .put("completed", s.completed())
            .put("failed", s.failed())
            .put("refused", refusedAll)
            .put("queued", s.queued())
            .put("running", s.running()))
        .put("latencyMs", new JsonObject()
            .put("p50", percentileAll(registry, 0.5))
            .put("p99", percentileAll(registry, 0.99)))
        .put("connections", new JsonObject().put("mqtt", g.mqtt() == null ? 0 : g.mqtt().connections()))
        .put("kernels", kernels)
        .put("checkpoint", new JsonObject()
            .put("batch", a.batchesSealed())
            .put("treeSize", a.lastTreeSize())
            .put("root", a.lastRootHex())
            .put("sinks", backlog)
            .put("anchorLagSeconds", lag))
        .put("refusals", recent);
  }

  private static long sum(MeterRegistry r, String name, String kernel) {
    return (long) r.find(name).tag("kernel", kernel).counters().stream().mapToDouble(Counter::count).sum();
  }

  private static double percentile(Timer t, double p) {
    if (t == null) {
      return 0;
    }
    for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
      if (v.percentile() == p) {
        return Math.round(v.value(TimeUnit.MILLISECONDS) * 1000) / 1000.0;
      }
    }
    return 0;
  }

  /** The highest recent percentile over the kernels: what the slowest kernel's devices see. */
  private static double percentileAll(MeterRegistry r, double p) {
    return r.find("cairn.job.latency").timers().stream().mapToDouble(t -> percentile(t, p)).max().orElse(0);
  }
}
