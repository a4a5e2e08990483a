package dev.cairn.adapters.mqtt.impl;

import dev.cairn.adapters.auth.CredentialStore;
import dev.cairn.adapters.codec.JobCodec;
import dev.cairn.adapters.mqtt.MqttEndpoint;
import dev.cairn.adapters.mqtt.MqttEndpointOptions;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.Scheduler;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.impl.CairnMqttListener;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device contract over Vert.x MQTT servers (plain and TLS). The endpoint is the broker of device
 * topics: it keeps each device's connections and subscriptions and delivers results to the matching ones.
 * Everything about a connection happens on that connection's event loop; results coming back from worker
 * threads hop onto it first.
 */
public final class VertxMqttEndpoint implements MqttEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(VertxMqttEndpoint.class);
  /** Room above the payload limit for topic and properties, so a merely oversize job gets TOO_LARGE. */
  static final int MESSAGE_SIZE_HEADROOM = 64 * 1024;
  /** How long a refused connection's last answers may take to leave before it is closed anyway. */
  static final long CLOSE_GRACE_MS = 2000;
  /** Bytes of an MQTT fixed header at most: the type byte and four of remaining length. */
  private static final int FIXED_HEADER_BYTES = 5;

  private final Vertx vertx;
  private final MqttEndpointOptions options;
  private final Scheduler scheduler;
  private final JobCodec codec = JobCodec.create();
  private final Map<String, Set<DeviceConnection>> byDevice = new ConcurrentHashMap<>();
  private final SocketLimits sockets;
  private final DeviceMessages messages;
  /** Persistent sessions, or null when every session is clean. */
  private final Sessions sessions;
  private final ResultRouting routing;
  private volatile long expiryTimer = -1;
  /** Accepted jobs whose result has not been handed to the connections yet. */
  private final AtomicLong outstanding = new AtomicLong();
  private final AtomicLong jobsIn = new AtomicLong();
  private final AtomicLong resultsOut = new AtomicLong();
  private final RateLimitedLog refusedSockets = new RateLimitedLog(LOG, 10_000);
  private final RateLimitedLog refusedHandshakes = new RateLimitedLog(LOG, 10_000);
  private volatile PasswordChecks passwords;
  private volatile ConnectAdmission admission;
  private volatile boolean stopping;
  private volatile Promise<Void> drained;
  private volatile NetServer plainServer;
  private volatile NetServer tlsServer;

  public VertxMqttEndpoint(Vertx vertx, MqttEndpointOptions options, Scheduler scheduler) {
    this(vertx, options, scheduler, dev.cairn.scheduler.KeptResults.none());
  }

  public VertxMqttEndpoint(Vertx vertx, MqttEndpointOptions options, Scheduler scheduler, dev.cairn.scheduler.KeptResults kept) {
    this(vertx, options, scheduler, kept, null, null, null);
  }

  /**
   * An endpoint with persistent sessions kept in {@code store} (null: every session is clean), bounded by
   * {@code sessionOptions}, expiring on {@code clock}.
   */
  public VertxMqttEndpoint(Vertx vertx, MqttEndpointOptions options, Scheduler scheduler, dev.cairn.scheduler.KeptResults kept,
      dev.cairn.adapters.mqtt.SessionOptions sessionOptions, dev.cairn.anchor.kept.KeptStore store, java.time.Clock clock) {
    this.sessions = store == null ? null : new Sessions(sessionOptions, store, clock, this::publish,
        options.maxQueuedBytesPerConnection() / 2);
    this.routing = new ResultRouting(options, byDevice, sessions);
    this.vertx = vertx;
    this.options = options;
    this.scheduler = scheduler;
    this.sockets = new SocketLimits(options.maxConnections(), options.maxConnectionsPerAddress());
    this.messages = new DeviceMessages(options, scheduler, kept, codec, new DeviceMessages.Delivery() {
      @Override
      public void deliver(String deviceId, DeviceMessages.Reply reply, JobResult result, boolean queued) {
        VertxMqttEndpoint.this.deliver(deviceId, reply, result, queued);
      }

      @Override
      public String admit(String deviceId) {
        return sessions == null ? null : sessions.admit(deviceId);
      }

      @Override
      public void released(String deviceId) {
        if (sessions != null) {
          sessions.released(deviceId);
        }
      }

      @Override
      public void accepted() {
        jobsIn.incrementAndGet();
        outstanding.incrementAndGet();
      }

      @Override
      public void done() {
        if (outstanding.decrementAndGet() == 0 && stopping && drained != null) {
          drained.tryComplete();
        }
      }

      @Override
      public boolean stopping() {
        return stopping;
      }
    });
  }

  @Override
  public Future<Integer> start() {
    int maxMessage = scheduler.options().maxPayloadBytes() + MESSAGE_SIZE_HEADROOM;
    try {
      if (options.auth().mode().needsPassword()) {
        CredentialStore store = CredentialStore.open(options.auth().passwordFile());
        passwords = new PasswordChecks(vertx, store, options.auth().passwordFileCheckMs(), this::revoke);
      } else if (options.auth().mode() == MqttEndpointOptions.AuthMode.NONE) {
        LOG.warn("mqtt.auth is none: any client can connect as any device (the user name or client id is taken as"
            + " given) and read that device's results and receipts; set mqtt.auth to password or certificate (SECURITY.md)");
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    admission = new ConnectAdmission(vertx, options, passwords, maxMessage + FIXED_HEADER_BYTES);
    Future<Integer> loaded = sessions == null ? Future.succeededFuture(0) : sessions.load();
    return loaded.compose(n -> {
      if (sessions != null) {
        expiryTimer = vertx.setPeriodic(SESSION_SWEEP_MS, t -> sessions.expire());
      }
      return listen(maxMessage);
    });
  }

  /** How often sessions past their expiry are looked for. */
  static final long SESSION_SWEEP_MS = 1000;

  private Future<Integer> listen(int maxMessage) {
    MqttServerOptions plain = new MqttServerOptions().setHost(options.host()).setPort(options.port()).setMaxMessageSize(maxMessage);
    Future<NetServer> plainStarted = options.plain()
        ? CairnMqttListener.listen(vertx, plain, options.connectTimeoutMs(), hooks(false)) : Future.succeededFuture();
    return plainStarted.compose(p -> {
      plainServer = p;
      if (options.tls() == null) {
        return Future.succeededFuture();
      }
      MqttServerOptions tls;
      try {
        tls = TlsOptions.serverOptions(options, maxMessage);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      tls.setHost(options.host());
      return CairnMqttListener.listen(vertx, tls, options.connectTimeoutMs(), hooks(true))
          .recover(e -> Future.failedFuture(new IllegalStateException("MQTT over TLS could not listen on " + options.host() + ":"
              + options.tls().port() + " (" + e.getMessage() + "); free the port or choose another with mqtt.tls.port", e)));
    }).map(t -> {
      tlsServer = t;
      LOG.info("MQTT endpoint listening on {} (plain {}, TLS {}, auth {})", options.host(),
          plainServer == null ? "off" : plainServer.actualPort(), tlsServer == null ? "off" : tlsServer.actualPort(),
          options.auth().mode().setting());
      return actualPort();
    }).onFailure(e -> closeServers());
  }

  private CairnMqttListener.Hooks hooks(boolean tls) {
    return new CairnMqttListener.Hooks() {
      @Override
      public boolean admit(NetSocketInternal socket) {
        String address = address(socket);
        String refusal = stopping ? "the gateway is stopping" : sockets.tryOpen(address);
        socket.channelHandlerContext().channel().attr(COUNTED_AS).set(address);
        if (refusal != null) {
          refusedSockets.warn("closed a new connection from {}: {}", address, refusal);
          return false;
        }
        return true;
      }

      @Override
      public void closed(NetSocketInternal socket) {
        // The address it was counted under: a closed channel may no longer know its peer.
        sockets.closed(socket.channelHandlerContext().channel().attr(COUNTED_AS).get());
      }

      @Override
      public void connected(io.vertx.mqtt.MqttEndpoint ep, NetSocketInternal socket) {
        admission.decide(ep, socket, tls, stopping, c -> onAccepted(c));
      }

      @Override
      public void refusedPacket(io.vertx.mqtt.MqttEndpoint ep, NetSocketInternal socket, boolean tooLarge, String reason) {
        String who = ep == null ? "a client" : ep.auth() != null ? ep.auth().getUsername() : ep.clientIdentifier();
        LOG.info("closing the connection of {} from {}: {}", who, address(socket), reason);
        if (ep != null && ep.isConnected() && ep.protocolVersion() == 5) {
          // An MQTT 5 DISCONNECT with its reason closes the connection itself.
          ep.disconnect(tooLarge ? MqttDisconnectReasonCode.PACKET_TOO_LARGE : MqttDisconnectReasonCode.MALFORMED_PACKET,
              MqttProperties.NO_PROPERTIES);
        } else {
          socket.close();
        }
        // What was already answered (a CONNACK) goes out first; a client that does not read is not waited for.
        vertx.setTimer(CLOSE_GRACE_MS, t -> {
          if (socket.channelHandlerContext().channel().isOpen()) {
            PacketFramer.closeNow(socket);
          }
        });
      }

      @Override
      public void failedBeforeConnect(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
          root = root.getCause();
        }
        refusedHandshakes.info("a TLS connection was refused in its handshake: {}", root.getMessage());
      }
    };
  }

  private static final io.netty.util.AttributeKey<String> COUNTED_AS = io.netty.util.AttributeKey.valueOf("cairn.mqtt.address");

  private static String address(NetSocketInternal socket) {
    return socket.remoteAddress() == null ? "?" : socket.remoteAddress().hostAddress();
  }

  private void onAccepted(DeviceConnection c) {
    io.vertx.mqtt.MqttEndpoint ep = c.ep;
    ep.publishAutoAck(false);
    ep.subscriptionAutoAck(false);
    if (sessions != null) {
      c.sessionPresent = sessions.connect(c);
      ep.publishAcknowledgeHandler(id -> guarded(c, () -> sessions.acknowledged(c, id)));
    }
    ep.subscribeHandler(m -> guarded(c, () -> {
      messages.onSubscribe(c, m);
      if (sessions != null) {
        sessions.subscriptionsChanged(c);
      }
    }));
    ep.unsubscribeHandler(m -> guarded(c, () -> {
      messages.onUnsubscribe(c, m);
      if (sessions != null) {
        sessions.subscriptionsChanged(c);
      }
    }));
    ep.publishHandler(m -> guarded(c, () -> {
      if (routing.closeIfNotReading(c)) {
        return;
      }
      messages.onPublish(c, m);
    }));
    ep.publishReleaseHandler(ep::publishComplete);
    ep.exceptionHandler(e -> LOG.debug("{} connection error: {}", c.deviceId, e.toString()));
    ep.closeHandler(v -> onClose(c));
    byDevice.computeIfAbsent(c.deviceId, d -> ConcurrentHashMap.newKeySet()).add(c);
  }

  @Override
  public int actualPort() {
    return plainServer == null ? -1 : plainServer.actualPort();
  }

  @Override
  public int actualTlsPort() {
    return tlsServer == null ? -1 : tlsServer.actualPort();
  }

  @Override
  public int connections() {
    return sockets.open();
  }

  long jobsIn() {
    return jobsIn.get();
  }

  long resultsOut() {
    return resultsOut.get();
  }

  private void onClose(DeviceConnection c) {
    if (sessions != null) {
      sessions.disconnected(c);
    }
    byDevice.computeIfPresent(c.deviceId, (d, set) -> {
      set.remove(c);
      return set.isEmpty() ? null : set;
    });
    LOG.debug("{} disconnected", c.deviceId);
  }

  /** No exception of one device's message may reach Netty and close anything else. */
  private static void guarded(DeviceConnection c, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      LOG.error("{} message handling failed", c.deviceId, e);
    }
  }

  /** Closes the connections of devices whose password was removed or changed. Callable from any thread. */
  private void revoke(Set<String> devices) {
    for (String d : devices) {
      for (DeviceConnection c : byDevice.getOrDefault(d, Set.of())) {
        c.context.runOnContext(v -> {
          LOG.info("{} disconnected: its password was removed or changed in mqtt.passwordFile", c.deviceId);
          disconnect(c, MqttDisconnectReasonCode.NOT_AUTHORIZED);
        });
      }
    }
  }

  private static void disconnect(DeviceConnection c, MqttDisconnectReasonCode reason) {
    if (!c.ep.isConnected()) {
      return;
    }
    // An MQTT 5 DISCONNECT with its reason closes the connection itself (closing after it throws).
    if (c.v5()) {
      c.ep.disconnect(reason, MqttProperties.NO_PROPERTIES);
    } else {
      c.ep.close();
    }
  }

  /** Sends a result to every connection of the device subscribed to the reply topic. */
  private void deliver(String deviceId, DeviceMessages.Reply reply, JobResult result, boolean queued) {
    byte[] bytes;
    try {
      bytes = codec.encode(result, reply.format());
    } catch (JobException e) {
      LOG.error("{} result of {} could not be encoded", deviceId, result.id(), e);
      bytes = codec.encode(JobResult.error(result.id(), deviceId, ErrorCode.INTERNAL, e.getMessage()), reply.format());
    }
    Buffer buffer = Buffer.buffer(bytes);
    if (routing.route(deviceId, reply.topic(), () -> buffer, reply.qos(), reply.correlation(), reply.format().contentType(),
        reply.expirySeconds(), queued)) {
      resultsOut.incrementAndGet();
    } else {
      LOG.debug("{} result of {} has no subscriber on {}", deviceId, result.id(), reply.topic());
    }
  }

  @Override
  public boolean publishToDevice(String deviceId, String subtopic, Supplier<byte[]> payload, String contentType) {
    return routing.route(deviceId, options.topicPrefix() + "/" + deviceId + "/" + subtopic, () -> Buffer.buffer(payload.get()),
        MqttQoS.AT_LEAST_ONCE, null, contentType, 0, false);
  }

  /** What a session sends, on {@code c}'s event loop. */
  private void publish(DeviceConnection c, String topic, Buffer payload, MqttQoS qos, byte[] correlation, String contentType,
      int packetId, long expirySeconds) {
    routing.publish(c, topic, payload, qos, correlation, contentType, packetId, expirySeconds);
  }

  @Override
  public Future<Integer> expireSessions() {
    return Future.succeededFuture(sessions == null ? 0 : sessions.expire());
  }

  @Override
  public SessionStats sessionStats() {
    return sessions == null ? new SessionStats(0, 0, 0) : new SessionStats(sessions.count(), sessions.expiredCount(),
        sessions.refusedCount());
  }

  @Override
  public Future<Boolean> authenticate(String deviceId, byte[] password, String remoteAddress) {
    PasswordChecks p = passwords;
    if (p == null) {
      return Future.succeededFuture(false);
    }
    return p.check(remoteAddress, deviceId, password).map(o -> o == PasswordChecks.Outcome.ACCEPTED);
  }

  @Override
  public boolean passwordsConfigured() {
    return passwords != null;
  }

  @Override
  public Future<Void> stop() {
    if (plainServer == null && tlsServer == null) {
      closePasswords();
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    drained = done;
    stopping = true;
    if (expiryTimer >= 0) {
      vertx.cancelTimer(expiryTimer);
    }
    if (outstanding.get() == 0) {
      done.tryComplete();
    }
    return done.future().compose(v -> {
      for (Set<DeviceConnection> set : byDevice.values()) {
        for (DeviceConnection c : set) {
          c.context.runOnContext(x -> disconnect(c, MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN));
        }
      }
      return closeServers();
    }).onComplete(v -> closePasswords())
        .onSuccess(v -> LOG.info("MQTT endpoint stopped: {} jobs in, {} results out, {} connections closed for not reading",
            jobsIn.get(), resultsOut.get(), routing.slowReadersClosed()));
  }

  private Future<Void> closeServers() {
    List<Future<Void>> closing = new ArrayList<>();
    if (plainServer != null) {
      closing.add(plainServer.close());
    }
    if (tlsServer != null) {
      closing.add(tlsServer.close());
    }
    return Future.all(closing).mapEmpty();
  }

  private void closePasswords() {
    if (passwords != null) {
      passwords.close();
    }
  }
}
