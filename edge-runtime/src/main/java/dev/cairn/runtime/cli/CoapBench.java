package dev.cairn.runtime.cli;

import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.bench.ThreadUse;
import dev.cairn.runtime.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.server.resources.CoapExchange;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn bench coap}: CoAP jobs per second through a whole gateway, against a plain Californium
 * echo resource, with the same client (a separate process) and window in the same run.
 */
@Command(name = "coap", mixinStandardHelpOptions = true,
    description = "CoAP jobs per second (a small vector.saxpy) against a plain Californium echo resource, same client and window, same run.")
final class CoapBench implements Callable<Integer> {
  @Option(names = "--requests", defaultValue = "20000", description = "requests per round and target (default ${DEFAULT-VALUE})")
  int requests;

  @Option(names = "--window", defaultValue = "16", description = "requests in flight (default ${DEFAULT-VALUE})")
  int window;

  @Option(names = "--one-client", description = "one load process for the warm-up and every round, instead of a new one per run: "
      + "a new JVM's compilers otherwise take CPU from the two cores all through each run, and the longer a run, the more")
  boolean oneClient;

  @Option(names = "--rounds", defaultValue = "3", description = "rounds; medians are reported (default ${DEFAULT-VALUE})")
  int rounds;

  @Option(names = "--docs", defaultValue = "docs", description = "where BENCHMARKS.md goes (default ${DEFAULT-VALUE})")
  java.nio.file.Path docs;

  static final String JOB = "{\"id\":\"%d\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},"
      + "\"inputs\":{\"x\":[1,2,3,4,5,6,7,8],\"y\":[8,7,6,5,4,3,2,1]}}";

  /**
   * Californium's defaults, without the Californium3.properties file its standard configuration writes,
   * and the gateway's deduplication, so both servers remember as much per request.
   */
  private static final org.eclipse.californium.elements.config.Configuration CALIFORNIUM =
      dev.cairn.adapters.coap.CoapEndpoint.boundedDeduplication(new org.eclipse.californium.elements.config.Configuration());

  private BenchReport.Launcher launcher;
  private Gateway gateway;

  /** The journal's group commit over a phase: leaves per sync of the leaf log, or "" if it synced nothing. */
  private String journalSince(dev.cairn.anchor.AnchorStats before) {
    dev.cairn.anchor.AnchorStats now = gateway.anchor().stats();
    long syncs = now.leafSyncs() - before.leafSyncs();
    return syncs == 0 ? "" : String.format(Locale.ROOT, "; %.1f leaves per journal sync", (now.leaves() - before.leaves()) / (double) syncs);
  }

