package dev.cairn.runtime.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * MQTT packets written by hand on a plain socket, for tests that need what a well-behaved client library
 * never sends: silence, half a CONNECT, a packet that claims to be huge, never reading.
 */
public final class RawMqtt implements AutoCloseable {
  public final Socket socket;
  public final OutputStream out;
  public final InputStream in;

  public RawMqtt(int port) throws IOException {
    this(port, -1);
  }

  /** @param receiveBuffer the socket's receive buffer in bytes, or -1 for the default */
  public RawMqtt(int port, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.setTcpNoDelay(true);
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
    out = socket.getOutputStream();
    in = socket.getInputStream();
  }

  /** A CONNECT packet: MQTT 3.1.1 (level 4) or 5, clean start, optional user name. */
  public static byte[] connect(int level, String clientId, String user, int keepAliveSeconds) {
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    string(v, "MQTT");
    v.write(level);
    v.write(0x02 | (user != null ? 0x80 : 0));
    v.write(keepAliveSeconds >> 8);
    v.write(keepAliveSeconds & 0xff);
    if (level == 5) {
      v.write(0); // no properties
    }
    string(v, clientId);
    if (user != null) {
      string(v, user);
    }
    return packet(0x10, v.toByteArray());
  }

  /** A SUBSCRIBE of one filter at QoS 0 (level 4) . */
  public static byte[] subscribe(int packetId, String filter) {
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    v.write(packetId >> 8);
    v.write(packetId & 0xff);
    string(v, filter);
    v.write(0);
    return packet(0x82, v.toByteArray());
  }

  /** A QoS 0 PUBLISH (MQTT 3.1.1). */
  public static byte[] publish(String topic, byte[] payload) {
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    string(v, topic);
    v.writeBytes(payload);
    return packet(0x30, v.toByteArray());
  }

  /** A QoS 1 PUBLISH of MQTT 5 (no properties). */
  public static byte[] publish5(String topic, int packetId, byte[] payload) {
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    string(v, topic);
    v.write(packetId >> 8);
    v.write(packetId & 0xff);
    v.write(0);
    v.writeBytes(payload);
    return packet(0x32, v.toByteArray());
  }

  /** The reason code of an MQTT 5 PUBACK as {@link #readPacket} gives it (absent means success). */
  public static int pubAckReason(byte[] puback) {
    if ((puback[0] & 0xff) != 0x40) {
      throw new AssertionError("not a PUBACK: 0x" + Integer.toHexString(puback[0] & 0xff));
    }
    return puback.length > 3 ? puback[3] & 0xff : 0;
  }

  /** A fixed header of packet type {@code type} declaring {@code remainingLength} bytes after it. */
  public static byte[] header(int type, int remainingLength) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(type);
    varint(b, remainingLength);
    return b.toByteArray();
  }

  static byte[] packet(int type, byte[] body) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(header(type, body.length));
    b.writeBytes(body);
    return b.toByteArray();
  }

  private static void varint(ByteArrayOutputStream b, int n) {
    do {
      int digit = n % 128;
      n /= 128;
      b.write(n > 0 ? digit | 0x80 : digit);
    } while (n > 0);
  }

  private static void string(ByteArrayOutputStream b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.write(bytes.length >> 8);
    b.write(bytes.length & 0xff);
    b.writeBytes(bytes);
  }

  public RawMqtt send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** The next packet's type byte and body, waiting at most {@code timeoutMs}. */
  public byte[] readPacket(int timeoutMs) throws IOException {
    socket.setSoTimeout(timeoutMs);
    int type = in.read();
    if (type < 0) {
      throw new IOException("closed by the gateway");
    }
    int len = 0;
    int mult = 1;
    int b;
    do {
      b = in.read();
      if (b < 0) {
        throw new IOException("closed inside a fixed header");
      }
      len += (b & 127) * mult;
      mult *= 128;
    } while ((b & 128) != 0);
    byte[] packet = new byte[len + 1];
    packet[0] = (byte) type;
    int off = 1;
    while (off < packet.length) {
      int n = in.read(packet, off, packet.length - off);
      if (n < 0) {
        throw new IOException("closed inside a packet");
      }
      off += n;
    }
    return packet;
  }

  /**
   * Whether the gateway closes the connection within {@code timeoutMs}, reading (and dropping) whatever it
   * sends first.
   */
  public boolean closedWithin(int timeoutMs) throws IOException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    byte[] sink = new byte[8192];
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return false;
      }
      socket.setSoTimeout((int) Math.max(1, left));
      try {
        if (in.read(sink) < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true; // reset
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
