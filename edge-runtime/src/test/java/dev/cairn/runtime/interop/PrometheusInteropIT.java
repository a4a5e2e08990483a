package dev.cairn.runtime.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.e2e.Mqtt5Device;
import dev.cairn.runtime.e2e.TestGateways;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's Prometheus scrapes the gateway's /metrics; a query shows the jobs counter moving. */
class PrometheusInteropIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SAXPY = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2],\"y\":[3,4]}}";
  @TempDir Path dir;
  Gateway gateway;
  Process prometheus;
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      prometheus.waitFor(20, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      TestGateways.stop(gateway);
    }
  }

  /** The value of an instant query's first sample, or -1 when there is none yet. */
  double query(int port, String promql) throws Exception {
    String url = "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode result = JSON.readTree(r.body()).path("data").path("result");
    return result.size() == 0 ? -1 : Double.parseDouble(result.get(0).path("value").get(1).asText());
  }

  @Test
  void prometheusScrapesTheGatewayAndSeesTheJobsCounterMove() throws Exception {
    String bin = ExternalTools.require("prometheus", "prometheus");
    gateway = TestGateways.startLocal(dir.resolve("data"), c -> {});
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        scrape_configs:
          - job_name: cairn
            static_configs: [{targets: ["127.0.0.1:%d"]}]
        """.formatted(gateway.adminPort()));
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    prometheus = new ProcessBuilder(bin, "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
        "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true)
        .redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    int p = port;
    String completed = "sum(cairn_jobs_completed_total{job=\"cairn\",kernel=\"vector.saxpy\"})";
    await().atMost(60, TimeUnit.SECONDS).ignoreExceptions().until(() -> query(p, "up{job=\"cairn\"}") == 1);
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      assertEquals("ok", dev.runJob(SAXPY.formatted("a")).path("status").asText());
      await().atMost(60, TimeUnit.SECONDS).until(() -> query(p, completed) == 1);
      for (int i = 0; i < 3; i++) {
        assertEquals("ok", dev.runJob(SAXPY.formatted("b" + i)).path("status").asText());
      }
    }
    await().atMost(60, TimeUnit.SECONDS).until(() -> query(p, completed) == 4);
    await().atMost(60, TimeUnit.SECONDS).until(() -> query(p, "jvm_memory_used_bytes{job=\"cairn\",area=\"heap\"}") > 0);
  }
}
