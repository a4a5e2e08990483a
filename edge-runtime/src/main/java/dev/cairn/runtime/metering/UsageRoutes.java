package dev.cairn.runtime.metering;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.anchor.usage.UsageCodec;
import dev.cairn.anchor.usage.UsageStatement;
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
 * {@code GET /v1/usage?device=&from=&to=&format=csv}, {@code GET /v1/usage/statements?device=&from=&to=} (or
 * {@code ?peer=ID}, or {@code ?kind=peer} for every peer: the statements of work done here for peer gateways,
 * countersigned once the peer agreed) and {@code GET /v1/usage/disputes?from=&to=} on the admin API. {@code from} and {@code to} are ISO-8601 instants or Unix milliseconds; an epoch is in
 * the range when it starts in [from, to). SQLite is read on a worker thread.
 */
public final class UsageRoutes {
  /** Most statements one request returns. */
  public static final int MAX_STATEMENTS = 10_000;
  /** Most sealed statements one report sums. */
  static final int MAX_REPORT_ROWS = 1_000_000;
  private static final ObjectMapper JSON = new ObjectMapper();

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
    router.get("/v1/usage/disputes").handler(r::disputes);
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
    String peer = ctx.queryParams().get("peer");
    String kind = ctx.queryParams().get("kind");
    try {
      r = range(ctx);
      if (kind != null && !kind.equals(UsageStatement.DEVICE) && !kind.equals(UsageStatement.PEER)) {
        throw new IllegalArgumentException("kind must be device or peer, was '" + kind + "'");
      }
      if (peer != null && (peer.isEmpty() || peer.length() > UsageStatement.MAX_ID_CHARS || peer.contains("/"))) {
        throw new IllegalArgumentException("peer must be a gateway id of 1.." + UsageStatement.MAX_ID_CHARS
            + " characters without '/'");
      }
      if (peer != null && (r.device() != null || UsageStatement.DEVICE.equals(kind))) {
        throw new IllegalArgumentException("ask for a device's statements or a peer's, not both");
      }
    } catch (IllegalArgumentException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    String k = peer != null ? UsageStatement.PEER : kind == null ? UsageStatement.DEVICE : kind;
    String subject = peer != null ? peer : r.device();
    vertx.executeBlocking(() -> sealer.statements(k, subject, r.fromMs(), r.toMs(), MAX_STATEMENTS), false)
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

  private void disputes(RoutingContext ctx) {
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
    vertx.executeBlocking(() -> sealer.peers().disputes(r.fromMs(), r.toMs(), MAX_STATEMENTS), false)
        .onSuccess(list -> {
          ObjectNode o = JSON.createObjectNode().put("gateway", gatewayId);
          ArrayNode a = o.putArray("disputes");
          list.forEach(d -> a.add(disputeJson(d)));
          ObjectNode refused = o.putObject("refused");
          sealer.peers().refused().forEach(refused::put);
          ctx.response().putHeader("content-type", "application/json").end(o.toPrettyString());
        })
        .onFailure(e -> error(ctx, 503, "disputes could not be read: " + e.getMessage()));
  }

  static ObjectNode disputeJson(PeerUsageStore.Dispute d) {
    UsageStatement s = d.executor().statement();
    ObjectNode o = JSON.createObjectNode().put("role", d.role()).put("executedBy", s.gatewayId())
        .put("requestedBy", s.subjectId()).put("epoch", s.epoch()).put("from", Instant.ofEpochMilli(s.fromMs()).toString())
        .put("to", Instant.ofEpochMilli(s.toMs()).toString()).put("recordedAt", Instant.ofEpochMilli(d.atMs()).toString());
    ArrayNode diff = o.putArray("differences");
    for (String x : d.differences().split("; ")) {
      diff.add(x);
    }
    o.set("executorVersion", UsageCodec.toJson(d.executor()));
    o.set("requesterVersion", UsageCodec.toJson(d.requester()));
    return o;
  }

  private static void error(RoutingContext ctx, int status, String message) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }
}
