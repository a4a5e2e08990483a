package dev.cairn.adapters.mqtt.impl;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.mqtt.MqttEndpoint;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** One accepted MQTT connection of a device. Its mutable fields are touched only on {@link #context}. */
final class DeviceConnection {
  private static final int MQTT_5 = 5;

  final MqttEndpoint ep;
  final NetSocketInternal socket;
  final String deviceId;
  final String ownPrefix;
  final Context context;
  final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  /** Being closed for not reading its results: nothing more is sent. */
  boolean closing;
  /** Jobs of this connection awaiting results. */
  int inFlight;
  /** Its persistent session, or null for a clean one. Set before its CONNACK. */
  SessionState session;
  /** Whether its CONNACK says a session was present. */
  boolean sessionPresent;
  /** The session expiry interval granted when less than asked (told in an MQTT 5 CONNACK); -1 when as asked. */
  long grantedExpirySeconds = -1;
  /** Packet id of the last message sent, 1 to 65535. */
  private int lastPacketId;

  record Subscription(String filter, MqttQoS qos) {}

  DeviceConnection(MqttEndpoint ep, NetSocketInternal socket, String deviceId, String topicPrefix, Context context) {
    this.ep = ep;
    this.socket = socket;
    this.deviceId = deviceId;
    this.ownPrefix = topicPrefix + "/" + deviceId + "/";
    this.context = context;
  }

  boolean v5() {
    return ep.protocolVersion() == MQTT_5;
  }

  int nextPacketId() {
    lastPacketId = lastPacketId % 65535 + 1;
    return lastPacketId;
  }

  String remoteAddress() {
    return socket.remoteAddress() == null ? "?" : socket.remoteAddress().hostAddress();
  }
}
