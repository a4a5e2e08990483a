package dev.cairn.runtime.metering;

import dev.cairn.anchor.usage.UsageCodec;
import dev.cairn.scheduler.DevicePolicies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * {@code GET /v1/usage?device=&from=&to=&format=csv} and {@code GET /v1/usage/statements?device=&from=&to=}
 * on the admin API. {@code from} and {@code to} are ISO-8601 instants or Unix milliseconds; an epoch is in
 * the range when it starts in [from, to). SQLite is read on a worker thread.
 */
public final class UsageRoutes {
  /** Most statements one request returns. */
  public static final int MAX_STATEMENTS = 10_000;
  /** Most sealed statements one report sums. */
  static final int MAX_REPORT_ROWS = 1_000_000;

  private final Vertx vertx;
  private final EpochSealer sealer;
  private final String gatewayId;
  private final Clock clock;

  public UsageRoutes(Vertx vertx, EpochSealer sealer, String gatewayId, Clock clock) {
    this.vertx = vertx;
    this.sealer = sealer;
    this.gatewayId = gatewayId;
    this.clock = clock;
  }

  /** Adds the routes; with metering off ({@code sealer} null) they answer 404 saying so. */
  public static void mount(Router router, Vertx vertx, EpochSealer sealer, String gatewayId, Clock clock) {
    UsageRoutes r = new UsageRoutes(vertx, sealer, gatewayId, clock);
    router.get("/v1/usage").handler(r::usage);
    router.get("/v1/usage/statements").handler(r::statements);
  }

  record Range(String device, long fromMs, long toMs) {}

  private Range range(RoutingContext ctx) {
    String device = ctx.queryParams().get("device");
    if (device != null) {
      DevicePolicies.checkDeviceId(device);
    }
    long from = time("from", ctx.queryParams().get("from"), 0);
    long to = time("to", ctx.queryParams().get("to"), clock.millis() + 1);
    if (to <= from) {
      throw new IllegalArgumentException("to (" + Instant.ofEpochMilli(to) + ") must be after from (" + Instant.ofEpochMilli(from) + ")");
    }
    return new Range(device, from, to);
  }

  static long time(String name, String value, long orElse) {
    if (value == null || value.isEmpty()) {
      return orElse;
    }
    if (value.matches("\\d{1,15}")) {
      return Long.parseLong(value);
    }
    try {
      return Instant.parse(value).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + " must be an ISO-8601 instant such as 2026-12-07T10:00:00Z or Unix "
          + "milliseconds, was '" + value + "'");
    }
  }

  private boolean on(RoutingContext ctx) {
    if (sealer == null) {
      error(ctx, 404, "usage metering is off on this gateway (metering.enabled: false)");
      return false;
    }
    return true;
  }

  private void usage(RoutingContext ctx) {
    if (!on(ctx)) {
      return;
    }
    Range r;
    String format = ctx.queryParams().get("format");
    try {
      r = range(ctx);
      if (format != null && !format.equals("csv") && !format.equals("json")) {
        throw new IllegalArgumentException("format must be json or csv, was '" + format + "'");
      }
    } catch (IllegalArgumentException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    vertx.executeBlocking(() -> {
      UsageReport report = new UsageReport();
      for (UsageStore.Row row : sealer.rows(r.device(), r.fromMs(), r.toMs(), MAX_REPORT_ROWS)) {
        report.addSealed(row.subject(), row.usage().statement().kernels());
      }
      UsageMeter m = sealer.meter();
      long eps = m.epochSeconds() * 1000L;
      long firstOpen = Math.max(m.sealedThrough() + 1, Math.floorDiv(r.fromMs() + eps - 1, eps));
      long lastOpen = Math.floorDiv(r.toMs() - 1, eps);
      m.openUsage(r.device(), firstOpen, lastOpen).forEach(report::add);
      return report;
    }, false).onSuccess(report -> {
      if ("csv".equals(format)) {
        ctx.response().putHeader("content-type", "text/csv; charset=utf-8").end(report.toCsv());
      } else {
        long openFrom = (sealer.meter().sealedThrough() + 1) * sealer.meter().epochSeconds() * 1000L;
        ctx.response().putHeader("content-type", "application/json")
            .end(report.toJson(gatewayId, r.fromMs(), r.toMs(), openFrom).encodePrettily());
      }
    }).onFailure(e -> error(ctx, 503, "usage could not be read: " + e.getMessage()));
  }

  private void statements(RoutingContext ctx) {
    if (!on(ctx)) {
      return;
    }
    Range r;
    try {
      r = range(ctx);
    } catch (IllegalArgumentException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    vertx.executeBlocking(() -> sealer.statements(r.device(), r.fromMs(), r.toMs(), MAX_STATEMENTS), false)
        .compose(stage -> Future.fromCompletionStage(stage, vertx.getOrCreateContext()))
        .onSuccess(list -> ctx.response().putHeader("content-type", "application/json")
            .end(UsageCodec.toJson(list).toPrettyString()))
        .onFailure(e -> {
          Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof IllegalArgumentException) {
            error(ctx, 400, cause.getMessage());
          } else {
            error(ctx, 503, "statements could not be read: " + cause.getMessage());
          }
        });
  }

  private static void error(RoutingContext ctx, int status, String message) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }
}
