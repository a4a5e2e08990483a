package dev.cairn.runtime;

import dev.cairn.adapters.mqtt.MqttEndpoint;
import dev.cairn.anchor.AnchorService;
import dev.cairn.kernels.Backend;
import dev.cairn.kernels.Backends;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.runtime.admin.AdminApi;
import dev.cairn.runtime.config.GatewayConfig;
import dev.cairn.runtime.metering.EpochSealer;
import dev.cairn.runtime.metering.QuotaScheduler;
import dev.cairn.runtime.metrics.GatewayMetrics;
import dev.cairn.runtime.metrics.MetricsScheduler;
import dev.cairn.scheduler.Scheduler;
import dev.cairn.scheduler.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: the MQTT endpoint, the scheduler with its backend, the anchor service and the
 * admin API, started and stopped in dependency order.
 */
public final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  /** Lifecycle of the gateway as a whole. */
  public enum State {
    NEW,
    STARTING,
    RUNNING,
    STOPPING,
    STOPPED,
    FAILED
  }

  private volatile GatewayConfig config;
  private final Clock clock;
  private final KernelCatalog kernels;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private Vertx vertx;
  private final java.util.List<Backend> backends = new java.util.ArrayList<>();
  private AnchorService anchor;
  private EpochSealer usage;
  private QuotaScheduler quotas;
  private GatewayMetrics metrics;
  private Scheduler scheduler;
  private dev.cairn.runtime.results.KeepingScheduler keeping;
  private volatile MqttEndpoint mqtt;
  private volatile dev.cairn.adapters.coap.CoapEndpoint coap;
  private AdminApi admin;
  /** The network of gateways (null without a {@code network:} section) and the scheduler devices see through it. */
  private volatile dev.cairn.runtime.network.NetworkNode network;
  private volatile dev.cairn.runtime.network.Offloader devices;
  /** Receipts chaining this gateway's checkpoints and its peers' (null without a network). */
  private volatile dev.cairn.runtime.network.ReceiptChain chain;
  private Future<Void> stopped;

  private Gateway(GatewayConfig config, Clock clock, KernelCatalog kernels) {
    this.config = config;
    this.clock = clock;
    this.kernels = kernels;
  }

  /**
   * Starts a gateway. Opening the journal and key happens on the calling thread (it may touch the
   * disk), before any event loop serves a device.
   */
  public static Future<Gateway> start(GatewayConfig config, Clock clock) {
    return start(config, clock, KernelCatalog.builtIn());
  }

  /** Starts a gateway whose devices can run the kernels of {@code kernels}. */
  public static Future<Gateway> start(GatewayConfig config, Clock clock, KernelCatalog kernels) {
    Gateway g = new Gateway(config, clock, kernels);
    // Completed from plain threads: a failed start closes Vert.x, and a future bound to one of its
    // event loops would then never call back.
    Promise<Gateway> result = Promise.promise();
    g.doStart().onComplete(ar -> {
      if (ar.succeeded()) {
        result.complete(g);
        return;
      }
      g.state.set(State.FAILED);
      if (g.vertx == null) {
        result.fail(ar.cause()); // failed before anything was opened that stop() would close
        return;
      }
      Thread cleanup = new Thread(() -> g.stop().onComplete(stopped -> result.fail(ar.cause())), "cairn-failed-start");
      cleanup.setDaemon(true);
      cleanup.start();
    });
    return result.future();
  }

  private Future<Void> doStart() {
    state.set(State.STARTING);
    dev.cairn.adapters.coap.CoapEndpointOptions coapOptions;
    dev.cairn.adapters.mqtt.MqttEndpointOptions mqttOptions;
    dev.cairn.runtime.config.AdminSettings.Access adminAccess;
    dev.cairn.runtime.config.MeteringSettings.Settlement settlement;
    try {
      // Settings that read files (device keys) or depend on each other are checked before anything is opened.
      coapOptions = config.coapOptions();
      mqttOptions = config.mqttOptions();
      adminAccess = config.admin().access();
      settlement = config.metering().settlement(
          config.anchor().sinks().contains("ethereum") ? config.anchor().ethereum().privateKeyFile() : null);
      config.network().check();
    } catch (RuntimeException e) {
      state.set(State.FAILED);
      return Future.failedFuture(e);
    }
    try {
      anchor = AnchorService.open(config.anchorOptions(), clock);
      if (config.metering().enabled()) {
        usage = EpochSealer.start(anchor, config.gatewayId(), config.dataDir(), config.metering().epochSeconds(), clock,
            settlement).retention(config.metering().retention());
      }
      backends.add(Backends.jvm(config.jvm().threads()));
      accelerators();
      // Devices' jobs go through, from the outside in: metrics, kept results (a job already done gets its
      // kept result, whatever its quota or placement), quotas (a device over its quota here cannot get work
      // done by a peer instead), offload to peers, the local scheduler. Peers' jobs reach the local scheduler
      // directly.
      Scheduler local = Scheduler.create(config.schedulerOptions(), config.enabledKernels(kernels), backends,
          new AnchorSealer(anchor, usage), clock, Ticker.system());
      vertx = Vertx.vertx();
      network = config.network().enabled()
          ? dev.cairn.runtime.network.NetworkNode.create(vertx, config.gatewayId(), config.network(),
              config.schedulerOptions().maxPayloadBytes(), anchor, local, backendName(), clock)
          : null;
      if (network != null && usage != null) {
        network.metering(usage.peers());
      }
      chain = network == null ? null : new dev.cairn.runtime.network.ReceiptChain(config.gatewayId(), anchor, network, vertx, clock,
          config.dataDir(), (device, receipt) -> mqtt.publishToDevice(device, "receipts",
              () -> dev.cairn.anchor.ReceiptCodec.toJson(receipt), "application/json"));
      devices = new dev.cairn.runtime.network.Offloader(local, config.gatewayId(), network, config.network(), vertx, chain);
      Scheduler admitted = devices;
      if (usage != null) {
        quotas = new QuotaScheduler(devices, usage.meter(), clock, config.acl().quotas());
        admitted = quotas;
      }
      keeping = dev.cairn.runtime.results.KeepingScheduler.open(admitted, anchor.kept(), clock, config.results().retentionMs());
      scheduler = keeping;
      if (config.metrics().enabled()) {
        metrics = new GatewayMetrics();
        scheduler = new MetricsScheduler(scheduler, metrics.registry(), clock);
      }
    } catch (RuntimeException e) {
      state.set(State.FAILED);
      closeQuietly();
      return Future.failedFuture(e);
    }
    mqtt = MqttEndpoint.create(vertx, mqttOptions, scheduler, keeping, config.mqtt().sessions().options(), anchor.kept(), clock);
    if (metrics != null) {
      metrics.bind(this, config.anchor().sinks());
    }
    admin = new AdminApi(vertx, this);
    anchor.onAnchored(this::publishReceipts);
    try {
      coap = startCoap(coapOptions);
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    return startMqtt(mqtt, mqttOptions)
        .compose(v -> admin.start(config.admin().host(), config.admin().port(), adminAccess)
            .recover(e -> Future.failedFuture(new IllegalStateException(
                "admin API could not listen on " + config.admin().host() + ":" + config.admin().port()
                    + " (" + e.getMessage() + "); free the port or choose another with --admin-port or admin.port", e))))
        .<Void>mapEmpty()
        .onSuccess(v -> {
          if (network != null) {
            network.start();
          }
          state.set(State.RUNNING);
          LOG.info(
              "{} ready: mqtt on {}:{}, admin on {}://{}:{}, coap on {}, mqtts {} (auth {}), backend {}, data in {}",
              config.gatewayId(), mqttOptions.host(), mqtt.actualPort() < 0 ? "off" : mqtt.actualPort(),
              adminAccess.tls() ? "https" : "http", config.admin().host(),
              admin.actualPort(), coap == null ? "off" : coap.actualDtlsPort() >= 0
                  ? coap.actualPort() + " coaps " + coap.actualDtlsPort() : String.valueOf(coap.actualPort()),
              mqtt.actualTlsPort() < 0 ? "off" : "on " + mqtt.actualTlsPort(), mqttOptions.auth().mode().setting(),
              backendName(), config.dataDir().toAbsolutePath().normalize());
        });
  }

  /**
   * Stops cleanly: no new connections or jobs, jobs already accepted finish and are sealed, their
   * results are sent, the open batch is sealed, then everything closes. Idempotent.
   */
  public synchronized Future<Void> stop() {
    if (stopped != null) {
      return stopped;
    }
    if (state.get() != State.FAILED) {
      state.set(State.STOPPING);
    }
    LOG.info("{} stopping: finishing accepted jobs and sealing the open batch", config.gatewayId());
    if (coap != null) {
      coap.stop();
    }
    Future<Void> endpoints = mqtt == null ? Future.succeededFuture() : mqtt.stop().recover(this::logged);
    stopped =
        endpoints
            .compose(v -> {
              if (devices != null) {
                devices.failPending();
              }
              return network == null ? Future.<Void>succeededFuture() : network.stop();
            })
            .compose(v -> admin == null ? Future.succeededFuture() : admin.stop().recover(this::logged))
            .compose(v -> scheduler == null
                ? Future.<Void>succeededFuture()
                : Future.fromCompletionStage(scheduler.stop()).recover(this::logged))
            .compose(v -> {
              if (usage != null) {
                usage.close();
              }
              return anchor == null
                  ? Future.<Void>succeededFuture()
                  : Future.fromCompletionStage(anchor.close()).recover(this::logged);
            })
            .compose(v -> {
              backends.forEach(Backend::close);
              if (metrics != null) {
                metrics.close();
              }
              return vertx == null ? Future.<Void>succeededFuture() : vertx.close();
            })
            .onComplete(ar -> {
              if (state.get() != State.FAILED) {
                state.set(State.STOPPED);
              }
              LOG.info(
                  "{} stopped: {} leaves, {} batches sealed, last root {}", config.gatewayId(),
                  anchor == null ? 0 : anchor.stats().leaves(),
                  anchor == null ? 0 : anchor.stats().batchesSealed(),
                  anchor == null ? "-" : anchor.stats().lastRootHex());
            });
    return stopped;
  }

  /** Publishes each receipt of an anchored batch on its device's receipts topic, off the journal's thread. */
  private void publishReceipts(dev.cairn.anchor.AnchoredBatch batch) {
    vertx.executeBlocking(() -> {
      int sent = 0;
      for (dev.cairn.anchor.AnchoredBatch.Entry e : batch.receipts()) {
        // A peer's device's receipt goes to that peer; one of a job a peer ran waits for the peer's receipt.
        dev.cairn.anchor.Receipt r = chain == null ? e.receipt() : chain.anchored(e);
        if (r != null && mqtt.publishToDevice(e.deviceId(), "receipts", () -> dev.cairn.anchor.ReceiptCodec.toJson(r), "application/json")) {
          sent++;
        }
      }
      LOG.debug("{} batch {} anchored: {} of {} receipts had a subscriber", config.gatewayId(), batch.batch(), sent,
          batch.receipts().size());
      return sent;
    }, false).onFailure(e -> LOG.error("{} receipts of batch {} could not be published", config.gatewayId(), batch.batch(), e));
  }

  /** The receipt of a device's job: with the executing gateway's receipt when a peer ran it. */
  public java.util.concurrent.CompletionStage<dev.cairn.anchor.ReceiptLookup> receipt(String deviceId, String jobId) {
    return chain == null ? anchor.receipt(deviceId, jobId) : chain.lookup(deviceId, jobId);
  }

  private Future<Void> logged(Throwable e) {
    LOG.error("{} error while stopping", config.gatewayId(), e);
    return Future.succeededFuture();
  }

  private void closeQuietly() {
    try {
      if (usage != null) {
        usage.close();
      }
      if (anchor != null) {
        anchor.close().toCompletableFuture().join();
      }
    } catch (RuntimeException e) {
      LOG.warn("{} could not close the journal after a failed start", config.gatewayId(), e);
    }
    backends.forEach(Backend::close);
  }

  /**
   * Adds TornadoVM for {@code backend: auto} when it can start here, and requires it for {@code backend:
   * tornado}; either way the log says what was found or why not.
   */
  private void accelerators() {
    String wanted = config.backend();
    if (wanted.equals("jvm") || (wanted.equals("auto") && !Backends.tornadoBuilt())) {
      return;
    }
    try {
      backends.add(Backends.tornado());
    } catch (IllegalStateException e) {
      if (wanted.equals("tornado")) {
        throw new IllegalStateException("backend: tornado, but " + e.getMessage(), e);
      }
      LOG.warn("{} runs kernels on the CPU only: {}", config.gatewayId(), e.getMessage());
    }
  }

  /**
   * Creates and starts the CoAP endpoint; null when both plain CoAP and coaps are off.
   *
   * @throws IllegalStateException saying which address could not be bound and how to choose another
   */
  private dev.cairn.adapters.coap.CoapEndpoint startCoap(dev.cairn.adapters.coap.CoapEndpointOptions options) {
    if (!options.plain() && options.dtlsPort() < 0) {
      return null;
    }
    dev.cairn.adapters.coap.CoapEndpoint endpoint = dev.cairn.adapters.coap.CoapEndpoint.create(options, scheduler, this::receipt, keeping);
    try {
      endpoint.start();
      return endpoint;
    } catch (RuntimeException e) {
      endpoint.stop();
      throw new IllegalStateException("CoAP endpoint could not listen on " + options.host() + ":" + options.port() + " ("
          + e.getMessage() + "); free the port or choose another with --coap-port or coap.port", e);
    }
  }

  /**
   * Starts an MQTT endpoint; a port that cannot be bound is named with how to choose another, any other
   * failure (a password or key file) is passed on as it is.
   */
  private static Future<Void> startMqtt(MqttEndpoint endpoint, dev.cairn.adapters.mqtt.MqttEndpointOptions options) {
    return endpoint.start().<Void>mapEmpty().recover(e -> Future.failedFuture(!(e instanceof java.io.IOException) ? e
        : new IllegalStateException("MQTT endpoint could not listen on " + options.host() + ":" + options.port()
            + " (" + e.getMessage() + "); free the port or choose another with --mqtt-port or mqtt.port", e)));
  }

  /** Top-level settings {@link #reconfigure} changes without restarting the gateway. */
  public static final java.util.Set<String> LIVE_SETTINGS = java.util.Set.of("limits", "kernels", "acl", "batch", "anchor", "mqtt", "coap");

  /**
   * Applies new settings while running, when only {@link #LIVE_SETTINGS} changed (and not the worker
   * thread count): limits, kernels, the acl, batching and sinks take effect for new jobs and batches at once;
   * a changed {@code mqtt} or {@code coap} section restarts that endpoint alone (its devices
   * reconnect). Completes with false, changing nothing, when the change needs a restart.
   *
   * @param changed the top-level settings that differ from the running ones
   */
  public synchronized Future<Boolean> reconfigure(GatewayConfig next, java.util.Set<String> changed) {
    if (state.get() != State.RUNNING || !LIVE_SETTINGS.containsAll(changed)
        || next.schedulerOptions().workerThreads() != config.schedulerOptions().workerThreads()) {
      return Future.succeededFuture(false);
    }
    boolean coapChanged = changed.contains("coap");
    boolean anchoringChanged = changed.contains("anchor") || changed.contains("batch");
    dev.cairn.adapters.coap.CoapEndpointOptions coapOptions = null;
    dev.cairn.anchor.AnchorOptions anchorOptions = null;
    dev.cairn.adapters.mqtt.MqttEndpointOptions mqttOptions = null;
    try {
      // What can fail on bad settings (key files, sinks) is built before anything changes, and only for
      // the sections that changed: unchanged sinks keep running as they are.
      if (coapChanged) {
        coapOptions = next.coapOptions();
      }
      if (anchoringChanged) {
        anchorOptions = next.anchorOptions();
      }
      if (changed.contains("mqtt")) {
        mqttOptions = next.mqttOptions();
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    scheduler.reconfigure(next.schedulerOptions(), next.enabledKernels(kernels));
    if (quotas != null) {
      quotas.setQuotas(next.acl().quotas());
    }
    Future<Void> anchoring = anchoringChanged ? Future.fromCompletionStage(anchor.reconfigure(anchorOptions)) : Future.succeededFuture();
    if (coapChanged) {
      if (coap != null) {
        coap.stop();
        coap = null;
      }
      try {
        coap = startCoap(coapOptions);
      } catch (IllegalStateException e) {
        return Future.failedFuture(e);
      }
    }
    Future<Void> endpoint = Future.succeededFuture();
    if (mqttOptions != null) {
      dev.cairn.adapters.mqtt.MqttEndpointOptions o = mqttOptions;
      endpoint = mqtt.stop().compose(v -> {
        mqtt = MqttEndpoint.create(vertx, o, scheduler, keeping, next.mqtt().sessions().options(), anchor.kept(), clock);
        return startMqtt(mqtt, o);
      });
    }
    config = next;
    LOG.info("{} reconfigured without a restart: {}", next.gatewayId(), new java.util.TreeSet<>(changed));
    return Future.all(anchoring, endpoint).map(true);
  }

  public State state() {
    return state.get();
  }

  public GatewayConfig config() {
    return config;
  }

  /** The bound port of plain MQTT, or -1 when it is off. */
  public int mqttPort() {
    return mqtt.actualPort();
  }

  /** The bound port of MQTT over TLS, or -1 when it is off. */
  public int mqttTlsPort() {
    return mqtt.actualTlsPort();
  }

  /** The bound CoAP port, or -1 when plain CoAP is off. */
  public int coapPort() {
    return coap == null ? -1 : coap.actualPort();
  }

  /** The bound coaps port, or -1 when DTLS is off. */
  public int coapsPort() {
    return coap == null ? -1 : coap.actualDtlsPort();
  }

  public int adminPort() {
    return admin.actualPort();
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  public AnchorService anchor() {
    return anchor;
  }

  /** The metrics registry, or null when {@code metrics.enabled} is false. */
  public GatewayMetrics metrics() {
    return metrics;
  }

  /** Usage metering's sealer, or null when {@code metering.enabled} is false. */
  public EpochSealer usage() {
    return usage;
  }

  public Clock clock() {
    return clock;
  }

  /** Results kept by job id ({@code results.retention}). */
  public dev.cairn.scheduler.KeptResults keptResults() {
    return keeping;
  }

  public MqttEndpoint mqtt() {
    return mqtt;
  }

  /** Receipts chained with peers' (null without a network). */
  public dev.cairn.runtime.network.ReceiptChain receiptChain() {
    return chain;
  }

  /** The network of gateways, or null when {@code network:} is not set. */
  public dev.cairn.runtime.network.NetworkNode network() {
    return network;
  }

  /** The backends jobs can run on, e.g. {@code jvm} or {@code jvm+tornado}. */
  public String backendName() {
    return backends.stream().map(Backend::name).collect(java.util.stream.Collectors.joining("+"));
  }
}
