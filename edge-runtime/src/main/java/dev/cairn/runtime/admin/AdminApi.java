package dev.cairn.runtime.admin;

import dev.cairn.anchor.AnchorStats;
import dev.cairn.runtime.Gateway;
import dev.cairn.scheduler.SchedulerStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.TreeMap;

/**
 * The admin HTTP API (loopback by default): {@code GET /health} and {@code GET /v1/stats}. Handlers
 * only read counters; nothing here blocks an event loop.
 */
public final class AdminApi {
  private final Vertx vertx;
  private final Gateway gateway;
  private HttpServer server;

  public AdminApi(Vertx vertx, Gateway gateway) {
    this.vertx = vertx;
    this.gateway = gateway;
  }

  /**
   * Listens on {@code host:port}, over TLS when {@code access} names certificate files, and lets in whom
   * {@code access} allows ({@link AdminAccess}). {@code /health} is open to all: it says only up or down.
   */
  public Future<Integer> start(String host, int port, dev.cairn.runtime.config.AdminSettings.Access access) {
    AdminAccess who = new AdminAccess(access.token(), access.clientCaFile() != null,
        gateway.config().mqtt().auth() != dev.cairn.adapters.mqtt.MqttEndpointOptions.AuthMode.NONE, gateway.mqtt());
    Router router = Router.router(vertx);
    router.route("/v1/receipts/:deviceId/*").handler(who::deviceOrAdmin);
    router.route("/metrics").handler(who::admin);
    router.route("/v1/results/:deviceId/*").handler(who::deviceOrAdmin);
    router.route("/v1/*").handler(ctx -> {
      if (ctx.request().path().startsWith("/v1/receipts/") || ctx.request().path().startsWith("/v1/results/")) {
        ctx.next();
      } else {
        who.admin(ctx);
      }
    });
    router.get("/health").handler(ctx -> {
      boolean up = gateway.state() == Gateway.State.RUNNING;
      ctx.response()
          .setStatusCode(up ? 200 : 503)
          .putHeader("content-type", "application/json")
          .end(new JsonObject()
              .put("status", up ? "UP" : "DOWN")
              .put("state", gateway.state().name())
              .put("gatewayId", gateway.config().gatewayId())
              .encode());
    });
    router.get("/v1/gateway").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json")
        .end(new JsonObject()
            .put("gatewayId", gateway.config().gatewayId())
            .put("publicKey", java.util.HexFormat.of().formatHex(gateway.anchor().publicKey()))
            .put("keyType", "Ed25519")
            .put("sinks", new io.vertx.core.json.JsonArray(gateway.config().anchor().sinks()))
            .encodePrettily()));
    router.get("/v1/receipts/:deviceId/:jobId").handler(ctx -> {
      String device = ctx.pathParam("deviceId");
      String job = ctx.pathParam("jobId");
      boolean cbor = String.valueOf(ctx.request().getHeader("accept")).contains("application/cbor");
      Future.fromCompletionStage(gateway.receipt(device, job), vertx.getOrCreateContext())
          .onSuccess(lookup -> {
            if (lookup.status() == dev.cairn.anchor.ReceiptLookup.Status.READY) {
              ctx.response()
                  .putHeader("content-type", cbor ? "application/cbor" : "application/json")
                  .end(io.vertx.core.buffer.Buffer.buffer(cbor
                      ? dev.cairn.anchor.ReceiptCodec.toCbor(lookup.receipt())
                      : dev.cairn.anchor.ReceiptCodec.toJson(lookup.receipt())));
            } else {
              ctx.response().setStatusCode(404).putHeader("content-type", "application/json")
                  .end(new JsonObject().put("status", lookup.status().name()).put("detail", lookup.detail()).encode());
            }
          })
          .onFailure(e -> ctx.response().setStatusCode(503).putHeader("content-type", "application/json")
              .end(new JsonObject().put("status", "ERROR").put("detail", e.getMessage()).encode()));
    });
    dev.cairn.runtime.metrics.StatusRoutes.mount(router, gateway);
    dev.cairn.runtime.metering.UsageRoutes.mount(router, vertx, gateway.usage(), gateway.config().gatewayId(),
        gateway.clock());
    router.get("/v1/results/:deviceId/:jobId").handler(ctx -> KeptResultRoute.handle(ctx, vertx, gateway.keptResults()));
    router.get("/v1/peers").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json")
        .end(dev.cairn.runtime.network.PeersJson.of(gateway.network()).encodePrettily()));
    router.get("/v1/evidence").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json")
        .end(new io.vertx.core.json.JsonArray(gateway.network() == null ? java.util.List.of()
            : gateway.network().evidence().stream().map(JsonObject::new).toList()).encodePrettily()));
    router.post("/v1/peers/:id/:action").handler(ctx -> {
      String action = ctx.pathParam("action");
      dev.cairn.runtime.network.NetworkNode node = gateway.network();
      String reason = ctx.request().getParam("reason", "set by the operator");
      boolean known = node != null && (action.equals("quarantine") || action.equals("lift"))
          && node.peers().quarantine(ctx.pathParam("id"), action.equals("lift") ? null : reason);
      ctx.response().setStatusCode(known ? 200 : 404).putHeader("content-type", "application/json")
          .end(known ? dev.cairn.runtime.network.PeersJson.of(node).encodePrettily()
              : new JsonObject().put("error", "POST /v1/peers/{id}/quarantine or /v1/peers/{id}/lift, for a pinned peer in network.peers")
                  .encode());
    });
    router.get("/v1/stats").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json")
        .end(stats().encodePrettily()));
    return vertx.createHttpServer(serverOptions(access))
        .requestHandler(router)
        .listen(port, host)
        .map(s -> {
          server = s;
          return s.actualPort();
        });
  }

  private static io.vertx.core.http.HttpServerOptions serverOptions(dev.cairn.runtime.config.AdminSettings.Access access) {
    // HTTP/1.1 only: an h2c upgrade (the JDK's HTTP client asks for one) of a large answer such as /metrics
    // ended in a protocol error on the client.
    io.vertx.core.http.HttpServerOptions o = new io.vertx.core.http.HttpServerOptions().setHttp2ClearTextEnabled(false);
    if (access.tls()) {
      o.setSsl(true)
          .setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
              .setCertPath(access.certFile().toString()).setKeyPath(access.keyFile().toString()));
      o.setEnabledSecureTransportProtocols(java.util.Set.of("TLSv1.2", "TLSv1.3"));
      if (access.clientCaFile() != null) {
        o.setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(access.clientCaFile().toString()));
        o.setClientAuth(io.vertx.core.http.ClientAuth.REQUIRED);
      }
    }
    return o;
  }

  /** The cost model: "kernel backend" to {input elements: microseconds per call}. */
  private static JsonObject placementModel(SchedulerStats s) {
    JsonObject model = new JsonObject();
    s.costModel().forEach((key, sizes) -> {
      JsonObject bySize = new JsonObject();
      sizes.forEach((n, micros) -> bySize.put(String.valueOf(n), micros));
      model.put(key, bySize);
    });
    return model;
  }

  JsonObject stats() {
    SchedulerStats s = gateway.scheduler().stats();
    AnchorStats a = gateway.anchor().stats();
    Map<String, Object> refusals = new TreeMap<>();
    s.refusals().forEach((code, n) -> refusals.put(code.name(), n));
    return new JsonObject()
        .put("gatewayId", gateway.config().gatewayId())
        .put("backend", gateway.backendName())
        .put("mqtt", new JsonObject().put("port", gateway.mqttPort()).put("connections", gateway.mqtt().connections()))
        .put("jobs", new JsonObject()
            .put("accepted", s.accepted())
            .put("completed", s.completed())
            .put("failed", s.failed())
            .put("queued", s.queued())
            .put("running", s.running())
            .put("refusals", new JsonObject(refusals))
            .put("byBackend", new JsonObject(new java.util.LinkedHashMap<>(s.backends())))
            .put("batchedLaunches", s.batches()))
        .put("placement", placementModel(s))
        .put("receipts", new JsonObject()
            .put("leaves", a.leaves())
            .put("batchesSealed", a.batchesSealed())
            .put("lastTreeSize", a.lastTreeSize())
            .put("lastRoot", a.lastRootHex())
            .put("leafSyncs", a.leafSyncs()))
        .put("sessions", sessionStats());
  }

  /** Persistent MQTT sessions and kept results, for operators watching sleeping devices. */
  private JsonObject sessionStats() {
    dev.cairn.adapters.mqtt.MqttEndpoint.SessionStats ss = gateway.mqtt().sessionStats();
    JsonObject o = new JsonObject().put("persistent", ss.sessions()).put("expired", ss.expired())
        .put("jobsRefusedForFullSessions", ss.refusedJobs());
    if (gateway.keptResults() instanceof dev.cairn.runtime.results.KeepingScheduler k) {
      o.put("resultsKept", k.kept()).put("resultsReplayed", k.replayed()).put("retentionMs", k.retentionMs());
    }
    return o;
  }

  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
