package dev.cairn.runtime.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.anchor.MutableClock;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.cli.CairnCommand;
import dev.cairn.runtime.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Usage metering end to end with real Paho devices: usage reported with the open epoch, a device's jobs
 * quota refused with BUSY saying when it resets, the epoch sealed into signed statements that are
 * anchored and verified offline by {@code cairn usage verify} (also against the job receipts), and all
 * of it kept across a restart.
 */
class UsageEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SAXPY = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2,3,4],\"y\":[5,6,7,8]}}";
  static final String STATS = "{\"id\":\"%s\",\"kernel\":\"vector.stats\",\"inputs\":{\"x\":[1,2,3]}}";

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:15:00Z").toEpochMilli());
  final HttpClient http = HttpClient.newHttpClient();
  Gateway gateway;

  Gateway start() throws Exception {
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, TestGateways.loopbackYaml(dir.resolve("data")) + """
        metering: {epochSeconds: 3600}
        acl:
          devices:
            capped: {jobsPerEpoch: 2}
        """);
    gateway = Gateway.start(ConfigLoader.load(yaml), clock).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return gateway;
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      TestGateways.stop(gateway);
    }
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode getJson(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  @Test
  void usageIsReportedLimitedSealedAnchoredAndVerified() throws Exception {
    start();
    try (Mqtt5Device dev1 = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results");
        Mqtt5Device capped = Mqtt5Device.connect(gateway.mqttPort(), "capped").subscribe("cairn/capped/results")) {
      for (int i = 0; i < 3; i++) {
        assertEquals("ok", dev1.runJob(SAXPY.formatted("a" + i)).path("status").asText());
      }
      assertEquals("ok", dev1.runJob(STATS.formatted("s0")).path("status").asText());
      assertEquals("ok", capped.runJob(SAXPY.formatted("c0")).path("status").asText());
      assertEquals("ok", capped.runJob(SAXPY.formatted("c1")).path("status").asText());
      JsonNode refused = capped.runJob(SAXPY.formatted("c2"));
      assertEquals("BUSY", refused.path("code").asText(), refused.toString());
      assertEquals("device capped: its quota of 2 jobs per epoch is used (2 jobs); it resets at 2026-12-07T11:00:00Z "
          + "(in 2700 s)", refused.path("message").asText());
    }

    JsonNode usage = getJson("/v1/usage?device=dev1");
    assertEquals(4, usage.path("jobs").asInt(), usage.toString());
    assertEquals(3, usage.path("kernels").path("vector.saxpy").path("jobs").asInt());
    assertEquals(3 * 32, usage.path("kernels").path("vector.saxpy").path("inputBytes").asInt(), "8 floats a job");
    assertTrue(usage.path("cpuSeconds").asDouble() >= 0);
    assertEquals(6, getJson("/v1/usage").path("jobs").asInt(), "both devices, open epoch included");
    String csv = get("/v1/usage?format=csv").body();
    assertTrue(csv.startsWith("device,kernel,jobs,cpuSeconds,inputBytes,outputBytes,runSeconds\n"), csv);
    assertTrue(csv.contains("\ndev1,vector.saxpy,3,"), csv);
    assertTrue(csv.contains("\ncapped,vector.saxpy,2,"), csv);
    assertEquals(400, get("/v1/usage?from=yesterday").statusCode());
    assertTrue(get("/v1/usage?from=yesterday").body().contains("ISO-8601"));
    assertEquals(400, get("/v1/usage?format=xml").statusCode());

    // The epoch ends; its statements are sealed, appended and anchored.
    clock.advanceMillis(3_600_000);
    gateway.usage().sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
    JsonNode statements = await().atMost(10, TimeUnit.SECONDS).until(() -> {
      gateway.anchor().sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return getJson("/v1/usage/statements?device=dev1");
    }, s -> s.size() == 1 && s.get(0).has("receipt"));
    JsonNode st = statements.get(0);
    assertEquals(4, st.path("jobs").asInt(), st.toString());
    assertEquals("dev1", st.path("device").asText());
    assertEquals("2026-12-07T10:00:00Z", st.path("from").asText());
    assertEquals(2, getJson("/v1/usage/statements").size(), "one statement per device");
    assertEquals(6, getJson("/v1/usage").path("jobs").asInt(), "the sealed statements now, nothing counted twice");

    Path file = dir.resolve("dev1-usage.json");
    Files.writeString(file, statements.toString());
    String key = dir.resolve("data/gateway.pub").toString();
    assertEquals(0, CairnCommand.execute("usage", "verify", file.toString(), "--gateway-key", key));

    Path receipts = Files.createDirectories(dir.resolve("receipts"));
    for (String job : new String[] {"a0", "a1", "a2", "s0"}) {
      HttpResponse<String> r = await().atMost(10, TimeUnit.SECONDS).until(() -> get("/v1/receipts/dev1/" + job),
          x -> x.statusCode() == 200);
      Files.writeString(receipts.resolve(job + ".json"), r.body());
    }
    assertEquals(0, CairnCommand.execute("usage", "verify", file.toString(), "--gateway-key", key,
        "--receipts", receipts.toString()));
    Files.delete(receipts.resolve("a1.json"));
    assertEquals(1, CairnCommand.execute("usage", "verify", file.toString(), "--gateway-key", key,
        "--receipts", receipts.toString()), "a job missing from the receipts is a difference");

    ObjectNode tampered = (ObjectNode) statements.get(0).deepCopy();
    tampered.put("jobs", 40);
    Path bad = dir.resolve("tampered.json");
    Files.writeString(bad, "[" + tampered + "]");
    assertEquals(1, CairnCommand.execute("usage", "verify", bad.toString(), "--gateway-key", key));
    Files.writeString(bad, "[" + statements.get(0) + "," + statements.get(0) + "]");
    assertEquals(1, CairnCommand.execute("usage", "verify", bad.toString(), "--gateway-key", key), "a replay");

    // A job in the new epoch, then a restart: the sealed statements stay and the open epoch is rebuilt.
    try (Mqtt5Device dev1 = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      assertEquals("ok", dev1.runJob(SAXPY.formatted("b0")).path("status").asText());
    }
    TestGateways.stop(gateway);
    start();
    assertEquals(5, getJson("/v1/usage?device=dev1").path("jobs").asInt());
    assertEquals(1, getJson("/v1/usage?device=dev1&from=2026-12-07T11:00:00Z").path("jobs").asInt());
    assertEquals(1, getJson("/v1/usage/statements?device=dev1").size());
  }
}
