package dev.cairn.adapters.mqtt.impl;

import dev.cairn.adapters.mqtt.SessionOptions;
import dev.cairn.anchor.kept.KeptStore;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent sessions of the endpoint. A QoS 1 message for a session goes into the journal first and is
 * sent if the session is connected; it leaves the journal when the device acknowledges it. On reconnect the
 * queue is read back and sent in order, before anything newer. Per device, results waiting (or about to)
 * are bounded: past the bound new jobs are refused, kept results are never dropped.
 */
final class Sessions {
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

  /** Sends on a connection, on its event loop. */
  interface Publisher {
    void publish(DeviceConnection c, String topic, Buffer payload, MqttQoS qos, byte[] correlation, String contentType,
        int packetId, long expirySeconds);
  }

  private final SessionOptions options;
  private final KeptStore store;
  private final Clock clock;
  private final Publisher publisher;
  private final long windowBytes;
  private final Map<String, SessionState> byKey = new ConcurrentHashMap<>();
  private final Map<String, Set<SessionState>> byDevice = new ConcurrentHashMap<>();
  /** Jobs accepted per device whose result is not delivered yet: they will be queued too. */
  private final Map<String, Integer> reserved = new ConcurrentHashMap<>();
  private final Set<String> expiryLogged = ConcurrentHashMap.newKeySet();
  private final AtomicLong expired = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

  /**
   * @param windowBytes bytes at most sent to one session and not yet acknowledged (at least one message), so that
   *     a connection's write queue never fills with its session's backlog
   */
  Sessions(SessionOptions options, KeptStore store, Clock clock, Publisher publisher, long windowBytes) {
    this.windowBytes = windowBytes;
    this.options = options;
    this.store = store;
    this.clock = clock;
    this.publisher = publisher;
  }

  /** Takes up the sessions kept in the journal; one connected when the gateway stopped is offline from now. */
  Future<Integer> load() {
    return Future.fromCompletionStage(store.sessions()).map(all -> {
      long now = clock.millis();
      for (KeptStore.Stored st : all) {
        KeptStore.Session s = st.session();
        int slash = s.clientId().indexOf('/');
        SessionState state = new SessionState(s.deviceId(), s.clientId().substring(slash + 1));
        try {
          state.decode(s.subscriptions());
        } catch (IllegalArgumentException e) {
          LOG.warn("{} persistent session {} cannot be read ({}); it is removed", s.deviceId(), s.clientId(), e.getMessage());
          store.removeSession(s.clientId());
          continue;
        }
        state.offlineSinceMs = s.expiresMs() == Long.MAX_VALUE ? now : s.expiresMs() - state.expiryMs;
        state.counted(st.queued().count(), st.queued().bytes());
        add(state);
      }
      if (!all.isEmpty()) {
        LOG.info("{} persistent MQTT sessions taken up from the journal", all.size());
      }
      return all.size();
    });
  }

  private void add(SessionState s) {
    byKey.put(s.key, s);
    byDevice.computeIfAbsent(s.deviceId, d -> ConcurrentHashMap.newKeySet()).add(s);
  }

  private void remove(SessionState s) {
    byKey.remove(s.key, s);
    byDevice.computeIfPresent(s.deviceId, (d, set) -> {
      set.remove(s);
      return set.isEmpty() ? null : set;
    });
    store.removeSession(s.key);
  }

