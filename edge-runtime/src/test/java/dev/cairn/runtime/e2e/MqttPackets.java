package dev.cairn.runtime.e2e;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * MQTT 3.1.1 and 5 control packets as bytes, written by hand so that the fuzzer can send what no
 * client library would: every field is the caller's. Version 4 is 3.1.1; 5 adds properties.
 */
final class MqttPackets {
  static final int CONNECT = 1, PUBLISH = 3, PUBACK = 4, PUBREC = 5, PUBREL = 6, PUBCOMP = 7, SUBSCRIBE = 8,
      UNSUBSCRIBE = 10, PINGREQ = 12, DISCONNECT = 14, AUTH = 15;

  private MqttPackets() {}

  /** The fields of a CONNECT. */
  record Connect(int version, String clientId, String userName, byte[] password, int keepAliveSeconds, boolean cleanStart,
      String willTopic, int willQos) {}

  static byte[] connect(Connect c) {
    Body b = new Body();
    b.string("MQTT").u8(c.version());
    int flags = (c.cleanStart() ? 0x02 : 0) | (c.willTopic() != null ? 0x04 | (c.willQos() & 3) << 3 : 0)
        | (c.password() != null ? 0x40 : 0) | (c.userName() != null ? 0x80 : 0);
    b.u8(flags).u16(c.keepAliveSeconds());
    b.properties(c.version(), new byte[0]);
    b.string(c.clientId());
    if (c.willTopic() != null) {
      b.properties(c.version(), new byte[0]);
      b.string(c.willTopic()).binary(new byte[] {1});
    }
    if (c.userName() != null) {
      b.string(c.userName());
    }
    if (c.password() != null) {
      b.binary(c.password());
    }
    return packet(CONNECT << 4, b);
  }

  /** A PUBLISH; {@code properties} (MQTT 5) are already encoded, e.g. by {@link #contentType}. */
  static byte[] publish(int version, String topic, int qos, int packetId, byte[] properties, byte[] payload) {
    Body b = new Body().string(topic);
    if (qos > 0) {
      b.u16(packetId);
    }
    b.properties(version, properties);
    b.out.writeBytes(payload);
    return packet(PUBLISH << 4 | (qos & 3) << 1, b);
  }

  static byte[] subscribe(int version, int packetId, String filter, int options) {
    Body b = new Body().u16(packetId).properties(version, new byte[0]).string(filter).u8(options);
    return packet(SUBSCRIBE << 4 | 0x02, b);
  }

  static byte[] unsubscribe(int version, int packetId, String filter) {
    return packet(UNSUBSCRIBE << 4 | 0x02, new Body().u16(packetId).properties(version, new byte[0]).string(filter));
  }

  /** PUBACK, PUBREC, PUBREL or PUBCOMP of {@code packetId}. */
  static byte[] ack(int type, int packetId) {
    return packet(type << 4 | (type == PUBREL ? 0x02 : 0), new Body().u16(packetId));
  }

  static byte[] empty(int type) {
    return new byte[] {(byte) (type << 4), 0};
  }

  /** MQTT 5 property 3 (content type), or 8 (response topic): a UTF-8 string. */
  static byte[] stringProperty(int id, String value) {
    return new Body().u8(id).string(value).bytes();
  }

  static byte[] contentType(String value) {
    return stringProperty(3, value);
  }

  private static byte[] packet(int firstByte, Body body) {
    byte[] b = body.bytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(firstByte);
    varint(out, b.length);
    out.writeBytes(b);
    return out.toByteArray();
  }

  static void varint(ByteArrayOutputStream out, int n) {
    do {
      int digit = n % 128;
      n /= 128;
      out.write(n > 0 ? digit | 0x80 : digit);
    } while (n > 0);
  }

  /**
   * How many bytes the first packet of {@code b} says it has (fixed header included), or -1 when its
   * fixed header is incomplete, or -2 when it is malformed (a fifth length byte).
   */
  static long firstPacketLength(byte[] b) {
    long length = 0;
    for (int i = 1; i <= 4; i++) {
      if (i >= b.length) {
        return -1;
      }
      length |= (long) (b[i] & 0x7f) << (7 * (i - 1));
      if ((b[i] & 0x80) == 0) {
        return 1 + i + length;
      }
    }
    return -2;
  }

  /** A packet's variable header and payload being written. */
  static final class Body {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Body u8(int v) {
      out.write(v);
      return this;
    }

    Body u16(int v) {
      out.write(v >> 8 & 0xff);
      out.write(v & 0xff);
      return this;
    }

    Body string(String s) {
      return binary(s.getBytes(StandardCharsets.UTF_8));
    }

    Body binary(byte[] b) {
      u16(b.length);
      out.write(b, 0, Math.min(b.length, 0xffff));
      return this;
    }

    Body properties(int version, byte[] properties) {
      if (version >= 5) {
        varint(out, properties.length);
        out.writeBytes(properties);
      }
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
