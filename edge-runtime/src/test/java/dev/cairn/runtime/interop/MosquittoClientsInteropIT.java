package dev.cairn.runtime.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import dev.cairn.runtime.process.GatewayProcess;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running {@code cairn.jar}, driven by Eclipse Mosquitto's command-line clients (Debian
 * {@code mosquitto-clients}): an implementation of MQTT nobody here wrote.
 */
class MosquittoClientsInteropIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SAXPY =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2.0},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dataDir;

  @Test
  void mosquittoClientsRunJobsAgainstTheJarAndSigtermSealsTheBatch() throws Exception {
    String pub = ExternalTools.require("mosquitto_pub", "mosquitto-clients");
    String sub = ExternalTools.require("mosquitto_sub", "mosquitto-clients");
    String rr = ExternalTools.require("mosquitto_rr", "mosquitto-clients");
    // mosquitto_sub block-buffers its output into a pipe; line buffering lets us see the SUBACK.
    String stdbuf = ExternalTools.require("stdbuf", "coreutils");
    try (GatewayProcess gw = new GatewayProcess(dataDir)) {
      String port = Integer.toString(gw.mqttPort);

      // mosquitto_sub -u dev1 on the results topic; -d tells us when the SUBACK is in.
      Process subscriber = new ProcessBuilder(stdbuf, "-oL", sub, "-h", "127.0.0.1", "-p", port, "-u", "dev1", "-i", "dev1-sub",
          "-t", "cairn/dev1/results", "-q", "1", "-C", "2", "-W", "30", "-d").redirectErrorStream(true).start();
      BlockingQueue<String> subLines = ExternalTools.lines(subscriber);
      awaitLine(subLines, "SUBACK");

      // mosquitto_pub -u dev1: a job over MQTT 3.1.1, QoS 1.
      ExternalTools.run(pub, "-h", "127.0.0.1", "-p", port, "-u", "dev1", "-i", "dev1-pub", "-q", "1",
          "-t", "cairn/dev1/jobs", "-m", SAXPY.formatted("j-42"));
      JsonNode result = JSON.readTree(awaitLine(subLines, "{"));
      assertEquals("j-42", result.path("id").asText(), result.toString());
      assertEquals("ok", result.path("status").asText(), result.toString());
      assertEquals("[6.0,9.0,12.0]", result.path("outputs").path("y").toString());
      assertTrue(result.path("leaf").asText().matches("[0-9a-f]{64}"), result.toString());

      // Publishing under another device's topic: refused, and the error comes back to dev1.
      ExternalTools.run(pub, "-h", "127.0.0.1", "-p", port, "-u", "dev1", "-i", "dev1-pub2", "-q", "0",
          "-t", "cairn/dev2/jobs", "-m", SAXPY.formatted("j-43"));
      JsonNode refused = JSON.readTree(awaitLine(subLines, "{"));
      assertEquals("FORBIDDEN", refused.path("code").asText(), refused.toString());
      assertTrue(subscriber.waitFor(30, TimeUnit.SECONDS), "mosquitto_sub did not finish");

      // mosquitto_rr: MQTT 5 request/response with a Response Topic.
      String reply = ExternalTools.run(rr, "-V", "mqttv5", "-h", "127.0.0.1", "-p", port, "-u", "dev1", "-i", "dev1-rr",
          "-t", "cairn/dev1/jobs", "-e", "cairn/dev1/replies", "-W", "30", "-m", SAXPY.formatted("j-44"));
      JsonNode rrResult = JSON.readTree(reply.lines().filter(l -> l.startsWith("{")).findFirst()
          .orElseThrow(() -> new AssertionError("mosquitto_rr printed no result: " + reply)));
      assertEquals("j-44", rrResult.path("id").asText());
      assertEquals("ok", rrResult.path("status").asText(), rrResult.toString());

      int exit = gw.terminate();
      assertTrue(exit == 0 || exit == 143, "exit code " + exit + "\n" + gw.log());
      assertTrue(gw.log().contains("2 leaves, 1 batches sealed"), "exit code " + exit + ", log:\n" + gw.log());
    }
  }

  private static String awaitLine(BlockingQueue<String> q, String marker) throws InterruptedException {
    List<String> seen = new ArrayList<>();
    while (true) {
      String line = q.poll(30, TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError("no line with '" + marker + "' within 30 s; saw " + seen);
      }
      seen.add(line);
      if (marker.equals("{") ? line.startsWith("{") : line.contains(marker)) {
        return line;
      }
    }
  }
}
