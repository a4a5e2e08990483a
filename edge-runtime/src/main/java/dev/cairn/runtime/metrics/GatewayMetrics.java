package dev.cairn.runtime.metrics;

import dev.cairn.anchor.AnchorStats;
import dev.cairn.runtime.Gateway;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's Micrometer registry, scraped as Prometheus or OpenMetrics text: the job counters and
 * timers {@link MetricsScheduler} records, and gauges read from the gateway at each scrape (queue,
 * connections, journal, batches, anchor backlog per sink), plus JVM memory, GC, threads and CPU.
 * Names follow Prometheus conventions ({@code cairn_jobs_completed_total}, {@code _seconds}).
 */
public final class GatewayMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private JvmGcMetrics gc;

  public GatewayMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Registers the gauges that read {@code g} at each scrape; {@code sinks} are the anchor sinks configured. */
  public void bind(Gateway g, List<String> sinks) {
    Gauge.builder("cairn.queue.length", g, x -> x.scheduler().stats().queued())
        .description("Jobs waiting in the queue").register(registry);
    Gauge.builder("cairn.jobs.running", g, x -> x.scheduler().stats().running())
        .description("Jobs running now").register(registry);
    Gauge.builder("cairn.connections", g, x -> x.mqtt() == null ? 0 : x.mqtt().connections())
        .tag("protocol", "mqtt").description("Open MQTT connections, plain and TLS").register(registry);
    FunctionCounter.builder("cairn.receipt.leaves", g, x -> x.anchor().stats().leaves())
        .description("Leaves durable in the journal").register(registry);
    FunctionCounter.builder("cairn.batches.sealed", g, x -> x.anchor().stats().batchesSealed())
        .description("Merkle batches sealed and signed").register(registry);
    FunctionTimer.builder("cairn.journal.syncs", g, x -> x.anchor().stats().leafSyncs(),
            x -> x.anchor().stats().leafSyncNanos(), TimeUnit.NANOSECONDS)
        .description("Syncs of the journal's leaf log, each making a group of leaves durable").register(registry);
    if (g.network() != null) {
      for (dev.cairn.runtime.network.PeerTable.State state : dev.cairn.runtime.network.PeerTable.State.values()) {
        Gauge.builder("cairn.peers", g, x -> x.network() == null ? 0
                : x.network().peers().peers().stream().filter(p -> p.state() == state).count())
            .tag("state", state.label()).description("Pinned peer gateways by state").register(registry);
      }
    }
    for (String sink : sinks) {
      Gauge.builder("cairn.anchor.outbox.batches", g, x -> backlog(x, sink) == null ? 0 : backlog(x, sink).batches())
          .tag("sink", sink).description("Sealed batches the sink has not anchored yet").register(registry);
      Gauge.builder("cairn.anchor.outbox.age", g, x -> {
        AnchorStats.Backlog b = backlog(x, sink);
        return b == null ? 0 : Math.max(0, x.clock().millis() - b.oldestMillis()) / 1000.0;
      }).tag("sink", sink).baseUnit("seconds").description("Age of the oldest batch the sink has not anchored yet")
          .register(registry);
    }
  }

  private static AnchorStats.Backlog backlog(Gateway g, String sink) {
    return g.anchor().stats().backlog().get(sink);
  }

  /** The text for a scrape whose Accept header was {@code accept} (OpenMetrics when asked for, else Prometheus 0.0.4). */
  public String scrape(String accept) {
    return registry.scrape(contentType(accept));
  }

  public static String contentType(String accept) {
    return accept != null && accept.contains("application/openmetrics-text")
        ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8";
  }

  @Override
  public void close() {
    if (gc != null) {
      gc.close();
    }
    registry.close();
  }
}
