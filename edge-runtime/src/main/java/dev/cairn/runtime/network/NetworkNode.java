package dev.cairn.runtime.network;

import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.PeerSignature;
import dev.cairn.runtime.config.NetworkSettings;
import dev.cairn.runtime.fleet.BrokerConnection;
import dev.cairn.runtime.metering.PeerUsage;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.Scheduler;
import dev.cairn.scheduler.SchedulerStats;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This gateway's place in the network: one Paho MQTT 5 connection to the broker (the fleet agent's
 * connection settings, {@link BrokerConnection}), its signed retained announcement refreshed every
 * {@code announceIntervalMs} on a Vert.x timer, the peers' announcements ({@link PeerTable}), and jobs
 * peers send it: each is checked, run by the local scheduler (which journals its leaf here) and answered
 * on the requester's reply topic. Nothing here blocks an event loop: Paho's calls are asynchronous.
 */
public final class NetworkNode {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkNode.class);
  static final String GATEWAYS = "cairn/net/gateways/";
  static final String TO = "cairn/net/to/";
  static final String REPLY = "cairn/net/reply/";
  static final String EVIDENCE = "cairn/net/evidence";
  /** Usage statements of work between two gateways, their countersignatures and disputes: {@code cairn/net/usage/{peer}}. */
  static final String USAGE = "cairn/net/usage/";
  /** Receipts of jobs a gateway ran for {@code {requester}}: {@code cairn/net/receipts/{requester}} ({@link ReceiptChain}). */
  static final String RECEIPTS = "cairn/net/receipts/";
  /** Jobs any gateway with the kernel may take: {@code cairn/net/work/{kernel}}, through the shared subscription {@link #SHARED}. */
  static final String WORK = "cairn/net/work/";
  static final String SHARED = "$share/cairn/";
  /** The addressee of a job on {@link #WORK}: whichever gateway the broker gives it to. */
  static final String ANY = "*";
  /** Evidence records kept in memory for {@code GET /v1/evidence}. */
  static final int KEPT_EVIDENCE = 64;
  static final String SIGNATURE_PROPERTY = "cairn-sig";
  /** Retries, 2 ms apart, of a publish the broker's receive window has no room for yet. */
  static final int WINDOW_RETRIES = 2500;

  /** Called with a reply's payload, signature and correlation data, on Paho's thread. */
  interface ReplyHandler {
    void reply(byte[] payload, byte[] signature, byte[] correlation);
  }

  private final Vertx vertx;
  private final String self;
  private final NetworkSettings settings;
  private final int maxWorkBytes;
  private final AnchorService anchor;
  private final Scheduler local;
  private final String backends;
  private final Clock clock;
  private final PeerTable peers;
  /** The operator's endorsement of this gateway's key, announced with it; or null. */
  private final Endorsement endorsement;
  private final LogLimiter refused;
  private final MqttAsyncClient client;
  /** Read once at start: the password file is not read again on an event loop at each reconnect. */
  private final BrokerConnection.Settings broker;
  private volatile ReplyHandler replies = (p, s, c) -> {};
  /** Usage of work between gateways, or null when metering is off; set once, before {@link #start}. */
  private volatile PeerUsage usage;
  private volatile java.util.function.BiConsumer<byte[], byte[]> receipts = (p, s) -> {};
  private final java.util.Deque<String> evidence = new java.util.ArrayDeque<>();
  private volatile boolean closed;
  private long announceTimer = -1;
  private int failures;
  private long lastAnnouncedAt;

  private NetworkNode(Vertx vertx, String self, NetworkSettings settings, int maxPayloadBytes, AnchorService anchor, Scheduler local,
      String backends, Clock clock) throws MqttException {
    this.vertx = vertx;
    this.self = self;
    this.settings = settings;
    // A job's inputs grow by a third in base64, plus the JSON around them.
    this.maxWorkBytes = maxPayloadBytes * 2 + 4096;
    this.anchor = anchor;
    this.local = local;
    this.backends = backends;
    this.clock = clock;
    this.peers = new PeerTable(self, settings.peerKeys(), settings.operatorKey(), settings.maxPeers(), clock,
        settings.unknownAfterMs(), settings.downAfterMs());
    this.endorsement = settings.endorsementFile() == null ? null
        : Endorsement.own(settings.endorsementFile(), self, anchor.publicKey());
    this.refused = new LogLimiter(LOG, clock);
    this.broker = new BrokerConnection.Settings(settings.brokers(), settings.caFile(), settings.username(), settings.password());
    this.client = new MqttAsyncClient(settings.brokers().get(0), "cairn-net-" + self, new MemoryPersistence());
    client.setCallback(new Callback());
  }

  /**
   * A node for gateway {@code self}; {@link #start} connects it.
   *
   * @throws IllegalStateException when the broker URL cannot be used
   */
  public static NetworkNode create(Vertx vertx, String self, NetworkSettings settings, int maxPayloadBytes, AnchorService anchor,
      Scheduler local, String backends, Clock clock) {
    try {
      return new NetworkNode(vertx, self, settings, maxPayloadBytes, anchor, local, backends, clock);
    } catch (MqttException e) {
      throw new IllegalStateException("network.broker " + settings.brokers() + " cannot be used: " + e.getMessage(), e);
    }
  }

  public PeerTable peers() {
    return peers;
  }

  public String self() {
    return self;
  }

  public boolean connected() {
    return client.isConnected();
  }

  void onReplies(ReplyHandler handler) {
    replies = handler;
  }

  /** Meters work between this gateway and its peers through {@code u}: its statements go on {@code cairn/net/usage/{peer}}. */
  public void metering(PeerUsage u) {
    u.link(new UsageLink(peers::key, (peer, message) -> publish(USAGE + peer, message, PeerSignature.USAGE, false, null, null, 0),
        refused));
    usage = u;
  }

  /** A peer's signed answer to a job of this gateway was taken: what it ran for this gateway is recorded. */
  void answered(String executor, dev.cairn.scheduler.JobRequest job, WorkMessages.Reply reply) {
    if (usage != null) {
      usage.answered(executor, job, reply.result(), reply.usageEpoch(), reply.cpuMicros());
    }
  }

  /** Called with each receipt's payload and signature on {@code cairn/net/receipts/{self}}, on Paho's thread. */
  void onReceipts(java.util.function.BiConsumer<byte[], byte[]> handler) {
    receipts = handler;
  }

  /** Sends {@code peer} this gateway's receipt of a job it ran for it, signed in {@link PeerSignature#RECEIPT}. */
  boolean sendReceipt(String peer, byte[] body) {
    return publish(RECEIPTS + peer, body, PeerSignature.RECEIPT, false, null, null, 0);
  }

  /** Starts connecting (retried with backoff while the broker cannot be reached) and the announcement timer. */
  public void start() {
    announceTimer = vertx.setPeriodic(settings.announceIntervalMs(), id -> announceNow());
    vertx.runOnContext(v -> connect());
  }

  private void connect() {
    if (closed) {
      return;
    }
    MqttConnectionOptions o = BrokerConnection.options(broker);
    try {
      client.connect(o, null, new MqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          failures = 0;
          subscribe();
        }

        @Override
        public void onFailure(IMqttToken token, Throwable e) {
          retry("cannot reach", e);
        }
      });
    } catch (MqttException e) {
      retry("cannot reach", e);
    }
  }

  private void retry(String what, Throwable e) {
    if (closed) {
      return;
    }
    long delay = BrokerConnection.backoff(failures++);
    LOG.warn("{} {} network broker {} ({}); retrying in {} ms", self, what, settings.brokers(), e == null ? "-" : e.getMessage(), delay);
    vertx.setTimer(delay, t -> connect());
  }

  private void subscribe() {
    try {
      List<MqttSubscription> subs = new java.util.ArrayList<>(List.of(
          new MqttSubscription(GATEWAYS + "+", 1), new MqttSubscription(TO + self, 1), new MqttSubscription(REPLY + self, 1),
          new MqttSubscription(USAGE + self, 1), new MqttSubscription(RECEIPTS + self, 1)));
      // One member of each kernel's shared group: the broker gives each job on cairn/net/work/{kernel} to one of them.
      local.catalog().all().forEach(k -> subs.add(new MqttSubscription(SHARED + WORK + k.spec().name(), 1)));
      client.subscribe(subs.toArray(MqttSubscription[]::new),
          null, new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
              LOG.info("{} joined the network through {}; {} pinned peers", self, client.getCurrentServerURI(), peers.peers().size());
              announceNow();
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
              LOG.warn("{} could not subscribe to the network topics: {}", self, e.getMessage());
            }
          }, new MqttProperties());
    } catch (MqttException e) {
      LOG.warn("{} could not subscribe to the network topics: {}", self, e.getMessage());
    }
  }

  /** Publishes this gateway's announcement now (it is also refreshed every {@code announceIntervalMs}). */
  public void announceNow() {
    if (!client.isConnected()) {
      return;
    }
    SchedulerStats s = local.stats();
    Map<String, String> kernels = new LinkedHashMap<>();
    local.catalog().all().forEach(k -> kernels.put(k.spec().name(), k.spec().version()));
    // Each announcement's time goes forward, even when the clock does not (peers drop older ones).
    long at = Math.max(clock.millis(), lastAnnouncedAt + 1);
    lastAnnouncedAt = at;
    String version = NetworkNode.class.getPackage().getImplementationVersion();
    Announcement a = new Announcement(self, anchor.publicKey(), kernels, List.of(backends.split("\\+")),
        Math.max(0, local.options().queueCapacity() - s.queued()), s.queued(), s.running(), settings.labels(),
        version == null ? "dev" : version, at, endorsement);
    byte[] body = a.toJson();
    publish(GATEWAYS + self, body, PeerSignature.ANNOUNCE, true, null, null, 0);
  }

  byte[] sign(PeerSignature domain, byte[] body) {
    return anchor.signForPeers(domain, body);
  }

  /**
   * Replicas of {@code job} disagreed: each peer among {@code v.dissenting()} is quarantined (when there was a
   * quorum to disagree with), and every signed answer is published on {@code cairn/net/evidence}, signed by this
   * gateway, and kept for {@code GET /v1/evidence}.
   */
  void evidence(dev.cairn.scheduler.JobRequest job, int quorum, Quorum.Verdict v) {
    com.fasterxml.jackson.databind.node.ObjectNode o = Announcement.JSON.createObjectNode()
        .put("v", 1).put("from", self).put("job", job.id()).put("device", job.deviceId()).put("kernel", job.kernel())
        .put("quorum", quorum).put("at", clock.millis());
    Base64.Encoder b64 = Base64.getEncoder();
    for (String side : List.of("agreeing", "dissenting")) {
      com.fasterxml.jackson.databind.node.ArrayNode a = o.putArray(side);
      for (Quorum.Answer x : side.equals("agreeing") ? v.agreeing() : v.dissenting()) {
        a.addObject().put("gateway", x.gateway()).put("outputs", Quorum.outputsKey(x.result()))
            .put("answer", b64.encodeToString(x.body())).put("signature", b64.encodeToString(x.signature()));
      }
    }
    byte[] body;
    try {
      body = Announcement.JSON.writeValueAsBytes(o);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    List<String> agreeing = v.agreeing().stream().map(Quorum.Answer::gateway).toList();
    for (Quorum.Answer d : v.dissenting()) {
      if (agreeing.isEmpty()) {
        LOG.warn("{} job {} of {}: replicas disagree with no quorum ({} answered {})", self, job.id(), job.deviceId(), d.gateway(),
            Quorum.outputsKey(d.result()).substring(0, 12));
      } else if (self.equals(d.gateway())) {
        LOG.error("{} job {} of {}: this gateway's outputs differ from those of {}, which agree", self, job.id(), job.deviceId(), agreeing);
      } else {
        peers.contradicted(d.gateway());
        peers.quarantine(d.gateway(), "answered job " + job.id() + " of " + job.deviceId() + " unlike " + agreeing
            + " (signed answers published on " + EVIDENCE + ")");
      }
    }
    byte[] signature = anchor.signForPeers(PeerSignature.EVIDENCE, body);
    com.fasterxml.jackson.databind.node.ObjectNode record = Announcement.JSON.createObjectNode();
    record.set("evidence", o);
    record.put("body", b64.encodeToString(body)).put("signature", b64.encodeToString(signature));
    synchronized (evidence) {
      evidence.addFirst(record.toString());
      while (evidence.size() > KEPT_EVIDENCE) {
        evidence.removeLast();
      }
    }
    publish(EVIDENCE, body, PeerSignature.EVIDENCE, false, null, null, 0);
  }

  /**
   * The evidence this gateway published, newest first: JSON objects {@code {"evidence": {...}, "body": base64,
   * "signature": base64}}, each checkable offline with {@code cairn verify} ({@link EvidenceVerifier}).
   */
  public List<String> evidence() {
    synchronized (evidence) {
      return List.copyOf(evidence);
    }
  }

  /** Offers a job to whichever gateway with its kernel the broker chooses; false when the broker did not take it. */
  boolean sendShared(String kernel, byte[] body, byte[] correlation, long expirySeconds) {
    return publish(WORK + kernel, body, PeerSignature.WORK, false, REPLY + self, correlation, expirySeconds);
  }

  /**
   * The key an answer from {@code gateway} must be signed with: a pinned peer's that is not quarantined, or
   * this gateway's own (a shared job can come back to the gateway that offered it); null for anyone else.
   */
  byte[] answerKey(String gateway) {
    if (self.equals(gateway)) {
      return anchor.publicKey();
    }
    PeerTable.Peer p = peers.peer(gateway);
    return p == null || p.state() == PeerTable.State.QUARANTINED ? null : peers.key(gateway);
  }

  /** Sends a job to {@code peer}; false when it could not be handed to the broker. */
  boolean send(String peer, byte[] body, byte[] correlation, long expirySeconds) {
    return publish(TO + peer, body, PeerSignature.WORK, false, REPLY + self, correlation, expirySeconds);
  }

  private boolean publish(String topic, byte[] body, PeerSignature domain, boolean retained, String responseTopic, byte[] correlation,
      long expirySeconds) {
    MqttMessage m = new MqttMessage(body, 1, retained, null);
    MqttProperties p = new MqttProperties();
    p.setUserProperties(List.of(new UserProperty(SIGNATURE_PROPERTY, Base64.getEncoder().encodeToString(anchor.signForPeers(domain, body)))));
    p.setContentType("application/json");
    if (responseTopic != null) {
      p.setResponseTopic(responseTopic);
    }
    if (correlation != null) {
      p.setCorrelationData(correlation);
    }
    if (expirySeconds > 0) {
      p.setMessageExpiryInterval(expirySeconds);
    }
    m.setProperties(p);
    return publish(topic, m, 0);
  }

  /**
   * Hands a message to Paho. When the broker's receive window is full (Paho refuses with "too many
   * publishes in progress"; Mosquitto's is 20 by default), it is tried again 2 ms later, for up to about
   * {@link #WINDOW_RETRIES} times 2 ms, so a burst of jobs or answers waits instead of being lost.
   */
  private boolean publish(String topic, MqttMessage m, int attempt) {
    try {
      client.publish(topic, m);
      return true;
    } catch (MqttException e) {
      if (e.getReasonCode() == org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_MAX_INFLIGHT
          && attempt < WINDOW_RETRIES && !closed) {
        vertx.setTimer(2, t -> publish(topic, m, attempt + 1));
        return true;
      }
      refused.warn("publish:" + topic, "{} could not publish on {}: {}", self, topic, e.getMessage());
      return false;
    }
  }

  private static byte[] signature(MqttMessage m) {
    MqttProperties p = m.getProperties();
    if (p == null) {
      return null;
    }
    for (UserProperty u : p.getUserProperties()) {
      if (SIGNATURE_PROPERTY.equals(u.getKey())) {
        try {
          return Base64.getDecoder().decode(u.getValue());
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
    }
    return null;
  }

  /**
   * A job from a peer: run here when it is signed by that pinned, not quarantined peer and addressed here, or
   * offered to any gateway on {@code cairn/net/work/{kernel}} (possibly by this gateway itself: MQTT 5 allows no
   * No Local on a shared subscription, so the broker may hand a gateway back its own job).
   */
  private void onWork(MqttMessage m, String sharedKernel) {
    byte[] payload = m.getPayload();
    WorkMessages.Work w;
    try {
      w = WorkMessages.parseWork(payload, maxWorkBytes);
    } catch (IllegalArgumentException e) {
      refused.warn("work-malformed", "{} ignores a malformed job on {}: {}", self, TO + self, e.getMessage());
      return;
    }
    byte[] key = sharedKernel != null && self.equals(w.from()) ? anchor.publicKey() : peers.key(w.from());
    byte[] sig = signature(m);
    MqttProperties p = m.getProperties();
    String addressing = sharedKernel == null
        ? (self.equals(w.to()) ? null : "it is addressed to '" + w.to() + "'")
        : (ANY.equals(w.to()) && sharedKernel.equals(w.job().kernel()) ? null
            : "a job on " + WORK + sharedKernel + " must be for any gateway and of that kernel");
    String reason = key == null ? "'" + w.from() + "' is not a pinned peer"
        : sig == null || !PeerSignature.WORK.verify(key, payload, sig) ? "it is not signed by " + w.from() + "'s pinned key"
        : addressing != null ? addressing
        : p == null || !(REPLY + w.from()).equals(p.getResponseTopic()) ? "its response topic is not " + REPLY + w.from()
        : !Arrays.equals(w.correlation().getBytes(StandardCharsets.US_ASCII), p.getCorrelationData()) ? "its correlation data differ from its body's"
        : !self.equals(w.from()) && peers.peer(w.from()).state() == PeerTable.State.QUARANTINED ? w.from() + " is quarantined"
        : null;
    if (reason != null) {
      refused.warn("work:" + w.from(), "{} ignores a job from {}: {}", self, w.from(), reason);
      return;
    }
    LOG.debug("{} runs job {} of {} for {}", self, w.job().id(), w.job().deviceId(), w.from());
    local.submit(w.job()).whenComplete((result, e) -> {
      JobResult r = e == null ? result : JobResult.error(w.job().id(), w.job().deviceId(), dev.cairn.scheduler.ErrorCode.INTERNAL,
          "the job failed on " + self + ": " + e.getMessage());
      byte[] reply = WorkMessages.reply(self, w.from(), w.correlation(), r, usage == null || e != null ? null : usage.claim(r.leaf()));
      publish(p.getResponseTopic(), reply, PeerSignature.WORK_RESULT, false, null, p.getCorrelationData(), 0);
    });
  }

  /** Stops announcing and leaves the broker; completes within about 5 s whatever the broker does. */
  public Future<Void> stop() {
    closed = true;
    if (announceTimer >= 0) {
      vertx.cancelTimer(announceTimer);
    }
    Promise<Void> done = Promise.promise();
    vertx.executeBlocking(() -> {
      try {
        if (client.isConnected()) {
          client.disconnect(1000).waitForCompletion(5000);
        }
      } catch (MqttException e) {
        LOG.debug("{} leaving the network broker", self, e);
      }
      try {
        client.close(true);
      } catch (MqttException e) {
        LOG.debug("{} closing the network client", self, e);
      }
      return null;
    }, false).onComplete(ar -> done.complete());
    return done.future();
  }

  private final class Callback implements MqttCallback {
    @Override
    public void disconnected(MqttDisconnectResponse response) {
      retry("lost", null);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
      LOG.warn("{} network broker error: {}", self, exception.getMessage());
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      if (topic.startsWith(GATEWAYS)) {
        peers.accept(topic.substring(GATEWAYS.length()), message.getPayload(), signature(message), message.isRetained());
      } else if (topic.equals(TO + self)) {
        onWork(message, null);
      } else if (topic.startsWith(WORK)) {
        onWork(message, topic.substring(WORK.length()));
      } else if (topic.equals(USAGE + self) && usage != null) { // set once, before the node starts
        usage.received(message.getPayload(), signature(message));
      } else if (topic.equals(REPLY + self)) {
        MqttProperties p = message.getProperties();
        replies.reply(message.getPayload(), signature(message), p == null ? null : p.getCorrelationData());
      } else if (topic.equals(RECEIPTS + self)) {
        receipts.accept(message.getPayload(), signature(message));
      }
    }

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {}

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
  }
}
