package dev.cairn.runtime.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.GatewayConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT endpoint's connection limits, tested at the socket level with packets written by hand: what a
 * client library never does (silence, half a CONNECT, a huge declared packet, never reading) is what they
 * are for.
 */
class MqttConnectionLimitsTest {
  private static final String GOOD =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":1},\"inputs\":{\"x\":[1],\"y\":[1]}}";

  @TempDir Path dataDir;
  Gateway gateway;
  final List<RawMqtt> sockets = new ArrayList<>();

  Gateway start(Consumer<GatewayConfig> settings) throws Exception {
    gateway = TestGateways.startLocal(dataDir, settings);
    return gateway;
  }

  RawMqtt open() throws IOException {
    RawMqtt s = new RawMqtt(gateway.mqttPort());
    sockets.add(s);
    return s;
  }

  @AfterEach
  void stop() throws Exception {
    for (RawMqtt s : sockets) {
      s.close();
    }
    if (gateway != null) {
      TestGateways.stop(gateway);
    }
  }

  /** A device's job still gets its result: the gateway is healthy. */
  void aDeviceStillGetsItsJobDone(String device) throws Exception {
    try (Mqtt5Device d = Mqtt5Device.connect(gateway.mqttPort(), device).subscribe("cairn/" + device + "/results")) {
      d.publishJson("cairn/" + device + "/jobs", GOOD.formatted("after"));
      assertEquals("ok", d.next().json().path("status").asText());
    }
  }

