package dev.cairn.adapters.mqtt.impl;

import dev.cairn.adapters.codec.JobCodec;
import dev.cairn.adapters.codec.PayloadFormat;
import dev.cairn.adapters.mqtt.MqttEndpointOptions;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.KeptResults;
import dev.cairn.scheduler.Scheduler;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.MqttUnsubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a device sends on an accepted connection: subscriptions under its own prefix, and jobs on its own
 * jobs topic, decoded and handed to the scheduler. Runs on the connection's event loop.
 */
final class DeviceMessages {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceMessages.class);
  /** Filters one connection may hold; a device's own subtree needs few. */
  static final int MAX_SUBSCRIPTIONS_PER_CONNECTION = 32;
  /** The subtopic a device publishes {@code {"id": "..."}} to for a kept result. */
  static final String RESULTS_GET = "results/get";
  /** The largest fetch request read. */
  static final int MAX_FETCH_BYTES = 1024;

  /** Where results go: the endpoint's routing to the device's subscribed connections. */
  interface Delivery {
    /** {@code queued}: also into the journal for the device's persistent sessions (results of accepted jobs). */
    void deliver(String deviceId, Reply reply, JobResult result, boolean queued);

    /** Null when the device's persistent sessions have room for one more result (now reserved), else why not. */
    default String admit(String deviceId) {
      return null;
    }

    /** The result reserved by {@link #admit} was handed on. */
    default void released(String deviceId) {}

    /** A job was accepted: its result is awaited. */
    void accepted();

    /** An accepted job's result was handed to {@link #deliver}. */
    void done();

    boolean stopping();
  }

  /** Where and how a job's result goes. */
  record Reply(String topic, byte[] correlation, PayloadFormat format, MqttQoS qos, long expirySeconds) {
    Reply withFormat(PayloadFormat f) {
      return new Reply(topic, correlation, f, qos, expirySeconds);
    }

    Reply withTopic(String t) {
      return new Reply(t, correlation, format, qos, expirySeconds);
    }
  }

  private final MqttEndpointOptions options;
  private final Scheduler scheduler;
  private final JobCodec codec;
  private final Delivery delivery;
  private final KeptResults kept;

  DeviceMessages(MqttEndpointOptions options, Scheduler scheduler, KeptResults kept, JobCodec codec, Delivery delivery) {
    this.kept = kept;
    this.options = options;
    this.scheduler = scheduler;
    this.codec = codec;
    this.delivery = delivery;
  }

  void onSubscribe(DeviceConnection c, MqttSubscribeMessage m) {
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
      c.subscriptions.add(new DeviceConnection.Subscription(filter, qos));
      codes.add(qos == MqttQoS.AT_MOST_ONCE ? MqttSubAckReasonCode.GRANTED_QOS0 : MqttSubAckReasonCode.GRANTED_QOS1);
      granted.add(qos);
    }
    if (c.v5()) {
      c.ep.subscribeAcknowledge(m.messageId(), codes, MqttProperties.NO_PROPERTIES);
    } else {
      c.ep.subscribeAcknowledge(m.messageId(), granted);
    }
  }

  void onUnsubscribe(DeviceConnection c, MqttUnsubscribeMessage m) {
    for (String t : m.topics()) {
      c.subscriptions.removeIf(s -> s.filter().equals(t));
    }
    c.ep.unsubscribeAcknowledge(m.messageId());
  }

  void onPublish(DeviceConnection c, MqttPublishMessage m) {
    MqttQoS qos = m.qosLevel();
    byte[] payload = m.payload().getBytes();
    Optional<PayloadFormat> declared = Optional.empty();
    String contentType = stringProperty(m.properties(), MqttPropertyType.CONTENT_TYPE);
    String responseTopic = stringProperty(m.properties(), MqttPropertyType.RESPONSE_TOPIC);
    byte[] correlation = binaryProperty(m.properties(), MqttPropertyType.CORRELATION_DATA);
    MqttProperties.MqttProperty<?> expiry = m.properties() == null ? null
        : m.properties().getProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value());
    // MQTT 5: the result lives no longer than the request asked for itself (0: no limit).
    long expirySeconds = expiry == null ? 0 : ((Integer) expiry.value()) & 0xFFFFFFFFL;
    Reply reply = new Reply(c.ownPrefix + "results", correlation, PayloadFormat.sniff(payload),
        qos == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE, expirySeconds);
    if (contentType != null) {
      declared = PayloadFormat.ofContentType(contentType);
      if (declared.isPresent()) {
        reply = reply.withFormat(declared.get());
      }
    }
    String jobsTopic = c.ownPrefix + "jobs";
    if (m.topicName().equals(c.ownPrefix + RESULTS_GET) && (responseTopic == null || ownReplyTopic(c, responseTopic))) {
      ack(c, m, MqttPubAckReasonCode.SUCCESS);
      fetch(c, responseTopic == null ? reply : reply.withTopic(responseTopic), payload);
      return;
    }
    if (!m.topicName().equals(jobsTopic)) {
      ack(c, m, MqttPubAckReasonCode.NOT_AUTHORIZED);
      refuse(c, reply, payload, ErrorCode.FORBIDDEN,
          "devices may publish jobs only to " + jobsTopic + ", not to " + m.topicName());
      return;
    }
    if (responseTopic != null) {
      if (!ownReplyTopic(c, responseTopic)) {
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
    boolean stopping = delivery.stopping();
    if (c.inFlight >= options.maxInFlightPerConnection() || stopping) {
      ack(c, m, MqttPubAckReasonCode.QUOTA_EXCEEDED);
      refuse(c, reply, payload, ErrorCode.BUSY, stopping
          ? "gateway is shutting down; retry on another gateway or later"
          : "this connection already has " + c.inFlight + " jobs awaiting results, the most allowed; wait for results");
      return;
    }
    String full = delivery.admit(c.deviceId);
    if (full != null) {
      ack(c, m, MqttPubAckReasonCode.QUOTA_EXCEEDED);
      refuse(c, reply, payload, ErrorCode.BUSY, full);
      return;
    }
    JobRequest request;
    try {
      request = codec.decode(c.deviceId, payload, reply.format(), scheduler.options().maxElementsPerInput());
    } catch (JobException e) {
      delivery.released(c.deviceId);
      ack(c, m, MqttPubAckReasonCode.SUCCESS);
      refuse(c, reply, payload, e.code(), e.getMessage());
      return;
    }
    submit(c, m, request, reply);
  }

  private static boolean ownReplyTopic(DeviceConnection c, String topic) {
    return topic.startsWith(c.ownPrefix) && !topic.contains("+") && !topic.contains("#");
  }

  /** {@code {"id": "..."}} on {@code results/get}: the kept result of that job, or NOT_FOUND, on the reply topic. */
  private void fetch(DeviceConnection c, Reply reply, byte[] payload) {
    String id = payload.length > MAX_FETCH_BYTES ? null : codec.peekId(payload, reply.format());
    if (id == null) {
      delivery.deliver(c.deviceId, reply, JobResult.error(null, c.deviceId, ErrorCode.BAD_REQUEST,
          "publish {\"id\": \"<job id>\"} (at most " + MAX_FETCH_BYTES + " bytes) to " + c.ownPrefix + RESULTS_GET), false);
      return;
    }
    CompletionStage<Optional<JobResult>> found;
    try {
      found = kept.find(c.deviceId, id);
    } catch (RuntimeException e) {
      found = CompletableFuture.failedFuture(e);
    }
    found.whenComplete((r, e) -> c.context.runOnContext(v -> delivery.deliver(c.deviceId, reply, e != null
        ? JobResult.error(id, c.deviceId, ErrorCode.INTERNAL, "the kept result could not be read: " + e.getMessage())
        : r.orElseGet(() -> JobResult.error(id, c.deviceId, ErrorCode.NOT_FOUND, "no result of job '" + id
            + "' is kept for device '" + c.deviceId + "': it did not run here, or its result is past results.retention")), false)));
  }

  private void submit(DeviceConnection c, MqttPublishMessage m, JobRequest request, Reply reply) {
    c.inFlight++;
    delivery.accepted();
    CompletionStage<JobResult> stage;
    try {
      stage = scheduler.submit(request);
    } catch (RuntimeException e) {
      // The contract says submit never throws; if it does, the counts above must still be undone.
      LOG.error("{} job {}: the scheduler refused to take it", c.deviceId, request.id(), e);
      stage = CompletableFuture.failedFuture(e);
    }
    // Admission refusals complete at once: an MQTT 5 client then also sees the reason in its PUBACK.
    JobResult now = stage.toCompletableFuture().getNow(null);
    ack(c, m, now == null || now.code() == null ? MqttPubAckReasonCode.SUCCESS : pubAckCode(now.code()));
    stage.whenComplete((result, failure) -> c.context.runOnContext(v -> {
      c.inFlight--;
      JobResult r = failure == null ? result
          : JobResult.error(request.id(), c.deviceId, ErrorCode.INTERNAL, "the scheduler failed: " + failure);
      try {
        delivery.deliver(c.deviceId, reply, r, true);
      } finally {
        delivery.released(c.deviceId);
        delivery.done();
      }
    }));
  }

  /** The MQTT 5 PUBACK reason code of a refused job. */
  static MqttPubAckReasonCode pubAckCode(ErrorCode code) {
    return switch (code) {
      case BUSY -> MqttPubAckReasonCode.QUOTA_EXCEEDED;
      case FORBIDDEN -> MqttPubAckReasonCode.NOT_AUTHORIZED;
      // The packet itself was fine; the job's error is in its result.
      default -> MqttPubAckReasonCode.SUCCESS;
    };
  }

  private static void ack(DeviceConnection c, MqttPublishMessage m, MqttPubAckReasonCode code) {
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

  private void refuse(DeviceConnection c, Reply reply, byte[] payload, ErrorCode code, String message) {
    String id = payload == null ? null : codec.peekId(payload, reply.format());
    LOG.debug("{} job {} refused: {} {}", c.deviceId, id, code, message);
    scheduler.refusedBeforeSubmit(c.deviceId, id, code, message);
    delivery.deliver(c.deviceId, reply, JobResult.error(id, c.deviceId, code, message), false);
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
}