  @Override
  public Integer call() throws Exception {
    if (requests < 100 || window < 1 || rounds < 1) {
      throw new IllegalArgumentException("--requests must be at least 100, --window and --rounds at least 1");
    }
    launcher = BenchReport.Launcher.current();
    Path data = Files.createTempDirectory("cairn-bench-coap");
    GatewayConfig config = new GatewayConfig();
    config.setDataDir(data.toString());
    config.mqtt().setHost("127.0.0.1");
    config.mqtt().setPort(0);
    config.admin().setPort(0);
    config.coap().setHost("127.0.0.1");
    config.coap().setPort(0);
    // Every job id must be new; the duplicate check stays on, as in production.
    gateway = Gateway.start(config, Clock.systemUTC()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    CoapServer echo = new CoapServer(CALIFORNIUM, 0);
    echo.add(new CoapResource("echo") {
      @Override
      public void handlePOST(CoapExchange ex) {
        ex.respond(ResponseCode.CONTENT, ex.getRequestPayload(), MediaTypeRegistry.APPLICATION_JSON);
      }
    });
    echo.start();
    int echoPort = echo.getEndpoints().get(0).getAddress().getPort();
    double[] jobs = new double[rounds];
    double[] echoes = new double[rounds];
    AtomicInteger ids = new AtomicInteger();
    try {
      String echoUri = "coap://127.0.0.1:" + echoPort + "/echo";
      String jobsUri = "coap://127.0.0.1:" + gateway.coapPort() + "/jobs?d=bench";
      if (oneClient) {
        List<Phase> phases = runAll(List.of(echoUri, jobsUri), ids, Math.min(requests, 2000));
        for (int r = 0; r < rounds; r++) {
          report(r, phases.get(2 * r + 1), phases.get(2 * r), jobs, echoes);
        }
      } else {
        // Warm-up: both targets, untimed.
        run(jobsUri, ids, Math.min(requests, 2000));
        run(echoUri, ids, Math.min(requests, 2000));
        for (int r = 0; r < rounds; r++) {
          Phase echoed = run(echoUri, ids, requests);
          Phase done = run(jobsUri, ids, requests);
          report(r, done, echoed, jobs, echoes);
        }
      }
    } finally {
      echo.destroy();
      gateway.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    Arrays.sort(jobs);
    Arrays.sort(echoes);
    double j = jobs[rounds / 2];
    double e = echoes[rounds / 2];
    System.out.printf("median: jobs %,.0f/s, echo %,.0f/s, ratio %.2f (aim 0.8); window %d, CON POST, %d cores%n",
        j, e, j / e, window, Runtime.getRuntime().availableProcessors());
    java.nio.file.Path file = BenchReport.writeSection(docs, "coap", String.format(java.util.Locale.ROOT, """
        ## CoAP jobs (`cairn bench coap`)

        Conditions: %s. One Californium client in its own process (%s), CON POST with %d requests in flight,
        %d requests per round, medians of %d rounds. Jobs: `vector.saxpy` on 8 floats through the whole gateway
        (decode, scheduler, durable leaf, result). Reference: a plain Californium echo resource in the
        gateway's process, same client and window, measured in the same rounds.

        | target | requests/s |
        |---|---|
        | Cairn `POST /jobs` | %.0f |
        | Californium echo | %.0f |

        Ratio %.2f (aim 0.8)%s.
        """, BenchReport.conditions(),
        oneClient ? "one process, warmed up, for all rounds" : "a new one for each run", window, requests, rounds, j, e, j / e, j / e >= 0.8 ? "" : ", below the aim"));
    System.out.println("wrote " + file);
    return 0;
  }

  private void report(int r, Phase done, Phase echoed, double[] jobs, double[] echoes) {
    echoes[r] = echoed.rate();
    jobs[r] = done.rate();
    System.out.printf("round %d: jobs %,.0f/s, echo %,.0f/s, ratio %.2f%n", r + 1, jobs[r], echoes[r], jobs[r] / echoes[r]);
    System.out.println("  jobs, this process (gateway): " + done.server());
    System.out.println("  echo, this process (echo server): " + echoed.server());
    if (oneClient) {
      System.out.println("  jobs, load process: " + done.client());
      System.out.println("  echo, load process: " + echoed.client());
    } else {
      // A load process per run: its figures cover its whole life, start-up included.
      System.out.printf(Locale.ROOT, "  load process, whole life: %s; echo %s%n", done.client(), echoed.client());
    }
  }

  /**
   * Every round from one load process ({@code --one-client}): {@code warmup} untimed requests to each
   * target, then per round {@code requests} to each target in order. The phases, round by round.
   */
  private List<Phase> runAll(List<String> targets, AtomicInteger ids, int warmup) throws Exception {
    int first = ids.getAndAdd(warmup * targets.size() + requests * targets.size() * rounds);
    Process p = new ProcessBuilder(launcher.command("dev.cairn.runtime.bench.CoapLoad", "--targets", String.join(",", targets),
        "--rounds", String.valueOf(rounds), "--requests", String.valueOf(requests), "--warmup", String.valueOf(warmup),
        "--window", String.valueOf(window), "--first", String.valueOf(first)))
        .redirectErrorStream(true).start();
    List<Phase> phases = new java.util.ArrayList<>();
    StringBuilder all = new StringBuilder();
    java.util.regex.Pattern result = java.util.regex.Pattern.compile("target=(\\d+) round=\\d+ requests=\\d+ seconds=[\\d.]+ rate=([\\d.]+) failed=(\\d+)");
    ThreadUse before = null;
    dev.cairn.anchor.AnchorStats journalBefore = null;
    try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        all.append(line).append('\n');
        if (line.startsWith("start target=")) {
          before = ThreadUse.now();
          journalBefore = gateway.anchor().stats();
          continue;
        }
        java.util.regex.Matcher m = result.matcher(line);
        if (m.find()) {
          String target = targets.get(Integer.parseInt(m.group(1)));
          if (Integer.parseInt(m.group(3)) > 0) {
            p.destroyForcibly();
            throw new IllegalStateException(target + ": " + m.group(3) + " requests failed:\n" + all);
          }
          String server = ThreadUse.now().perRequestSince(before, requests) + journalSince(journalBefore);
          String client = in.readLine();
          all.append(client).append('\n');
          phases.add(new Phase(Double.parseDouble(m.group(2)), server, client == null ? "?" : client.replaceFirst("^client: ", "")));
        }
      }
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    if (phases.size() != 2 * rounds) {
      throw new IllegalStateException("the load process failed:\n" + all);
    }
    return phases;
  }

  /**
   * A phase: requests per second; what this process's threads spent per request on it, by stage
   * ({@link ThreadUse}); and the load process's own CPU and JIT time.
   */
  private record Phase(double rate, String server, String client) {}

  /**
   * Requests per second from a separate process (one Californium client, {@code window} in flight);
   * fails on any non-2.05.
   */
  private Phase run(String uri, AtomicInteger ids, int count) throws Exception {
    int first = ids.getAndAdd(count);
    ThreadUse before = ThreadUse.now();
    dev.cairn.anchor.AnchorStats journalBefore = gateway.anchor().stats();
    Process p = new ProcessBuilder(launcher.command("dev.cairn.runtime.bench.CoapLoad", "--uri", uri,
        "--requests", String.valueOf(count), "--window", String.valueOf(window), "--first", String.valueOf(first)))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ThreadUse after = ThreadUse.now();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(uri + ": the load process did not finish");
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("rate=([\\d.]+) failed=(\\d+)").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException(uri + ": the load process failed:\n" + out);
    }
    if (Integer.parseInt(m.group(2)) > 0) {
      throw new IllegalStateException(uri + ": " + m.group(2) + " of " + count + " requests failed:\n" + out.strip());
    }
    java.util.regex.Matcher c = java.util.regex.Pattern.compile("cpuMs=(\\d+) jitMs=(\\d+)").matcher(out);
    String client = c.find()
        ? String.format(Locale.ROOT, "%.0f µs CPU/request (its JIT compilers were busy %.0f µs/request, elapsed)", Long.parseLong(c.group(1)) * 1000.0 / count,
            Long.parseLong(c.group(2)) * 1000.0 / count)
        : "?";
    return new Phase(Double.parseDouble(m.group(1)), after.perRequestSince(before, count) + journalSince(journalBefore), client);
  }
}
