package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.cli.CairnCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics and status with a real Paho device: counters for completed and refused jobs (refused by the
 * scheduler and by the MQTT adapter), Prometheus and OpenMetrics text, the status JSON with the recent
 * refusal and its message, the page and its assets, and {@code cairn status}.
 */
class MetricsEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SAXPY = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2],\"y\":[3,4]}}";
  @TempDir Path dir;
  Gateway gateway;
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      TestGateways.stop(gateway);
    }
  }

  HttpResponse<String> get(String path, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static double sample(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(text);
    assertTrue(m.find(), "no " + series + " in\n" + text);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void jobsAndRefusalsAreCountedScrapedAndShown() throws Exception {
    gateway = TestGateways.startLocal(dir, c -> {});
    try (Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      assertEquals("ok", dev.runJob(SAXPY.formatted("a1")).path("status").asText());
      assertEquals("ok", dev.runJob(SAXPY.formatted("a2")).path("status").asText());
      assertEquals("UNKNOWN_KERNEL", dev.runJob("{\"id\":\"u1\",\"kernel\":\"no.such\",\"inputs\":{\"x\":[1]}}").path("code").asText());
      assertEquals("BAD_REQUEST", dev.runJob("{\"id\":\"b1\",\"kernel\":\"vector.saxpy\"}").path("code").asText());
    }
    HttpResponse<String> prom = get("/metrics", null);
    assertEquals(200, prom.statusCode());
    assertTrue(prom.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
    String text = prom.body();
    assertEquals(2, sample(text, "cairn_jobs_completed_total{backend=\"jvm\",kernel=\"vector.saxpy\"}"));
    assertEquals(1, sample(text, "cairn_jobs_refused_total{code=\"UNKNOWN_KERNEL\",kernel=\"unknown\"}"));
    assertEquals(1, sample(text, "cairn_jobs_refused_total{code=\"BAD_REQUEST\",kernel=\"none\"}"));
    assertEquals(2, sample(text, "cairn_job_run_seconds_count{backend=\"jvm\",kernel=\"vector.saxpy\"}"));
    assertTrue(sample(text, "cairn_receipt_leaves_total") >= 2);
    assertTrue(sample(text, "cairn_journal_syncs_seconds_count") >= 1);
    assertTrue(text.contains("jvm_memory_used_bytes"), "JVM memory");
    assertTrue(text.contains("jvm_threads_live_threads"), "JVM threads");
    assertTrue(text.contains("cairn_anchor_outbox_batches{sink=\"local\"}"));
    HttpResponse<String> open = get("/metrics", "application/openmetrics-text; version=1.0.0");
    assertTrue(open.headers().firstValue("content-type").orElse("").startsWith("application/openmetrics-text"));
    assertTrue(open.body().strip().endsWith("# EOF"), "OpenMetrics ends with # EOF");

    JsonNode status = JSON.readTree(get("/v1/status", null).body());
    assertEquals("RUNNING", status.path("state").asText());
    assertEquals(2, status.path("jobs").path("completed").asInt());
    assertEquals(2, status.path("jobs").path("refused").asInt());
    JsonNode latest = status.path("refusals").get(0);
    assertEquals("b1", latest.path("id").asText());
    assertEquals("BAD_REQUEST", latest.path("code").asText());
    assertTrue(latest.path("message").asText().contains("'inputs' is missing"), latest.toString());
    assertTrue(status.path("latencyMs").path("p99").asDouble() > 0);

    String page = get("/", null).body();
    assertTrue(page.contains("/assets/status.js") && page.contains("/assets/uPlot.iife.min.js"), page);
    assertTrue(get("/assets/uPlot.iife.min.js", null).body().contains("uPlot"));
    assertEquals(200, get("/assets/status.js", null).statusCode());

    PrintStream was = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = CairnCommand.execute("status", "--admin", "http://127.0.0.1:" + gateway.adminPort());
    } finally {
      System.setOut(was);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed);
    assertTrue(printed.contains("jobs: 2 completed, 0 failed, 2 refused"), printed);
    assertTrue(printed.contains("b1 BAD_REQUEST"), printed);
  }

  @Test
  void withMetricsOffTheEndpointsSaySo() throws Exception {
    gateway = TestGateways.startLocal(dir, c -> c.metrics().setEnabled(false));
    HttpResponse<String> r = get("/metrics", null);
    assertEquals(404, r.statusCode());
    assertTrue(r.body().contains("metrics.enabled: false"));
  }
}
