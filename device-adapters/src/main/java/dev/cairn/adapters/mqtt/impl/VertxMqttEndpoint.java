package dev.cairn.adapters.mqtt.impl;

import dev.cairn.adapters.codec.JobCodec;
import dev.cairn.adapters.codec.PayloadFormat;
import dev.cairn.adapters.mqtt.MqttEndpoint;
import dev.cairn.adapters.mqtt.MqttEndpointOptions;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.Scheduler;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.mqtt.impl.CairnMqttListener;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.MqttUnsubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device contract over a Vert.x MQTT server. The endpoint is the broker of device topics: it
 * keeps each device's connections and subscriptions and delivers results to the matching ones.
 * Everything about a connection happens on that connection's event loop; results coming back from
 * worker threads hop onto it first.
 */
public final class VertxMqttEndpoint implements MqttEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(VertxMqttEndpoint.class);
  /** Room above the payload limit, so that a merely oversize job gets TOO_LARGE, not a dropped connection. */
  static final int MESSAGE_SIZE_HEADROOM = 64 * 1024;
  private static final int MQTT_5 = 5;
  /** Filters one connection may hold; a device's own subtree needs few. */
  static final int MAX_SUBSCRIPTIONS_PER_CONNECTION = 32;

  private final Vertx vertx;
  private final MqttEndpointOptions options;
  private final Scheduler scheduler;
  private final JobCodec codec = JobCodec.create();
  private final Map<String, Set<Connection>> byDevice = new ConcurrentHashMap<>();
  private final AtomicInteger connectionCount = new AtomicInteger();
  /** Accepted jobs whose result has not been handed to the connections yet. */
  private final AtomicLong outstanding = new AtomicLong();
  private final AtomicLong jobsIn = new AtomicLong();
  private final AtomicLong resultsOut = new AtomicLong();
  private volatile boolean stopping;
  private volatile Promise<Void> drained;
  private volatile NetServer server;

  public VertxMqttEndpoint(Vertx vertx, MqttEndpointOptions options, Scheduler scheduler) {
    this.vertx = vertx;
    this.options = options;
    this.scheduler = scheduler;
  }

  /** One MQTT connection of a device. */
  private final class Connection {
    final io.vertx.mqtt.MqttEndpoint ep;
    final String deviceId;
    final String ownPrefix;
    final Context context;
    final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    /** Jobs of this connection awaiting results; touched only on {@link #context}. */
    int inFlight;
    /** Packet id of the last result sent, 1 to 65535; touched only on {@link #context}. */
    int lastPacketId;

    int nextPacketId() {
      lastPacketId = lastPacketId % 65535 + 1;
      return lastPacketId;
    }

    Connection(io.vertx.mqtt.MqttEndpoint ep, String deviceId, Context context) {
      this.ep = ep;
      this.deviceId = deviceId;
      this.ownPrefix = options.topicPrefix() + "/" + deviceId + "/";
      this.context = context;
    }

    boolean v5() {
      return ep.protocolVersion() == MQTT_5;
    }
  }

  private record Subscription(String filter, MqttQoS qos) {}

  @Override
  public Future<Integer> start() {
    MqttServerOptions serverOptions = new MqttServerOptions()
        .setHost(options.host())
        .setPort(options.port())
        .setMaxMessageSize(scheduler.options().maxPayloadBytes() + MESSAGE_SIZE_HEADROOM);
    return CairnMqttListener.listen(vertx, serverOptions, this::onConnect,
            e -> LOG.debug("MQTT connection error: {}", e.toString()))
        .map(s -> {
          server = s;
          LOG.info("MQTT endpoint listening on {}:{}", options.host(), s.actualPort());
          return s.actualPort();
        });
  }

  @Override
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public int connections() {
    return connectionCount.get();
  }

  long jobsIn() {
    return jobsIn.get();
  }

  long resultsOut() {
    return resultsOut.get();
  }

  private void onConnect(io.vertx.mqtt.MqttEndpoint ep) {
    boolean v5 = ep.protocolVersion() == MQTT_5;
    String user = ep.auth() == null ? null : ep.auth().getUsername();
    String deviceId = user != null && !user.isEmpty() ? user : ep.clientIdentifier();
    if (stopping) {
      ep.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
          : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
      return;
    }
    if (deviceId == null || deviceId.isEmpty() || deviceId.contains("/") || deviceId.contains("+")
        || deviceId.contains("#") || deviceId.length() > 128) {
      LOG.info("refused a connection from {}: device id '{}' is empty, too long or contains '/', '+' or '#'",
          ep.remoteAddress(), deviceId);
      ep.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
          : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
      return;
    }
    if (connectionCount.incrementAndGet() > options.maxConnections()) {
      connectionCount.decrementAndGet();
      LOG.warn("{} refused: {} connections already open, the most allowed", deviceId, options.maxConnections());
      ep.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED
          : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
      return;
    }
    Connection c = new Connection(ep, deviceId, vertx.getOrCreateContext());
    ep.publishAutoAck(false);
    ep.subscriptionAutoAck(false);
    ep.subscribeHandler(m -> guarded(c, () -> onSubscribe(c, m)));
    ep.unsubscribeHandler(m -> guarded(c, () -> onUnsubscribe(c, m)));
    ep.publishHandler(m -> guarded(c, () -> onPublish(c, m)));
    ep.publishReleaseHandler(ep::publishComplete);
    ep.exceptionHandler(e -> LOG.debug("{} connection error: {}", deviceId, e.toString()));
    ep.closeHandler(v -> onClose(c));
    byDevice.computeIfAbsent(deviceId, d -> ConcurrentHashMap.newKeySet()).add(c);
    ep.accept(false);
    LOG.debug("{} connected (MQTT {}, client id {})", deviceId, v5 ? "5" : "3.1.1", ep.clientIdentifier());
  }

  private void onClose(Connection c) {
    byDevice.computeIfPresent(c.deviceId, (d, set) -> {
      set.remove(c);
      return set.isEmpty() ? null : set;
    });
    connectionCount.decrementAndGet();
    LOG.debug("{} disconnected", c.deviceId);
  }

  /** No exception of one device's message may reach Netty and close anything else. */
  private void guarded(Connection c, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      LOG.error("{} message handling failed", c.deviceId, e);
    }
  }

  private void onSubscribe(Connection c, MqttSubscribeMessage m) {
    List<MqttSubAckReasonCode> codes = new ArrayList<>();
    List<MqttQoS> granted = new ArrayList<>();
    for (MqttTopicSubscription s : m.topicSubscriptions()) {
      String filter = s.topicName();
      if (!TopicFilter.within(filter, c.ownPrefix)) {
        LOG.info("{} may not subscribe to '{}': only to topics under {}", c.deviceId, filter, c.ownPrefix);
        codes.add(MqttSubAckReasonCode.NOT_AUTHORIZED);
        granted.add(MqttQoS.FAILURE);
        continue;
      }
      if (c.subscriptions.size() >= MAX_SUBSCRIPTIONS_PER_CONNECTION && c.subscriptions.stream().noneMatch(x -> x.filter().equals(filter))) {
        LOG.info("{} may not hold more than {} subscriptions on one connection", c.deviceId, MAX_SUBSCRIPTIONS_PER_CONNECTION);
        codes.add(MqttSubAckReasonCode.QUOTA_EXCEEDED);
        granted.add(MqttQoS.FAILURE);
        continue;
      }
      // Results go out at QoS 1 at most; QoS 2 subscriptions are granted QoS 1.
      MqttQoS qos = s.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
      c.subscriptions.removeIf(x -> x.filter().equals(filter));
      c.subscriptions.add(new Subscription(filter, qos));
      codes.add(qos == MqttQoS.AT_MOST_ONCE ? MqttSubAckReasonCode.GRANTED_QOS0 : MqttSubAckReasonCode.GRANTED_QOS1);
      granted.add(qos);
    }
    if (c.v5()) {
      c.ep.subscribeAcknowledge(m.messageId(), codes, MqttProperties.NO_PROPERTIES);
    } else {
      c.ep.subscribeAcknowledge(m.messageId(), granted);
    }
  }

  private void onUnsubscribe(Connection c, MqttUnsubscribeMessage m) {
    for (String t : m.topics()) {
      c.subscriptions.removeIf(s -> s.filter().equals(t));
    }
    c.ep.unsubscribeAcknowledge(m.messageId());
  }

  private void onPublish(Connection c, MqttPublishMessage m) {
    MqttQoS qos = m.qosLevel();
    byte[] payload = m.payload().getBytes();
    Optional<PayloadFormat> declared = Optional.empty();
    String contentType = stringProperty(m.properties(), MqttPropertyType.CONTENT_TYPE);
    String responseTopic = stringProperty(m.properties(), MqttPropertyType.RESPONSE_TOPIC);
    byte[] correlation = binaryProperty(m.properties(), MqttPropertyType.CORRELATION_DATA);
    Reply reply = new Reply(c.ownPrefix + "results", correlation, PayloadFormat.sniff(payload),
        qos == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE);
    if (contentType != null) {
      declared = PayloadFormat.ofContentType(contentType);
      if (declared.isPresent()) {
        reply = reply.withFormat(declared.get());
      }
    }
    String jobsTopic = c.ownPrefix + "jobs";
    if (!m.topicName().equals(jobsTopic)) {
      ack(c, m, MqttPubAckReasonCode.NOT_AUTHORIZED);
      refuse(c, reply, payload, ErrorCode.FORBIDDEN,
          "devices may publish jobs only to " + jobsTopic + ", not to " + m.topicName());
      return;
    }
    if (responseTopic != null) {
      if (!responseTopic.startsWith(c.ownPrefix) || responseTopic.contains("+") || responseTopic.contains("#")) {
        ack(c, m, MqttPubAckReasonCode.NOT_AUTHORIZED);
        refuse(c, reply, payload, ErrorCode.FORBIDDEN,
            "response topic " + responseTopic + " is not under " + c.ownPrefix + "; results may go only to the device's own topics");
        return;
      }
      reply = reply.withTopic(responseTopic);
    }
    if (contentType != null && declared.isEmpty()) {
      ack(c, m, MqttPubAckReasonCode.PAYLOAD_FORMAT_INVALID);
      refuse(c, reply, payload, ErrorCode.BAD_REQUEST,
          "content type '" + contentType + "' is not supported; use application/json or application/cbor");
      return;
    }
    int max = scheduler.options().maxPayloadBytes();
    if (payload.length > max) {
      ack(c, m, MqttPubAckReasonCode.SUCCESS);
      refuse(c, reply, null, ErrorCode.TOO_LARGE,
          "payload is " + payload.length + " bytes; this gateway accepts at most " + max);
      return;
    }
    if (c.inFlight >= options.maxInFlightPerConnection() || stopping) {
      ack(c, m, MqttPubAckReasonCode.QUOTA_EXCEEDED);
      refuse(c, reply, payload, ErrorCode.BUSY, stopping
          ? "gateway is shutting down; retry on another gateway or later"
          : "this connection already has " + c.inFlight + " jobs awaiting results, the most allowed; wait for results");
      return;
    }
    JobRequest request;
    try {
      request = codec.decode(c.deviceId, payload, reply.format(), scheduler.options().maxElementsPerInput());
    } catch (JobException e) {
      ack(c, m, MqttPubAckReasonCode.SUCCESS);
      refuse(c, reply, payload, e.code(), e.getMessage());
      return;
    }
    jobsIn.incrementAndGet();
    c.inFlight++;
    outstanding.incrementAndGet();
    Reply to = reply;
    java.util.concurrent.CompletionStage<JobResult> stage;
    try {
      stage = scheduler.submit(request);
    } catch (RuntimeException e) {
      // The contract says submit never throws; if it does, the counts above must still be undone.
      LOG.error("{} job {}: the scheduler refused to take it", c.deviceId, request.id(), e);
      stage = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    stage.whenComplete((result, failure) -> c.context.runOnContext(v -> {
      c.inFlight--;
      JobResult r = failure == null ? result
          : JobResult.error(request.id(), c.deviceId, ErrorCode.INTERNAL, "the scheduler failed: " + failure);
      try {
        deliver(c.deviceId, to, r);
      } finally {
        if (outstanding.decrementAndGet() == 0 && stopping && drained != null) {
          drained.tryComplete();
        }
      }
    }));
    ack(c, m, MqttPubAckReasonCode.SUCCESS);
  }

  /** Where and how a job's result goes. */
  private record Reply(String topic, byte[] correlation, PayloadFormat format, MqttQoS qos) {
    Reply withFormat(PayloadFormat f) {
      return new Reply(topic, correlation, f, qos);
    }

    Reply withTopic(String t) {
      return new Reply(t, correlation, format, qos);
    }
  }

  private void ack(Connection c, MqttPublishMessage m, MqttPubAckReasonCode code) {
    if (m.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
      if (c.v5()) {
        c.ep.publishAcknowledge(m.messageId(), code, MqttProperties.NO_PROPERTIES);
      } else {
        c.ep.publishAcknowledge(m.messageId());
      }
    } else if (m.qosLevel() == MqttQoS.EXACTLY_ONCE) {
      c.ep.publishReceived(m.messageId());
    }
  }

  private void refuse(Connection c, Reply reply, byte[] payload, ErrorCode code, String message) {
    String id = payload == null ? null : codec.peekId(payload, reply.format());
    LOG.debug("{} job {} refused: {} {}", c.deviceId, id, code, message);
    deliver(c.deviceId, reply, JobResult.error(id, c.deviceId, code, message));
  }

  /** Sends a result to every connection of the device subscribed to the reply topic. */
  private void deliver(String deviceId, Reply reply, JobResult result) {
    byte[] bytes;
    try {
      bytes = codec.encode(result, reply.format());
    } catch (JobException e) {
      LOG.error("{} result of {} could not be encoded", deviceId, result.id(), e);
      bytes = codec.encode(JobResult.error(result.id(), deviceId, ErrorCode.INTERNAL, e.getMessage()), reply.format());
    }
    if (route(deviceId, reply.topic(), Buffer.buffer(bytes), reply.qos(), reply.correlation(), reply.format().contentType())) {
      resultsOut.incrementAndGet();
    } else {
      LOG.debug("{} result of {} has no subscriber on {}", deviceId, result.id(), reply.topic());
    }
  }

  @Override
  public boolean publishToDevice(String deviceId, String subtopic, java.util.function.Supplier<byte[]> payload, String contentType) {
    return route(deviceId, options.topicPrefix() + "/" + deviceId + "/" + subtopic, () -> Buffer.buffer(payload.get()),
        MqttQoS.AT_LEAST_ONCE, null, contentType);
  }

  private boolean route(String deviceId, String topic, Buffer buffer, MqttQoS maxQos, byte[] correlation, String contentType) {
    return route(deviceId, topic, () -> buffer, maxQos, correlation, contentType);
  }

  /**
   * Sends to every connection of the device with a matching subscription; false if there is none. The
   * payload is made only when some connection takes it.
   */
  private boolean route(String deviceId, String topic, java.util.function.Supplier<Buffer> payload, MqttQoS maxQos,
      byte[] correlation, String contentType) {
    boolean sent = false;
    Buffer buffer = null;
    for (Connection c : byDevice.getOrDefault(deviceId, Set.of())) {
      MqttQoS qos = null;
      for (Subscription s : c.subscriptions) {
        if (TopicFilter.matches(s.filter(), topic)) {
          MqttQoS q = s.qos().value() < maxQos.value() ? s.qos() : maxQos;
          qos = qos == null || q.value() > qos.value() ? q : qos;
        }
      }
      if (qos == null) {
        continue;
      }
      sent = true;
      if (buffer == null) {
        buffer = payload.get();
      }
      MqttQoS deliverQos = qos;
      Buffer bytes = buffer;
      c.context.runOnContext(v -> publish(c, topic, bytes, deliverQos, correlation, contentType));
    }
    return sent;
  }

  private void publish(Connection c, String topic, Buffer buffer, MqttQoS qos, byte[] correlation, String contentType) {
    if (!c.ep.isConnected()) {
      return;
    }
    if (c.v5()) {
      MqttProperties props = new MqttProperties();
      props.add(new MqttProperties.StringProperty(MqttPropertyType.CONTENT_TYPE.value(), contentType));
      if (correlation != null) {
        props.add(new MqttProperties.BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), correlation));
      }
      c.ep.publish(topic, buffer, qos, false, false, c.nextPacketId(), props);
    } else {
      c.ep.publish(topic, buffer, qos, false, false, c.nextPacketId());
    }
  }

  private static String stringProperty(MqttProperties props, MqttPropertyType type) {
    if (props == null) {
      return null;
    }
    MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
    return p == null ? null : String.valueOf(p.value());
  }

  private static byte[] binaryProperty(MqttProperties props, MqttPropertyType type) {
    if (props == null) {
      return null;
    }
    MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
    return p == null ? null : (byte[]) p.value();
  }

  @Override
  public Future<Void> stop() {
    if (server == null) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    drained = done;
    stopping = true;
    if (outstanding.get() == 0) {
      done.tryComplete();
    }
    return done.future().compose(v -> {
      for (Set<Connection> set : byDevice.values()) {
        for (Connection c : set) {
          c.context.runOnContext(x -> {
            if (c.ep.isConnected()) {
              // An MQTT 5 DISCONNECT with its reason closes the connection itself (closing after it throws).
              if (c.v5()) {
                c.ep.disconnect(MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN, MqttProperties.NO_PROPERTIES);
              } else {
                c.ep.close();
              }
            }
          });
        }
      }
      return server.close();
    }).onSuccess(v -> LOG.info("MQTT endpoint stopped: {} jobs in, {} results out", jobsIn.get(), resultsOut.get()));
  }
}
