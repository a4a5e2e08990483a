package dev.cairn.runtime.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.process.GatewayProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sleeping devices as a new user would try them with Mosquitto's own clients against {@code cairn.jar}:
 * {@code mosquitto_sub -c} subscribes and leaves, a job finishes while it is away, and the same client id
 * gets the result when it comes back; {@code mosquitto_rr} resuming an MQTT 5 session gets the queued result
 * first, and fetches a kept result by job id.
 */
class SleepingDevicesInteropIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SAXPY =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2.0},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dataDir;
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void mosquittoSubWithCleanSessionOffGetsTheResultOfAJobThatFinishedWhileItWasAway() throws Exception {
    String pub = ExternalTools.require("mosquitto_pub", "mosquitto-clients");
    String sub = ExternalTools.require("mosquitto_sub", "mosquitto-clients");
    String stdbuf = ExternalTools.require("stdbuf", "coreutils");
    try (GatewayProcess gw = new GatewayProcess(dataDir)) {
      String port = Integer.toString(gw.mqttPort);
      ExternalTools.run(sub, "-h", "127.0.0.1", "-p", port, "-u", "dev9", "-i", "dev9-s", "-c", "-q", "1", "-t", "cairn/dev9/results", "-E");
      ExternalTools.run(pub, "-h", "127.0.0.1", "-p", port, "-u", "dev9", "-i", "dev9-pub", "-q", "1", "-t", "cairn/dev9/jobs",
          "-m", SAXPY.formatted("j1"));
      awaitKept(gw, "dev9", "j1");

      Process back = new ProcessBuilder(stdbuf, "-oL", sub, "-h", "127.0.0.1", "-p", port, "-u", "dev9", "-i", "dev9-s", "-c",
          "-q", "1", "-t", "cairn/dev9/results", "-C", "2", "-W", "30").redirectErrorStream(true).start();
      BlockingQueue<String> lines = ExternalTools.lines(back);
      JsonNode first = JSON.readTree(awaitLine(lines));
      assertEquals("j1", first.path("id").asText(), first.toString());
      assertEquals("ok", first.path("status").asText(), first.toString());
      ExternalTools.run(pub, "-h", "127.0.0.1", "-p", port, "-u", "dev9", "-i", "dev9-pub", "-q", "1", "-t", "cairn/dev9/jobs",
          "-m", SAXPY.formatted("j2"));
      JsonNode second = JSON.readTree(awaitLine(lines));
      assertEquals("j2", second.path("id").asText(), "the next message is the next job's result: j1 came once");
      assertTrue(back.waitFor(30, TimeUnit.SECONDS), "mosquitto_sub did not finish");
      int exit = gw.terminate();
      assertTrue(exit == 0 || exit == 143, "exit code " + exit + "\n" + gw.log());
    }
  }

  @Test
  void mosquittoRrResumingAnMqtt5SessionGetsTheQueuedResultAndFetchesAKeptOneById() throws Exception {
    String pub = ExternalTools.require("mosquitto_pub", "mosquitto-clients");
    String sub = ExternalTools.require("mosquitto_sub", "mosquitto-clients");
    String rr = ExternalTools.require("mosquitto_rr", "mosquitto-clients");
    try (GatewayProcess gw = new GatewayProcess(dataDir)) {
      String port = Integer.toString(gw.mqttPort);
      // -c with MQTT 5: clean start off and a session expiry of "never", which the gateway caps.
      ExternalTools.run(sub, "-V", "mqttv5", "-h", "127.0.0.1", "-p", port, "-u", "dev5", "-i", "dev5-s", "-c", "-q", "1",
          "-t", "cairn/dev5/results", "-E");
      ExternalTools.run(pub, "-V", "mqttv5", "-h", "127.0.0.1", "-p", port, "-u", "dev5", "-i", "dev5-pub", "-q", "1",
          "-t", "cairn/dev5/jobs", "-m", SAXPY.formatted("k1"));
      awaitKept(gw, "dev5", "k1");

      String resumed = ExternalTools.run(rr, "-V", "mqttv5", "-h", "127.0.0.1", "-p", port, "-u", "dev5", "-i", "dev5-s", "-c", "-q", "1",
          "-t", "cairn/dev5/jobs", "-e", "cairn/dev5/results", "-W", "30", "-m", SAXPY.formatted("k2"));
      JsonNode queued = firstJson(resumed);
      assertEquals("k1", queued.path("id").asText(), "what waited in the session comes first: " + resumed);

      String fetched = ExternalTools.run(rr, "-V", "mqttv5", "-h", "127.0.0.1", "-p", port, "-u", "dev5", "-i", "dev5-get",
          "-t", "cairn/dev5/results/get", "-e", "cairn/dev5/replies", "-W", "30", "-m", "{\"id\": \"k1\"}");
      JsonNode kept = firstJson(fetched);
      assertEquals("k1", kept.path("id").asText(), fetched);
      assertTrue(kept.path("replayed").asBoolean(), fetched);
      assertEquals(queued.path("leaf"), kept.path("leaf"));
      int exit = gw.terminate();
      assertTrue(exit == 0 || exit == 143, "exit code " + exit + "\n" + gw.log());
    }
  }

  /** Waits until the job's result is kept (it finished), asking the admin API. */
  private void awaitKept(GatewayProcess gw, String device, String job) {
    URI uri = URI.create("http://127.0.0.1:" + gw.adminPort + "/v1/results/" + device + "/" + job);
    await().pollDelay(java.time.Duration.ZERO).pollInterval(java.time.Duration.ofMillis(20)).atMost(30, TimeUnit.SECONDS)
        .until(() -> http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
  }

  private static JsonNode firstJson(String out) throws Exception {
    return JSON.readTree(out.lines().filter(l -> l.startsWith("{")).findFirst()
        .orElseThrow(() -> new AssertionError("no result printed: " + out)));
  }

  private static String awaitLine(BlockingQueue<String> q) throws InterruptedException {
    List<String> seen = new ArrayList<>();
    while (true) {
      String line = q.poll(30, TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError("no JSON line within 30 s; saw " + seen);
      }
      seen.add(line);
      if (line.startsWith("{")) {
        return line;
      }
    }
  }
}