  @Test
  void connectionsOverThePerAddressLimitAreClosedBeforeAnythingIsRead() throws Exception {
    start(c -> c.mqtt().setMaxConnectionsPerAddress(3));
    RawMqtt first = open();
    open();
    open();
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.mqtt().connections() == 3);
    RawMqtt fourth = open();
    assertTrue(fourth.closedWithin(10_000), "the fourth connection from 127.0.0.1 stayed open");
    assertFalse(first.closedWithin(100), "a connection within the limit was closed");
    first.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.mqtt().connections() == 2);
    aDeviceStillGetsItsJobDone("dev1");
  }

  @Test
  void connectionsOverTheTotalLimitAreClosed() throws Exception {
    start(c -> c.mqtt().setMaxConnections(2));
    RawMqtt first = open();
    open();
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.mqtt().connections() == 2);
    assertTrue(open().closedWithin(10_000), "a third connection stayed open");
    MqttException refused = org.junit.jupiter.api.Assertions.assertThrows(MqttException.class,
        () -> Mqtt5Device.connect(gateway.mqttPort(), "dev1"));
    assertTrue(refused.getMessage() != null);
    first.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.mqtt().connections() == 1);
    aDeviceStillGetsItsJobDone("dev1");
  }

  @Test
  void aSocketThatSendsNoConnectOrHalfOfOneIsClosedAfterTheConnectTimeout() throws Exception {
    start(c -> c.mqtt().setConnectTimeoutMs(300));
    RawMqtt silent = open();
    RawMqtt half = open();
    byte[] connect = RawMqtt.connect(4, "slow", "slow", 60);
    half.send(java.util.Arrays.copyOf(connect, connect.length / 2));
    assertTrue(silent.closedWithin(10_000), "a silent socket stayed open");
    assertTrue(half.closedWithin(10_000), "a socket that sent half a CONNECT stayed open");
    // A client that sends its CONNECT in time is served (a first Paho client in this JVM can take longer than
    // 300 ms to write its CONNECT, so the bytes are written here directly).
    RawMqtt prompt = open().send(RawMqtt.connect(4, "prompt", "prompt", 60));
    assertEquals(0x20, prompt.readPacket(5000)[0] & 0xff);
  }

  @Test
  void aPacketDeclaredLargerThanTheLimitIsRefusedFromItsFixedHeader() throws Exception {
    start(c -> c.limits().setMaxPayloadBytes(64 * 1024));
    RawMqtt s = open().send(RawMqtt.connect(5, "big", "big", 60));
    byte[] connack = s.readPacket(5000);
    assertEquals(0x20, connack[0] & 0xff);
    // MQTT 5 CONNACK properties: Maximum Packet Size (0x27) is told.
    assertTrue(indexOfProperty(connack, 0x27) > 0, "no Maximum Packet Size in the CONNACK");
    // A PUBLISH that claims 200 MB, then only its first kilobytes.
    s.send(RawMqtt.header(0x30, 200_000_000)).send(new byte[16 * 1024]);
    byte[] disconnect = s.readPacket(5000);
    assertEquals(0xE0, disconnect[0] & 0xff, "expected DISCONNECT");
    assertEquals(0x95, disconnect[1] & 0xff, "expected reason Packet too large");
    assertTrue(s.closedWithin(5000));
    aDeviceStillGetsItsJobDone("dev1");
  }

  @Test
  void aMqtt311PacketDeclaredLargerThanTheLimitClosesTheConnection() throws Exception {
    start(c -> c.limits().setMaxPayloadBytes(64 * 1024));
    RawMqtt s = open().send(RawMqtt.connect(4, "big", "big", 60));
    assertEquals(0x20, s.readPacket(5000)[0] & 0xff);
    s.send(RawMqtt.header(0x30, 100_000_000)).send(new byte[1024]);
    assertTrue(s.closedWithin(5000), "the connection stayed open after a 100 MB header");
  }

  @Test
  void aClientThatGoesSilentIsClosedAfterOneAndAHalfKeepAlives() throws Exception {
    start(c -> { });
    RawMqtt s = open().send(RawMqtt.connect(4, "quiet", "quiet", 1));
    assertEquals(0x20, s.readPacket(5000)[0] & 0xff);
    assertTrue(s.closedWithin(10_000), "a client silent past 1.5 x its keep-alive stayed connected");
  }

  @Test
  void keepAliveZeroIsHeldToTheGatewaysMaximumAndTheClientIsToldSo() throws Exception {
    start(c -> c.mqtt().setMaxKeepAliveSeconds(1));
    RawMqtt s = open().send(RawMqtt.connect(5, "forever", "forever", 0));
    byte[] connack = s.readPacket(5000);
    int at = indexOfProperty(connack, 0x13);
    assertTrue(at > 0, "no Server Keep Alive in the CONNACK");
    assertEquals(1, ((connack[at + 1] & 0xff) << 8) | (connack[at + 2] & 0xff));
    assertTrue(s.closedWithin(10_000), "a client asking for no keep-alive stayed connected while silent");
  }

  @Test
  void aDeviceThatNeverReadsItsResultsIsClosedAndOthersCarryOn() throws Exception {
    start(c -> {
      c.mqtt().setMaxQueuedBytesPerConnection(64 * 1024);
      c.limits().setMaxPayloadBytes(256 * 1024);
    });
    RawMqtt sloth = new RawMqtt(gateway.mqttPort(), 4096);
    sockets.add(sloth);
    sloth.send(RawMqtt.connect(4, "sloth", "sloth", 600));
    assertEquals(0x20, sloth.readPacket(5000)[0] & 0xff);
    sloth.send(RawMqtt.subscribe(1, "cairn/sloth/results"));
    assertEquals(0x90, sloth.readPacket(5000)[0] & 0xff);
    StringBuilder xs = new StringBuilder();
    for (int i = 0; i < 4000; i++) {
      xs.append(i == 0 ? "" : ",").append(i + 0.123456f);
    }
    // Each result carries 4000 floats (about 50 kB); the sloth never reads another byte.
    String job = "{\"id\":\"%d\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":1.5},\"inputs\":{\"x\":[" + xs + "],\"y\":[" + xs + "]}}";
    int sent = 0;
    try {
      for (; sent < 2000; sent++) {
        sloth.send(RawMqtt.publish("cairn/sloth/jobs", job.formatted(sent).getBytes(StandardCharsets.UTF_8)));
      }
    } catch (IOException closed) {
      // The gateway closed the connection: what this test waits for.
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> gateway.mqtt().connections() == 0);
    assertTrue(sent < 2000 || sloth.closedWithin(10_000), "the connection of a device that never reads stayed open");
    aDeviceStillGetsItsJobDone("busy-bee");
  }

  /**
   * Where the property {@code id} starts in an MQTT 5 CONNACK as {@link RawMqtt#readPacket} gives it (type
   * byte, then flags, reason code, properties length and properties).
   */
  private static int indexOfProperty(byte[] connack, int id) {
    int propsLen = connack[3] & 0x7f; // CONNACK properties here are short
    int end = 4 + propsLen;
    int i = 4;
    while (i < end) {
      int p = connack[i] & 0xff;
      if (p == id) {
        return i;
      }
      i += 1 + switch (p) {
        case 0x11, 0x27 -> 4; // four-byte integers
        case 0x13, 0x21, 0x22 -> 2; // two-byte integers
        case 0x24, 0x25, 0x28, 0x29, 0x2a -> 1; // bytes
        default -> throw new AssertionError("property 0x" + Integer.toHexString(p) + " not expected in a CONNACK");
      };
    }
    return -1;
  }
}
