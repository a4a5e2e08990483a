package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT 5 PUBACK of a job says at once whether it was admitted: 0x00, or the reason a client library can
 * show without waiting for the result (0x87 Not authorized, 0x97 Quota exceeded). Read off the wire: a client
 * library may not expose a PUBACK's code.
 */
class MqttPubAckReasonsTest {
  private static final String SAXPY = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1],\"y\":[3]}}";
  private static final String STATS = "{\"id\":\"%s\",\"kernel\":\"vector.stats\",\"inputs\":{\"x\":[1,2,3]}}";

  @TempDir Path dir;
  dev.cairn.runtime.Gateway gateway;

  @BeforeEach
  void start() throws Exception {
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, TestGateways.loopbackYaml(dir.resolve("data")) + """
        acl:
          devices:
            narrow: {kernels: [vector.stats]}
            slow: {jobsPerSecond: 1}
        """);
    gateway = TestGateways.start(yaml);
  }

  @AfterEach
  void stop() throws Exception {
    TestGateways.stop(gateway);
  }

  private int pubAck(RawMqtt s, String topic, int packetId, String json) throws Exception {
    s.send(RawMqtt.publish5(topic, packetId, json.getBytes(StandardCharsets.UTF_8)));
    while (true) {
      byte[] p = s.readPacket(10_000);
      if ((p[0] & 0xff) == 0x40) {
        return RawMqtt.pubAckReason(p);
      }
    }
  }

  private RawMqtt device(String id) throws Exception {
    RawMqtt s = new RawMqtt(gateway.mqttPort()).send(RawMqtt.connect(5, id, id, 60));
    assertEquals(0x20, s.readPacket(5000)[0] & 0xff);
    return s;
  }

  @Test
  void forbiddenKernelsAndTopicsAreNotAuthorizedAndQuotasAreQuotaExceeded() throws Exception {
    try (RawMqtt narrow = device("narrow"); RawMqtt slow = device("slow")) {
      assertEquals(0x00, pubAck(narrow, "cairn/narrow/jobs", 1, STATS.formatted("n1")));
      assertEquals(0x87, pubAck(narrow, "cairn/narrow/jobs", 2, SAXPY.formatted("n2")), "a kernel not in its acl");
      assertEquals(0x87, pubAck(narrow, "cairn/slow/jobs", 3, STATS.formatted("n3")), "another device's topic");
      assertEquals(0x00, pubAck(slow, "cairn/slow/jobs", 1, SAXPY.formatted("s1")));
      assertEquals(0x97, pubAck(slow, "cairn/slow/jobs", 2, SAXPY.formatted("s2")), "a second job within the second");
    }
  }
}
