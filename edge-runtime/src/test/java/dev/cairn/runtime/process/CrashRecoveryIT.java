package dev.cairn.runtime.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.demo.NoDelaySocketFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway process is killed with SIGKILL in the middle of a stream of jobs and started again on
 * the same data directory: every job whose result reached its device has a receipt afterwards.
 */
class CrashRecoveryIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;
  @TempDir Path configDir;

  @Test
  void everyResultThatReachedItsDeviceHasAReceiptAfterAKillAndRestart() throws Exception {
    Path config = configDir.resolve("gateway.yaml");
    Files.writeString(config, "batch: {maxLeaves: 50, maxDelayMs: 200}\n");
    Map<String, String> leafOfJob = new ConcurrentHashMap<>();
    CountDownLatch enough = new CountDownLatch(300);
    try (GatewayProcess first = new GatewayProcess(dataDir, "--config", config.toString())) {
      MqttClient device = new MqttClient("tcp://127.0.0.1:" + first.mqttPort, "crash-dev", new MemoryPersistence());
      MqttConnectionOptions options = new MqttConnectionOptions();
      options.setUserName("dev1");
      options.setSocketFactory(new NoDelaySocketFactory());
      options.setAutomaticReconnect(false);
      device.connect(options);
      Semaphore window = new Semaphore(32);
      // Paho 1.2.5's subscribe(String, int, listener) recurses forever; the array form works.
      device.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
          new org.eclipse.paho.mqttv5.common.MqttSubscription("cairn/dev1/results", 1)},
          new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(topic, m) -> {
        JsonNode r = JSON.readTree(m.getPayload());
        if ("ok".equals(r.path("status").asText())) {
          leafOfJob.put(r.path("id").asText(), r.path("leaf").asText());
          enough.countDown();
        }
        window.release();
      }});
      Thread sender = new Thread(() -> {
        try {
          for (int i = 0; i < 20_000 && !Thread.currentThread().isInterrupted(); i++) {
            if (!window.tryAcquire(10, TimeUnit.SECONDS)) {
              return;
            }
            String job = "{\"id\":\"c-" + i + "\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},"
                + "\"inputs\":{\"x\":[1,2,3],\"y\":[4,5," + i + "]}}";
            device.publish("cairn/dev1/jobs", new MqttMessage(job.getBytes(StandardCharsets.UTF_8), 1, false, null));
          }
        } catch (Exception e) {
          // The gateway died under us: that is the point of this test.
        }
      });
      sender.start();
      assertTrue(enough.await(60, TimeUnit.SECONDS), "the gateway did not answer 300 jobs");
      first.kill();
      sender.interrupt();
      sender.join(10_000);
      try {
        device.disconnectForcibly(1000, 1000, false);
      } catch (Exception ignored) {
        // Already gone with the gateway.
      }
      device.close(true);
    }
    Map<String, String> delivered = Map.copyOf(leafOfJob);
    assertTrue(delivered.size() >= 300);
    try (GatewayProcess second = new GatewayProcess(dataDir, "--config", config.toString())) {
      HttpClient http = HttpClient.newHttpClient();
      for (Map.Entry<String, String> e : delivered.entrySet()) {
        URI uri = URI.create("http://127.0.0.1:" + second.adminPort + "/v1/receipts/dev1/" + e.getKey());
        HttpResponse<String> r = await().pollDelay(java.time.Duration.ZERO).pollInterval(java.time.Duration.ofMillis(50)).atMost(30, TimeUnit.SECONDS).until(
            () -> http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()),
            resp -> resp.statusCode() == 200);
        JsonNode receipt = JSON.readTree(r.body());
        byte[] leaf = HexFormat.of().parseHex(receipt.path("leaf").asText());
        assertEquals(e.getValue(), HexFormat.of().formatHex(dev.cairn.anchor.Merkle.leafHash(leaf)), e.getKey());
      }
      int exit = second.terminate();
      assertTrue(exit == 0 || exit == 143, "exit code " + exit);
    }
  }

  @Test
  void aDamagedJournalStopsTheGatewayWithWhatIsWrongAndHowToRecover() throws Exception {
    try (GatewayProcess gw = new GatewayProcess(dataDir)) {
      assertTrue(gw.terminate() == 0 || gw.process.exitValue() == 143);
    }
    Path journal = dataDir.resolve("journal.db");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(journal.toFile(), "rw")) {
      f.seek(0);
      f.write(new byte[64]);
    }
    Path jar = Path.of(System.getProperty("basedir", "."), "target", "cairn.jar");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "-jar", jar.toString(), "run", "--mqtt-port", "0", "--admin-port", "0", "--coap-port", "0",
        "--data-dir", dataDir.toString()).redirectErrorStream(true).start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return e.toString();
      }
    });
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the gateway started on a damaged journal instead of refusing");
    }
    String out = output.get(10, TimeUnit.SECONDS);
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("journal " + journal + " is damaged") && out.contains("restore journal.db"), out);

    // Deleted outright: noticed too, instead of starting a new chain as if nothing happened.
    Files.delete(journal);
    Process again = new ProcessBuilder(java, "-jar", jar.toString(), "run", "--mqtt-port", "0", "--admin-port", "0", "--coap-port", "0",
        "--data-dir", dataDir.toString()).redirectErrorStream(true).start();
    CompletableFuture<String> out2 = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return e.toString();
      }
    });
    if (!again.waitFor(60, TimeUnit.SECONDS)) {
      again.destroyForcibly();
      throw new AssertionError("the gateway started without its journal instead of refusing");
    }
    assertEquals(1, again.exitValue());
    assertTrue(out2.get(10, TimeUnit.SECONDS).contains("is missing or empty"));
  }
}
