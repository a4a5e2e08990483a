package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.cairn.runtime.e2e.MqttFuzzTest.Outcome;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What MqttFuzzTest found in the MQTT endpoint, each input kept as a regression example of its fix: the CONNECT
 * timeout, the decoder given whole packets (a whole packet it cannot decode is malformed), and a packet Vert.x
 * refuses by throwing closing its connection without an error in the gateway's log.
 */
class MqttEndpointFindingsTest {
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
  @Test
  void malformedPacketsAreNotLoggedAsErrors() throws Exception {
    gw = FuzzedGateway.start();
    assertEquals(Outcome.CLOSED, send("0000", true));
    assertEquals(Outcome.CLOSED, send("3600", true));
    gw.assertNothingFailsSoon();
  }

  /** A PUBACK as the first packet: closed, but logged at ERROR as an unhandled exception with its stack. */
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
  @Test
  void anIncompleteConnectIsClosedWithinTheConnectTimeout() throws Exception {
    gw = FuzzedGateway.start("connectTimeoutMs: 1000");
    // MqttFuzzTest waits ANSWER_TIMEOUT_MS (5 s) for the close: the timeout, and room for a busy machine.
    assertEquals(Outcome.CLOSED, send("101000044d51", false));
  }
}
