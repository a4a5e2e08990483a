package dev.cairn.runtime.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.runtime.e2e.SessionDevices;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sleeping devices and a SIGKILL: the results of jobs that finished while the devices' persistent sessions
 * were offline are in the journal before anyone sees them, so after the gateway process is killed and started
 * again on the same data directory, each device reconnects with its session and gets them, once.
 */
class SleepingDeviceCrashIT {
  static final String SAXPY =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2.0},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dataDir;

  @Test
  void queuedResultsOfMqtt311AndMqtt5SessionsSurviveAKillAndArriveOnce() throws Exception {
    try (GatewayProcess first = new GatewayProcess(dataDir)) {
      try (SessionDevices.V3 v3 = new SessionDevices.V3(first.mqttPort, "dev9", "dev9-s", false);
          SessionDevices.V5 v5 = new SessionDevices.V5(first.mqttPort, "dev5", "dev5-s", false, 3600)) {
        v3.subscribe("cairn/dev9/results");
        v5.subscribe("cairn/dev5/results");
      }
      for (String device : new String[] {"dev9", "dev5"}) {
        try (SessionDevices.V5 pub = new SessionDevices.V5(first.mqttPort, device, device + "-pub", true, 0)) {
          pub.subscribe("cairn/" + device + "/results");
          pub.publish("cairn/" + device + "/jobs", SAXPY.formatted(device + "-k1"), null);
          assertEquals("ok", pub.inbox.next().path("status").asText());
        }
      }
      first.kill();
    }
    try (GatewayProcess second = new GatewayProcess(dataDir)) {
      try (SessionDevices.V3 v3 = new SessionDevices.V3(second.mqttPort, "dev9", "dev9-s", false);
          SessionDevices.V5 v5 = new SessionDevices.V5(second.mqttPort, "dev5", "dev5-s", false, 3600)) {
        assertTrue(v3.sessionPresent && v5.sessionPresent, "both sessions survived the kill");
        JsonNode r3 = v3.inbox.next();
        JsonNode r5 = v5.inbox.next();
        assertEquals("dev9-k1", r3.path("id").asText(), r3.toString());
        assertEquals("dev5-k1", r5.path("id").asText(), r5.toString());
        v3.publish("cairn/dev9/jobs", SAXPY.formatted("dev9-k2"));
        assertEquals("dev9-k2", v3.inbox.next().path("id").asText(), "nothing came twice");
        v5.publish("cairn/dev5/jobs", SAXPY.formatted("dev5-k1"), null);
        JsonNode again = v5.inbox.next();
        assertTrue(again.path("replayed").asBoolean(), "resubmitted after the reboot: the kept result, " + again);
      }
      int exit = second.terminate();
      assertTrue(exit == 0 || exit == 143, "exit code " + exit);
    }
  }
}
