package dev.cairn.runtime.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's processes work against the real jar: the MQTT load generator and the CoAP load client
 * against a gateway, and the load generator against the bare Vert.x server and the durable floors. Small counts: this checks
 * the tools, not speed.
 */
class BenchToolsIT {
  @TempDir Path dir;

  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  static String run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(java(), "-cp", GatewayProcess.jar().toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd));
    return out;
  }

  static long jobs(String out) {
    Matcher m = Pattern.compile("jobs=(\\d+) seconds=[\\d.]+ rate=[\\d.]+ p50=(\\d+)").matcher(out);
    assertTrue(m.find(), out);
    assertTrue(Long.parseLong(m.group(2)) > 0, "a latency was measured: " + out);
    return Long.parseLong(m.group(1));
  }

  @Test
  void loadGeneratorsRunAgainstAGatewayAndTheBareServer() throws Exception {
    try (GatewayProcess gw = new GatewayProcess(dir.resolve("data"))) {
      assertEquals(200, jobs(run("dev.cairn.runtime.bench.MqttLoad", "--port", String.valueOf(gw.mqttPort), "--clients", "2",
          "--window", "4", "--qos", "1", "--jobs", "200", "--seconds", "60", "--prefix", "t")));
      assertEquals(100, jobs(run("dev.cairn.runtime.bench.MqttLoad", "--port", String.valueOf(gw.mqttPort), "--clients", "2",
          "--window", "4", "--qos", "1", "--jobs", "100", "--seconds", "60", "--prefix", "c", "--inputs", "cbor")),
          "CBOR typed-array jobs, and the ids of the gateway's CBOR results");
      int coap = Integer.parseInt(gw.log().replaceAll("(?s).*coap on (\\d+).*", "$1"));
      String out = run("dev.cairn.runtime.bench.CoapLoad", "--uri", "coap://127.0.0.1:" + coap + "/jobs?d=c", "--requests", "100",
          "--window", "4");
      assertTrue(out.contains("requests=100 ") && out.contains("failed=0"), out);
      String rounds = run("dev.cairn.runtime.bench.CoapLoad", "--targets", "coap://127.0.0.1:" + coap + "/jobs?d=r",
          "--rounds", "2", "--requests", "50", "--warmup", "20", "--window", "4");
      for (String done : new String[] {"target=0 round=1 requests=50 ", "target=0 round=2 requests=50 "}) {
        assertTrue(rounds.contains("start " + done.substring(0, done.indexOf(" requests"))) && rounds.contains(done), rounds);
      }
      assertTrue(!Pattern.compile("failed=[1-9]").matcher(rounds).find(), rounds);
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process bare = new ProcessBuilder(java(), "-cp", GatewayProcess.jar().toString(), "dev.cairn.runtime.bench.BareMqttServer",
        "--port", String.valueOf(port)).redirectErrorStream(true).start();
    try {
      BufferedReader r = new BufferedReader(new InputStreamReader(bare.getInputStream(), StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null && !line.contains("bare server ready"); line = r.readLine()) {
        // starting
      }
      assertEquals(300, jobs(run("dev.cairn.runtime.bench.MqttLoad", "--port", String.valueOf(port), "--clients", "3",
          "--window", "8", "--qos", "0", "--jobs", "300", "--seconds", "60", "--prefix", "b")));
      // Paced: the run ends when its seconds are over and its answers are in, even if the last came before the end.
      String paced = run("dev.cairn.runtime.bench.MqttLoad", "--port", String.valueOf(port), "--clients", "2", "--window", "16",
          "--qos", "1", "--seconds", "2", "--rate", "200", "--prefix", "p");
      Matcher m = Pattern.compile("jobs=(\\d+) seconds=([\\d.]+) rate=([\\d.]+)").matcher(paced);
      assertTrue(m.find(), paced);
      assertTrue(Double.parseDouble(m.group(2)) < 10, "ended soon after its 2 s: " + paced);
      assertTrue(Math.abs(Double.parseDouble(m.group(3)) - 200) < 40, "paced at about 200 jobs/s: " + paced);
    } finally {
      bare.toHandle().destroy();
      bare.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The MQTT floors run from the jar and answer the load generator's jobs in every input encoding. */
  @Test
  void durableAndDecodingEchoesAnswerEveryJobOfTheLoadGenerator() throws Exception {
    for (String mode : List.of("durable-echo", "decoding-echo")) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Process echo = new ProcessBuilder(java(), "-cp", GatewayProcess.jar().toString(), "dev.cairn.runtime.bench.DurableMqttEcho",
          "--port", String.valueOf(port), "--mode", mode, "--log", dir.resolve(mode + ".log").toString()).redirectErrorStream(true).start();
      try {
        BufferedReader r = new BufferedReader(new InputStreamReader(echo.getInputStream(), StandardCharsets.UTF_8));
        for (String line = r.readLine(); line != null && !line.contains(mode + " ready"); line = r.readLine()) {
          // starting
        }
        for (String inputs : List.of("json", "base64", "cbor")) {
          assertEquals(150, jobs(run("dev.cairn.runtime.bench.MqttLoad", "--port", String.valueOf(port), "--clients", "3",
              "--window", "8", "--qos", "1", "--jobs", "150", "--seconds", "60", "--prefix", mode + "-" + inputs, "--inputs", inputs)),
              mode + " with " + inputs);
        }
        assertTrue(java.nio.file.Files.size(dir.resolve(mode + ".log")) > 0);
      } finally {
        echo.toHandle().destroy();
        echo.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * {@code cairn bench coap} measures all three targets in one load process (the jobs, the echo and the
   * durable echo, whose group commit it reports) and writes its section of BENCHMARKS.md.
   */
  @Test
  void coapBenchMeasuresTheJobsTheEchoAndTheDurableFloor() throws Exception {
    java.nio.file.Path docs = java.nio.file.Files.createDirectories(dir.resolve("docs"));
    String out = run("-jar", GatewayProcess.jar().toString(), "bench", "coap", "--one-client", "--requests", "200", "--rounds", "1",
        "--window", "4", "--docs", docs.toString());
    assertTrue(Pattern.compile("round 1: jobs [\\d,]+/s, echo [\\d,]+/s, ratio [\\d.]+; durable echo [\\d,]+/s, ratio [\\d.]+").matcher(out).find(), out);
    assertTrue(Pattern.compile("durable echo, this process: .*requests per sync").matcher(out).find(), out);
    assertTrue(Pattern.compile("jobs, this process \\(gateway\\): .*leaves per journal sync").matcher(out).find(), out);
    String section = java.nio.file.Files.readString(docs.resolve("BENCHMARKS.md"));
    assertTrue(section.contains("| durable echo (the floor) |") && section.contains("Cairn against the durable echo"), section);
  }
}
