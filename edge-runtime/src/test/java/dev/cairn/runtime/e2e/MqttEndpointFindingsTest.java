package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.cairn.runtime.e2e.MqttFuzzTest.Outcome;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * What MqttFuzzTest found in the MQTT endpoint of today, each input kept as an example. They wait for
 * the endpoint's rewrite (CONNECT timeout, closing on a malformed packet); enable each with its fix,
 * and MqttFuzzTest's strict property with all of them.
 */
class MqttEndpointFindingsTest {
  /**
   * What Vert.x logs at ERROR today for malformed packets (the examples below); the lenient property
   * of MqttFuzzTest tolerates these lines, and only these, until the fix.
   */
  static final Pattern VERTX_ERRORS_TODAY = Pattern.compile(
      "^io\\.vertx\\.core\\.net\\.impl\\.ConnectionBase: |Received an MQTT packet from a not connected client|MQTT endpoint is closed"
          + "|unknown \\w+ reason code");

  FuzzedGateway gw;

  @AfterEach
  void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  Outcome send(String hex, boolean halfClose) throws Exception {
    return MqttFuzzTest.converse(gw.gateway.mqttPort(), HexFormat.of().parseHex(hex), halfClose);
  }

  /**
   * A whole CONNECT whose protocol name says it is 0x5b04 bytes long, and a whole SUBSCRIBE sent before
   * any CONNECT: the decoder fails, and the connection stays open, neither answered nor closed (until
   * Vert.x's 90 s idle timeout before a CONNECT).
   */
  @Disabled("needs the endpoint fix: a connection whose packet fails to decode is not closed")
  @Test
  void aConnectionWhosePacketFailsToDecodeIsClosed() throws Exception {
    gw = FuzzedGateway.start();
    assertNotEquals(Outcome.SILENT, send("1010" + "5b04" + "4d515454" + "04" + "02" + "003c" + "0004" + "667a2d31", false));
    assertNotEquals(Outcome.SILENT, send("821c000d000016636169726e2f66757a7a2f726573756c74732f232f7842", false));
  }

  /**
   * Packets of a reserved type (0), and a PUBLISH of QoS 3, before any CONNECT: the connection is
   * closed, but Vert.x logs each at ERROR (io.vertx.core.net.impl.ConnectionBase), so any client can
   * fill the gateway's log at will.
   */
  @Disabled("needs the endpoint fix: malformed packets are logged at ERROR by Vert.x")
  @Test
  void malformedPacketsAreNotLoggedAsErrors() throws Exception {
    gw = FuzzedGateway.start();
    assertEquals(Outcome.CLOSED, send("0000", true));
    assertEquals(Outcome.CLOSED, send("3600", true));
    gw.assertNothingFailsSoon();
  }

  /** A PUBACK as the first packet: closed, but logged at ERROR as an unhandled exception with its stack. */
  @Disabled("needs the endpoint fix: a packet before CONNECT is logged as an unhandled exception")
  @Test
  void aPacketBeforeConnectIsRefusedWithoutAnError() throws Exception {
    gw = FuzzedGateway.start();
    assertEquals(Outcome.CLOSED, send("40023d26", true));
    gw.assertNothingFailsSoon();
  }

  /**
   * A CONNECT that is refused (an empty client id without a clean session), then a second CONNECT in
   * the same segment: Vert.x closes the closed endpoint again and logs "MQTT endpoint is closed" as an
   * unhandled exception at ERROR.
   */
  @Disabled("needs the endpoint fix: a CONNECT after a refused one is logged as an unhandled exception")
  @Test
  void aConnectAfterARefusedOneIsNotAnError() throws Exception {
    gw = FuzzedGateway.start();
    assertNotEquals(Outcome.SILENT,
        send("101200044d515454048000000000000466757a7a" + "101600044d515454048200000004667a2d30000466757a7a", true));
    gw.assertNothingFailsSoon();
  }

  /**
   * A CONNECT (3.1.1), then a PUBACK with the reason code 1, which no version defines: Vert.x throws
   * "unknown PUBACK reason code: 1" from its message handler, logged at ERROR with its stack, and the
   * connection goes on; a connected client can log such a line per packet.
   */
  @Disabled("needs the endpoint fix: an acknowledgement with an unknown reason code is logged as an unhandled exception")
  @Test
  void anAcknowledgementWithAnUnknownReasonCodeIsNotAnError() throws Exception {
    gw = FuzzedGateway.start();
    assertEquals(Outcome.ANSWERED, send("101600044d515454048200000004667a2d30000466757a7a" + "4003000101", false));
    gw.assertNothingFailsSoon();
  }

  /**
   * The first six bytes of a CONNECT, and then nothing: the endpoint waits for the rest until its
   * CONNECT timeout (today Vert.x's 90 s, with no setting), holding a connection slot meanwhile.
   */
  @Disabled("needs the endpoint fix: the CONNECT timeout setting mqtt.connectTimeoutMs")
  @Test
  void anIncompleteConnectIsClosedWithinTheConnectTimeout() throws Exception {
    gw = FuzzedGateway.start("connectTimeoutMs: 1000");
    // MqttFuzzTest waits ANSWER_TIMEOUT_MS (5 s) for the close: the timeout, and room for a busy machine.
    assertEquals(Outcome.CLOSED, send("101000044d51", false));
  }
}
