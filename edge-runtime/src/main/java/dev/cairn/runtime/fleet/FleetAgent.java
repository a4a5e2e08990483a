package dev.cairn.runtime.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.runtime.Failures;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.ConfigException;
import dev.cairn.runtime.config.ConfigLoader;
import dev.cairn.runtime.config.GatewayConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet mode: a gateway that takes its settings from the fleet broker. It subscribes (Paho, MQTT 5) to
 * {@code cairn/fleet/{id}/config}; a new configuration must carry the operator's signature, name this
 * gateway and have a higher version than the one applied (replays and downgrades are refused). It is
 * then applied, the health check must pass, and otherwise the last good configuration comes back. The
 * outcome is a retained status on {@code cairn/fleet/{id}/status}: applied version, SHA-256 of the
 * effective settings, last error. A bad configuration never takes the gateway down.
 *
 * <p>The last good configuration is kept in {@code dataDir/fleet-applied.json} (as signed), so a
 * restart comes back with it and still refuses older versions. Lost connections to the broker are
 * retried with jittered exponential backoff (0.5 s doubling to 60 s, times 0.5 to 1.5).
 */
public final class FleetAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FleetAgent.class);
  static final String STATE_FILE = "fleet-applied.json";
  static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(30);

  private final String broker;
  private final String gatewayId;
  private final Ed25519PublicKeyParameters operator;
  private final GatewayConfig local;
  private final UnaryOperator<GatewayConfig> localOverrides;
  private final Clock clock;
  /** Applies configurations one at a time, off Paho's threads. */
  private final ExecutorService applier = Executors.newSingleThreadExecutor(r -> daemon(r, "cairn-fleet-apply"));
  private final ScheduledExecutorService connector = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "cairn-fleet-connect"));
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private volatile Gateway gateway;
  private volatile SignedConfig applied;
  private volatile String lastError;
  private volatile long rejectedVersion = -1;
  private volatile boolean closed;
  private MqttClient client;
  private int failures;

  /**
   * @param local the settings to run with until a fleet configuration is applied
   * @param localOverrides applied on top of every fleet configuration: what this machine's command
   *     line sets (its data directory, its id)
   */
  public FleetAgent(String broker, String gatewayId, Ed25519PublicKeyParameters operator, GatewayConfig local,
      UnaryOperator<GatewayConfig> localOverrides, Clock clock) {
    this.broker = broker;
    this.gatewayId = gatewayId;
    this.operator = operator;
    this.local = local;
    local.setGatewayId(gatewayId);
    this.localOverrides = localOverrides;
    this.clock = clock;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Starts the gateway (with the last good fleet configuration, if any) and connects to the broker. */
  public Gateway start() throws Exception {
    SignedConfig kept = readState();
    if (kept != null) {
      try {
        gateway = startGateway(configOf(kept));
        applied = kept;
        LOG.info("{} runs fleet {} version {} (kept from the last run)", gatewayId, kept.fleet(), kept.version());
      } catch (Exception e) {
        LOG.error("{} could not start with the kept fleet configuration version {}: {}; starting with the local settings",
            gatewayId, kept.version(), e.getMessage());
        lastError = "kept configuration version " + kept.version() + " did not start: " + e.getMessage();
      }
    }
    if (gateway == null) {
      gateway = startGateway(local);
    }
    connector.execute(this::connect);
    return gateway;
  }

  /** The gateway now running (it changes when a configuration is applied). */
  public Gateway gateway() {
    return gateway;
  }

  /** The fleet configuration applied, or null while running on the local settings. */
  public SignedConfig applied() {
    return applied;
  }

  private void connect() {
    if (closed) {
      return;
    }
    try {
      if (client == null) {
        client = new MqttClient(broker, "cairn-gateway-" + gatewayId, new MemoryPersistence());
        client.setCallback(new Callback());
      }
      MqttConnectionOptions o = BrokerConnection.options(BrokerConnection.Settings.of(broker));
      // Last will: a status saying this gateway is gone, if it vanishes without a word.
      o.setWill(FleetSigning.statusTopic(gatewayId), new MqttMessage(status("offline").getBytes(StandardCharsets.UTF_8), 1, true, null));
      client.connect(o);
      failures = 0;
      // The MqttSubscription[] form: Paho 1.2.5's subscribe(String[], int[], ...) calls itself until the stack overflows.
      client.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
              new org.eclipse.paho.mqttv5.common.MqttSubscription(FleetSigning.configTopic(gatewayId), 1)},
          new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(topic, message) -> {
            byte[] payload = message.getPayload();
            applier.execute(() -> onConfig(payload));
          }});
      LOG.info("{} connected to fleet broker {}; waiting for configurations on {}", gatewayId, broker, FleetSigning.configTopic(gatewayId));
      publishStatus();
    } catch (MqttException e) {
      long delay = backoff(failures++);
      LOG.warn("{} cannot reach fleet broker {} ({}); retrying in {} ms", gatewayId, broker, e.getMessage(), delay);
      connector.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }
  }

  /** Delay before reconnect attempt {@code n} (0-based): 0.5 s doubling up to 60 s, jittered by 0.5 to 1.5. */
  static long backoff(int n) {
    return BrokerConnection.backoff(n);
  }

  private final class Callback implements MqttCallback {
    @Override
    public void disconnected(MqttDisconnectResponse response) {
      if (!closed) {
        LOG.warn("{} lost the fleet broker ({}); reconnecting", gatewayId, response.getReasonString());
        connector.schedule(FleetAgent.this::connect, backoff(failures++), TimeUnit.MILLISECONDS);
      }
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
      LOG.warn("{} fleet broker error: {}", gatewayId, exception.getMessage());
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      // Messages arrive through the subscription's listener.
    }

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {}

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
  }

  /** Checks and applies one configuration message; any refusal leaves the running gateway as it is. */
  void onConfig(byte[] message) {
    SignedConfig next;
    try {
      next = SignedConfig.verify(message, operator);
    } catch (IllegalArgumentException e) {
      refuse(-1, "configuration refused: " + e.getMessage());
      return;
    }
    if (!gatewayId.equals(next.gatewayId())) {
      refuse(next.version(), "configuration version " + next.version() + " is for gateway '" + next.gatewayId() + "', not '" + gatewayId + "'");
      return;
    }
    long current = applied == null ? 0 : applied.version();
    if (next.version() <= current) {
      if (applied != null && next.version() == current && next.configSha256().equals(applied.configSha256())) {
        return; // the retained message again, after a reconnect
      }
      refuse(next.version(), "configuration version " + next.version() + " refused: version " + current
          + " is applied and versions only go up (a replay or a downgrade)");
      return;
    }
    GatewayConfig config;
    try {
      config = configOf(next);
    } catch (ConfigException e) {
      refuse(next.version(), "configuration version " + next.version() + " refused: " + e.getMessage());
      return;
    }
    apply(next, config);
  }

  private void apply(SignedConfig next, GatewayConfig config) {
    Gateway old = gateway;
    GatewayConfig oldConfig = old.config();
    java.util.Set<String> changed = changedSettings(applied, next);
    LOG.info("{} applying fleet {} version {} (changed: {})", gatewayId, next.fleet(), next.version(), changed);
    String failure = null;
    boolean live = false;
    Gateway started = null;
    try {
      live = old.reconfigure(config, changed).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (!live) {
        old.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        started = startGateway(config);
      }
      String health = healthCheck(live ? old : started);
      if (health != null) {
        failure = "health check failed: " + health;
      }
    } catch (Exception e) {
      failure = "did not start: " + Failures.message(e);
    }
    if (failure == null) {
      gateway = live ? old : started;
      applied = next;
      lastError = null;
      rejectedVersion = -1;
      writeState(next);
      LOG.info("{} applied fleet {} version {} {} (settings {})", gatewayId, next.fleet(), next.version(),
          live ? "live" : "with a restart", next.configSha256());
      publishStatus();
      return;
    }
    failure += rollBack(old, oldConfig, started, changed);
    refuse(next.version(), "configuration version " + next.version() + " rolled back: " + failure);
  }

  /** Back to the last good settings: live where the change was live, else a fresh start. "" when that worked. */
  private String rollBack(Gateway old, GatewayConfig oldConfig, Gateway started, java.util.Set<String> changed) {
    try {
      if (old.state() == Gateway.State.RUNNING && old.reconfigure(oldConfig, changed).toCompletionStage().toCompletableFuture()
          .get(60, TimeUnit.SECONDS)) {
        gateway = old;
        return "";
      }
      if (started != null) {
        started.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      if (old.state() == Gateway.State.RUNNING) {
        old.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      gateway = startGateway(oldConfig);
      return "";
    } catch (Exception e) {
      LOG.error("{} could not go back to the last good configuration", gatewayId, e);
      return "; rolling back failed too: " + Failures.message(e);
    }
  }

  /** The top-level settings that differ between two signed configurations (all of them when there is no previous one). */
  static java.util.Set<String> changedSettings(SignedConfig previous, SignedConfig next) {
    java.util.Set<String> changed = new java.util.TreeSet<>();
    ObjectNode before = previous == null ? null : previous.config();
    java.util.Set<String> keys = new java.util.TreeSet<>();
    next.config().fieldNames().forEachRemaining(keys::add);
    if (before != null) {
      before.fieldNames().forEachRemaining(keys::add);
    }
    for (String k : keys) {
      if (before == null || !java.util.Objects.equals(before.get(k), next.config().get(k))) {
        changed.add(k);
      }
    }
    if (previous == null) {
      changed.add("(first fleet configuration)");
    }
    return changed;
  }

  /** Null when healthy, else what is wrong: the gateway must be running and its admin API answer UP. */
  private String healthCheck(Gateway g) {
    if (g.state() != Gateway.State.RUNNING) {
      return "state " + g.state();
    }
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort() + "/health"))
          .timeout(HEALTH_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("\"UP\"") ? null : "GET /health answered " + r.statusCode() + " " + r.body();
    } catch (IOException e) {
      return "GET /health failed: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private void refuse(long version, String reason) {
    LOG.warn("{}: {}", gatewayId, reason);
    lastError = reason;
    rejectedVersion = version;
    publishStatus();
  }

  private Gateway startGateway(GatewayConfig config) throws Exception {
    return Gateway.start(config, clock).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private GatewayConfig configOf(SignedConfig c) {
    GatewayConfig parsed = ConfigLoader.parse("fleet " + c.fleet() + " version " + c.version(), c.config().toString());
    GatewayConfig effective = localOverrides.apply(parsed);
    effective.setGatewayId(gatewayId);
    effective.coapOptions(); // settings that read files are checked now, not half-way through a restart
    return effective;
  }

  String status(String state) {
    ObjectNode s = FleetManifest.JSON.createObjectNode();
    SignedConfig a = applied;
    s.put("gatewayId", gatewayId).put("state", state);
    if (a == null) {
      s.putNull("fleet").put("appliedVersion", 0).putNull("configSha256");
    } else {
      s.put("fleet", a.fleet()).put("appliedVersion", a.version()).put("configSha256", a.configSha256());
    }
    if (lastError == null) {
      s.putNull("lastError");
    } else {
      s.put("lastError", lastError);
    }
    if (rejectedVersion >= 0) {
      s.put("rejectedVersion", rejectedVersion);
    }
    s.put("at", clock.instant().toString());
    return s.toString();
  }

  private void publishStatus() {
    MqttClient c = client;
    if (c == null || !c.isConnected()) {
      return; // published on the next connect
    }
    try {
      Gateway g = gateway;
      MqttMessage m = new MqttMessage(status(g == null ? "STOPPED" : g.state().name()).getBytes(StandardCharsets.UTF_8));
      m.setQos(1);
      m.setRetained(true);
      c.publish(FleetSigning.statusTopic(gatewayId), m);
    } catch (MqttException e) {
      LOG.warn("{} could not publish its fleet status: {}", gatewayId, e.getMessage());
    }
  }

  private Path stateFile() {
    return local.dataDir().resolve(STATE_FILE);
  }

  private SignedConfig readState() {
    Path f = stateFile();
    if (!Files.exists(f)) {
      return null;
    }
    try {
      return SignedConfig.verify(Files.readAllBytes(f), operator);
    } catch (IOException | IllegalArgumentException e) {
      LOG.error("{} ignores {}: {}", gatewayId, f, e.getMessage());
      return null;
    }
  }

  private void writeState(SignedConfig c) {
    Path f = stateFile();
    Path tmp = f.resolveSibling(STATE_FILE + ".tmp");
    try {
      Files.createDirectories(f.getParent());
      Files.write(tmp, c.toMessage());
      Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.error("{} could not keep the applied configuration in {}: {}", gatewayId, f, e.getMessage());
    }
  }

  /** Disconnects from the broker and stops the gateway. */
  @Override
  public void close() {
    closed = true;
    connector.shutdownNow();
    applier.shutdown();
    try {
      applier.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    MqttClient c = client;
    if (c != null) {
      try {
        if (c.isConnected()) {
          c.disconnect();
        }
        c.close();
      } catch (MqttException e) {
        LOG.debug("closing the fleet connection", e);
      }
    }
    Gateway g = gateway;
    if (g != null) {
      try {
        g.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("{} did not stop cleanly", gatewayId, e);
      }
    }
  }
}