  /**
   * A connection was accepted (before its CONNACK): takes up or starts its session as its clean flag and
   * session expiry ask. Returns whether a session was present; {@code c.session} is set when it has one.
   */
  boolean connect(DeviceConnection c) {
    boolean clean = c.ep.isCleanSession();
    long expirySeconds;
    if (c.v5()) {
      MqttProperties.MqttProperty<?> p = c.ep.connectProperties() == null ? null
          : c.ep.connectProperties().getProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
      long asked = p == null ? 0 : ((Integer) p.value()) & 0xFFFFFFFFL;
      expirySeconds = Math.min(asked, options.maxExpirySeconds());
      if (asked > expirySeconds) {
        c.grantedExpirySeconds = expirySeconds;
      }
    } else {
      expirySeconds = clean ? 0 : options.maxExpirySeconds();
    }
    String key = SessionState.key(c.deviceId, c.ep.clientIdentifier());
    SessionState existing = byKey.get(key);
    if (clean && existing != null) {
      takeOver(existing);
      remove(existing);
      existing = null;
    }
    if (existing == null && expirySeconds == 0) {
      return false;
    }
    SessionState s = existing != null ? existing : new SessionState(c.deviceId, c.ep.clientIdentifier());
    takeOver(s);
    List<DeviceConnection.Subscription> subs;
    synchronized (s) {
      s.expiryMs = expirySeconds * 1000;
      s.connection = c;
      s.lastSent = 0;
      s.inFlight.clear();
      s.inFlightBytes = 0;
      s.backlog.clear();
      s.window = window(c);
      s.replaying = true;
      s.waiting.clear();
      subs = s.subscriptions;
    }
    c.session = s;
    c.subscriptions.addAll(subs);
    if (existing == null) {
      add(s);
    }
    store.putSession(new KeptStore.Session(s.key, s.deviceId, s.encode(), Long.MAX_VALUE));
    store.queued(s.key, clock.millis()).whenComplete((list, e) -> c.context.runOnContext(v -> replay(s, c, list, e)));
    LOG.debug("{} session {} {} (expiry {} s)", c.deviceId, c.ep.clientIdentifier(), existing != null ? "resumed" : "started",
        expirySeconds);
    return existing != null;
  }

  /** Messages at most sent to a session and not yet acknowledged; less when an MQTT 5 client asks for less. */
  static final int WINDOW = 64;

  private static int window(DeviceConnection c) {
    if (!c.v5() || c.ep.connectProperties() == null) {
      return WINDOW;
    }
    MqttProperties.MqttProperty<?> p = c.ep.connectProperties().getProperty(MqttPropertyType.RECEIVE_MAXIMUM.value());
    return p == null ? WINDOW : Math.max(1, Math.min(WINDOW, (Integer) p.value()));
  }

