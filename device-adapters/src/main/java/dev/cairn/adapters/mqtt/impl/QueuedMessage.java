package dev.cairn.adapters.mqtt.impl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A message for a persistent session, as kept in the journal until the device acknowledges it. */
record QueuedMessage(String topic, byte[] payload, byte[] correlation, String contentType) {
  private static final int VERSION = 1;

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + topic.length() + 32);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeUTF(topic);
      out.writeUTF(contentType == null ? "" : contentType);
      out.writeInt(correlation == null ? -1 : correlation.length);
      if (correlation != null) {
        out.write(correlation);
      }
      out.write(payload);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static QueuedMessage decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalArgumentException("queued message of version " + version + ", this gateway reads " + VERSION);
      }
      String topic = in.readUTF();
      String contentType = in.readUTF();
      int n = in.readInt();
      byte[] correlation = n < 0 ? null : in.readNBytes(n);
      return new QueuedMessage(topic, in.readAllBytes(), correlation, contentType.isEmpty() ? null : contentType);
    } catch (IOException e) {
      throw new IllegalArgumentException("queued message is cut short: " + e, e);
    }
  }
}
