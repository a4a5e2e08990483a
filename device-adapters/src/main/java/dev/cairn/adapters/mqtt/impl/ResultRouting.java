package dev.cairn.adapters.mqtt.impl;

import dev.cairn.adapters.mqtt.MqttEndpointOptions;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a message for a device goes: its persistent sessions (through the journal) and its connections without
 * a session whose subscriptions match, each on its own event loop; a connection that does not read what it is
 * sent is closed.
 */
final class ResultRouting {
  private static final Logger LOG = LoggerFactory.getLogger(VertxMqttEndpoint.class);

  private final MqttEndpointOptions options;
  private final Map<String, Set<DeviceConnection>> byDevice;
  /** Null when every session is clean. */
  private final Sessions sessions;
  private final AtomicLong slowReadersClosed = new AtomicLong();

  ResultRouting(MqttEndpointOptions options, Map<String, Set<DeviceConnection>> byDevice, Sessions sessions) {
    this.options = options;
    this.byDevice = byDevice;
    this.sessions = sessions;
  }

  long slowReadersClosed() {
    return slowReadersClosed.get();
  }

  /**
   * Sends to every connection of the device with a matching subscription; false if there is none. The
   * payload is made only when some connection takes it.
   */
  boolean route(String deviceId, String topic, Supplier<Buffer> payload, MqttQoS maxQos, byte[] correlation,
      String contentType, long expirySeconds, boolean queued) {
    boolean sent = false;
    Buffer buffer = null;
    // Connections without a session get the message only once the sessions' copies are in the journal: a
    // result anyone has seen is one a sleeping session keeps through a crash.
    List<java.util.concurrent.CompletableFuture<?>> kept = new ArrayList<>(0);
    if (sessions != null) {
      buffer = payload.get();
      sent = sessions.deliver(deviceId, topic, buffer, maxQos, correlation, contentType, expirySeconds, queued, kept);
    }
    java.util.concurrent.CompletableFuture<Void> allKept = kept.isEmpty() ? null
        : java.util.concurrent.CompletableFuture.allOf(kept.toArray(new java.util.concurrent.CompletableFuture<?>[0]));
    for (DeviceConnection c : byDevice.getOrDefault(deviceId, Set.of())) {
      if (c.session != null) {
        continue; // its session had it above
      }
      MqttQoS qos = null;
      for (DeviceConnection.Subscription s : c.subscriptions) {
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
      if (allKept == null) {
        c.context.runOnContext(v -> publish(c, topic, bytes, deliverQos, correlation, contentType, c.nextPacketId(), expirySeconds));
      } else {
        allKept.whenComplete((v, e) -> c.context.runOnContext(
            x -> publish(c, topic, bytes, deliverQos, correlation, contentType, c.nextPacketId(), expirySeconds)));
      }
    }
    return sent;
  }

  /** On {@code c}'s event loop. {@code expirySeconds} above 0: the MQTT 5 message expiry interval left. */
  void publish(DeviceConnection c, String topic, Buffer buffer, MqttQoS qos, byte[] correlation, String contentType,
      int packetId, long expirySeconds) {
    if (!c.ep.isConnected() || closeIfNotReading(c)) {
      return;
    }
    if (c.v5()) {
      MqttProperties props = new MqttProperties();
      props.add(new MqttProperties.StringProperty(MqttPropertyType.CONTENT_TYPE.value(), contentType));
      if (correlation != null) {
        props.add(new MqttProperties.BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), correlation));
      }
      if (expirySeconds > 0) {
        props.add(new MqttProperties.IntegerProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), (int) expirySeconds));
      }
      c.ep.publish(topic, buffer, qos, false, false, packetId, props);
    } else {
      c.ep.publish(topic, buffer, qos, false, false, packetId);
    }
  }

  /**
   * A connection whose unread results fill its queue is closed: a device that never reads cannot grow the
   * gateway's memory. True when it was closed.
   */
  boolean closeIfNotReading(DeviceConnection c) {
    if (c.closing) {
      return true;
    }
    if (!c.socket.writeQueueFull()) {
      return false;
    }
    c.closing = true;
    slowReadersClosed.incrementAndGet();
    LOG.warn("{} closed: more than {} bytes of results wait to be sent to it from {}; it is not reading them"
        + " (mqtt.maxQueuedBytesPerConnection)", c.deviceId, options.maxQueuedBytesPerConnection(), c.remoteAddress());
    PacketFramer.closeNow(c.socket);
    return true;
  }
}
