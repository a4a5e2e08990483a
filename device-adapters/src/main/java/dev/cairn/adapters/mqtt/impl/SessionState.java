package dev.cairn.adapters.mqtt.impl;

import io.netty.handler.codec.mqtt.MqttQoS;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One persistent session: a device's client id, its subscriptions, its expiry interval, and while connected
 * the connection with the messages sent on it and not yet acknowledged. Mutable state is guarded by the
 * instance's lock; nothing slow happens under it.
 */
final class SessionState {
  private static final int VERSION = 1;

  /** A message sent on the current connection, waiting for its PUBACK. */
  record Sent(long seq, int bytes) {}

  /** A message queued while the queue was being read back for a reconnect, sent after it. */
  record Waiting(long seq, QueuedMessage message, int bytes, long expiresMs) {}

  /** {@code deviceId/clientId}: a client id is a session only together with its device. */
  final String key;
  final String deviceId;
  final String clientId;
  List<DeviceConnection.Subscription> subscriptions = List.of();
  /** How long the session outlives its connection. */
  long expiryMs;
  DeviceConnection connection;
  long offlineSinceMs;
  /** Messages in the journal's queue and their bytes (messages on their way into it included). */
  long queuedCount;
  long queuedBytes;
  /** On the current connection: the highest sequence number put in line, what waits to be sent, what waits for a PUBACK. */
  long lastSent;
  final java.util.ArrayDeque<Waiting> backlog = new java.util.ArrayDeque<>();
  final Map<Integer, Sent> inFlight = new HashMap<>();
  long inFlightBytes;
  /** How many may wait for a PUBACK at once on the current connection. */
  int window = Sessions.WINDOW;
  /** While the queue is read back after a reconnect, new messages wait here. */
  boolean replaying;
  final List<Waiting> waiting = new ArrayList<>();

  SessionState(String deviceId, String clientId) {
    this.key = key(deviceId, clientId);
    this.deviceId = deviceId;
    this.clientId = clientId;
  }

  static String key(String deviceId, String clientId) {
    return deviceId + "/" + clientId;
  }

  /** The highest QoS of this session's subscriptions matching {@code topic}, capped at {@code max}; null if none. */
  synchronized MqttQoS match(String topic, MqttQoS max) {
    MqttQoS qos = null;
    for (DeviceConnection.Subscription s : subscriptions) {
      if (TopicFilter.matches(s.filter(), topic)) {
        MqttQoS q = s.qos().value() < max.value() ? s.qos() : max;
        qos = qos == null || q.value() > qos.value() ? q : qos;
      }
    }
    return qos;
  }

  synchronized void counted(long messages, long bytes) {
    queuedCount = Math.max(0, queuedCount + messages);
    queuedBytes = Math.max(0, queuedBytes + bytes);
  }

  /** The session's lasting part as kept in the journal: expiry interval and subscriptions. */
  synchronized byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeLong(expiryMs);
      out.writeShort(subscriptions.size());
      for (DeviceConnection.Subscription s : subscriptions) {
        out.writeUTF(s.filter());
        out.writeByte(s.qos().value());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Takes up the lasting part kept in the journal. */
  synchronized void decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalArgumentException("session of version " + version + ", this gateway reads " + VERSION);
      }
      expiryMs = in.readLong();
      int n = in.readUnsignedShort();
      List<DeviceConnection.Subscription> subs = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        subs.add(new DeviceConnection.Subscription(in.readUTF(), MqttQoS.valueOf(in.readUnsignedByte())));
      }
      subscriptions = List.copyOf(subs);
    } catch (IOException e) {
      throw new IllegalArgumentException("session is cut short: " + e, e);
    }
  }
}