  /** A session's old connection gives way to a new one with the same client id. */
  private static void takeOver(SessionState s) {
    DeviceConnection old;
    synchronized (s) {
      old = s.connection;
      s.connection = null;
    }
    if (old != null) {
      old.context.runOnContext(v -> {
        LOG.info("{} connection of client id {} closed: a new connection took over its session", old.deviceId, old.ep.clientIdentifier());
        try {
          if (old.ep.isConnected() && old.v5()) {
            old.ep.disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, MqttProperties.NO_PROPERTIES);
          } else {
            old.ep.close();
          }
        } catch (IllegalArgumentException closed) {
          // Vert.x's "MQTT endpoint is closed": the old connection ended by itself meanwhile; nothing to close.
        }
      });
    }
  }

  /** Sends the queue read back from the journal, in order, then what came meanwhile. On {@code c}'s event loop. */
  private void replay(SessionState s, DeviceConnection c, List<KeptStore.Queued> queued, Throwable failure) {
    if (failure != null) {
      LOG.error("{} session {}: its queued results could not be read; they stay queued for the next connection", s.deviceId,
          s.clientId, failure);
      c.ep.close();
      return;
    }
    List<SessionState.Waiting> after;
    synchronized (s) {
      if (s.connection != c) {
        return;
      }
      s.replaying = false;
      long bytes = 0;
      for (KeptStore.Queued q : queued) {
        bytes += q.message().length;
      }
      // The journal's count (expired messages are gone from it) plus what is on its way in.
      s.queuedCount = queued.size() + s.waiting.size();
      s.queuedBytes = bytes + s.waiting.stream().mapToLong(SessionState.Waiting::bytes).sum();
      after = new ArrayList<>(s.waiting);
      s.waiting.clear();
    }
    for (KeptStore.Queued q : queued) {
      QueuedMessage m;
      try {
        m = QueuedMessage.decode(q.message());
      } catch (IllegalArgumentException e) {
        LOG.warn("{} session {}: queued message {} cannot be read ({}); it is removed", s.deviceId, s.clientId, q.seq(), e.getMessage());
        store.dequeue(s.key, List.of(q.seq()));
        s.counted(-1, -q.message().length);
        continue;
      }
      send(s, c, q.seq(), m, q.message().length, q.expiresMs());
    }
    for (SessionState.Waiting w : after) {
      send(s, c, w.seq(), w.message(), w.bytes(), w.expiresMs());
    }
    if (!queued.isEmpty()) {
      LOG.debug("{} session {}: {} queued results sent on reconnect", s.deviceId, s.clientId, queued.size());
    }
  }

  /** Puts a message in line for {@code c}, once; it goes out as soon as the window has room. On {@code c}'s event loop. */
  private void send(SessionState s, DeviceConnection c, long seq, QueuedMessage m, int bytes, long expiresMs) {
    synchronized (s) {
      if (s.connection != c || seq <= s.lastSent) {
        return;
      }
      s.lastSent = seq;
      s.backlog.add(new SessionState.Waiting(seq, m, bytes, expiresMs));
    }
    pump(s, c);
  }

  /**
   * Sends from the session's line while fewer than its window wait for a PUBACK: a full queue read back at
   * reconnect goes out as fast as the device takes it, not all at once into a connection it would overflow.
   * A message that expired in line is dropped from the journal instead. On {@code c}'s event loop.
   */
  private void pump(SessionState s, DeviceConnection c) {
    while (true) {
      SessionState.Waiting w;
      int packetId;
      synchronized (s) {
        if (s.connection != c || s.backlog.isEmpty() || (!s.inFlight.isEmpty()
            && (s.inFlight.size() >= s.window || s.inFlightBytes + s.backlog.peek().bytes() > windowBytes))) {
          return;
        }
        w = s.backlog.poll();
        if (w.expiresMs() <= clock.millis()) {
          s.counted(-1, -w.bytes());
          store.dequeue(s.key, List.of(w.seq()));
          continue;
        }
        packetId = c.nextPacketId();
        s.inFlight.put(packetId, new SessionState.Sent(w.seq(), w.bytes()));
        s.inFlightBytes += w.bytes();
      }
      QueuedMessage m = w.message();
      long expirySeconds = w.expiresMs() == Long.MAX_VALUE ? -1 : Math.max(1, (w.expiresMs() - clock.millis() + 999) / 1000);
      publisher.publish(c, m.topic(), Buffer.buffer(m.payload()), MqttQoS.AT_LEAST_ONCE, m.correlation(), m.contentType(), packetId,
          expirySeconds);
    }
  }

  /**
   * Hands a message to every session of the device subscribed to {@code topic}: at QoS 1 it is queued in the
   * journal (and sent if connected), at QoS 0 sent only if connected. {@code queue} false: sent to connected
   * sessions only (receipts). False if no session of the device is subscribed. Each copy going into the journal
   * adds its commit to {@code queuedInto}.
   */
  boolean deliver(String deviceId, String topic, Buffer payload, MqttQoS maxQos, byte[] correlation, String contentType,
      long expirySeconds, boolean queue, List<java.util.concurrent.CompletableFuture<?>> queuedInto) {
    boolean taken = false;
    for (SessionState s : byDevice.getOrDefault(deviceId, Set.of())) {
      MqttQoS qos = s.match(topic, maxQos);
      if (qos == null) {
        continue;
      }
      taken = true;
      DeviceConnection c;
      synchronized (s) {
        c = s.connection;
      }
      if (qos == MqttQoS.AT_MOST_ONCE || !queue) {
        if (c != null) {
          DeviceConnection to = c;
          to.context.runOnContext(v -> publisher.publish(to, topic, payload, qos, correlation, contentType,
              qos == MqttQoS.AT_MOST_ONCE ? 0 : to.nextPacketId(), expirySeconds));
        }
        continue;
      }
      QueuedMessage m = new QueuedMessage(topic, payload.getBytes(), correlation, contentType);
      byte[] bytes = m.encode();
      long expiresMs = expirySeconds > 0 ? clock.millis() + expirySeconds * 1000 : Long.MAX_VALUE;
      s.counted(1, bytes.length);
      java.util.concurrent.CompletableFuture<Long> enqueued = store.enqueue(s.key, bytes, expiresMs).toCompletableFuture();
      queuedInto.add(enqueued);
      enqueued.whenComplete((seq, e) -> {
        if (e != null || seq < 0) {
          s.counted(-1, -bytes.length);
          if (e != null) {
            LOG.error("{} session {}: a result could not be queued; it can still be fetched by its job id", s.deviceId, s.clientId, e);
          }
          return;
        }
        DeviceConnection now;
        synchronized (s) {
          now = s.connection;
          if (now != null && s.replaying) {
            s.waiting.add(new SessionState.Waiting(seq, m, bytes.length, expiresMs));
            return;
          }
        }
        if (now != null) {
          now.context.runOnContext(v -> send(s, now, seq, m, bytes.length, expiresMs));
        }
      });
    }
    return taken;
  }

  /** The device acknowledged a message: it leaves the journal. On the connection's event loop. */
  void acknowledged(DeviceConnection c, int packetId) {
    SessionState s = c.session;
    if (s == null) {
      return;
    }
    SessionState.Sent sent;
    synchronized (s) {
      sent = s.connection == c ? s.inFlight.remove(packetId) : null;
      if (sent != null) {
        s.inFlightBytes -= sent.bytes();
      }
    }
    if (sent != null) {
      s.counted(-1, -sent.bytes());
      store.dequeue(s.key, List.of(sent.seq()));
      pump(s, c);
    }
  }

  /** A connection's subscriptions changed: its session keeps them. On the connection's event loop. */
  void subscriptionsChanged(DeviceConnection c) {
    SessionState s = c.session;
    if (s == null) {
      return;
    }
    synchronized (s) {
      s.subscriptions = List.copyOf(c.subscriptions);
    }
    store.putSession(new KeptStore.Session(s.key, s.deviceId, s.encode(), Long.MAX_VALUE));
  }

  /** A connection closed: its session waits for the device, until its expiry interval passes. */
  void disconnected(DeviceConnection c) {
    SessionState s = c.session;
    if (s == null) {
      return;
    }
    long now = clock.millis();
    synchronized (s) {
      if (s.connection != c) {
        return;
      }
      s.connection = null;
      s.inFlight.clear();
      s.backlog.clear();
      s.waiting.clear();
      s.replaying = false;
      s.offlineSinceMs = now;
    }
    if (s.expiryMs == 0) {
      remove(s);
      return;
    }
    store.putSession(new KeptStore.Session(s.key, s.deviceId, s.encode(), now + s.expiryMs));
  }

  /**
   * Before a job of the device is accepted: null, and the job's result reserved a place, when its sessions
   * have room; otherwise why it is refused. {@link #released} gives the place back once the result is handed on.
   */
  String admit(String deviceId) {
    Set<SessionState> sessions = byDevice.get(deviceId);
    if (sessions != null && !sessions.isEmpty()) {
      long count = 0;
      long bytes = 0;
      for (SessionState s : sessions) {
        synchronized (s) {
          count = Math.max(count, s.queuedCount);
          bytes = Math.max(bytes, s.queuedBytes);
        }
      }
      long waiting = count + reserved.getOrDefault(deviceId, 0);
      if (waiting >= options.maxQueuedResults() || bytes >= options.maxQueuedBytes()) {
        refused.incrementAndGet();
        return "device '" + deviceId + "' has " + waiting + " results (" + bytes + " bytes) waiting in its persistent session"
            + (sessions.size() > 1 ? "s" : "") + ", the most allowed (mqtt.sessions.maxQueuedResults " + options.maxQueuedResults()
            + ", maxQueuedBytes " + options.maxQueuedBytes() + "); reconnect with that session and take them, then retry";
      }
    }
    reserved.merge(deviceId, 1, Integer::sum);
    return null;
  }

  void released(String deviceId) {
    reserved.computeIfPresent(deviceId, (d, n) -> n > 1 ? n - 1 : null);
  }

  /** Removes the sessions offline past their expiry interval; completes with how many. Logged once per device. */
  int expire() {
    long now = clock.millis();
    int n = 0;
    for (SessionState s : byKey.values()) {
      long count;
      synchronized (s) {
        if (s.connection != null || now - s.offlineSinceMs < s.expiryMs) {
          continue;
        }
        count = s.queuedCount;
      }
      remove(s);
      n++;
      expired.incrementAndGet();
      if (expiryLogged.add(s.deviceId)) {
        LOG.info("{} persistent session {} expired after {} s offline; {} undelivered results went with it (each can still be"
            + " fetched by its job id within results.retention); later expiries of this device are logged at debug",
            s.deviceId, s.clientId, s.expiryMs / 1000, count);
      } else {
        LOG.debug("{} persistent session {} expired with {} undelivered results", s.deviceId, s.clientId, count);
      }
    }
    return n;
  }

  long expiredCount() {
    return expired.get();
  }

  long refusedCount() {
    return refused.get();
  }

  int count() {
    return byKey.size();
  }
}
