package dev.cairn.runtime.cli;

import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.bench.GroupSyncLog;
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
 * echo resource and against {@link DurableEcho}, with the same client (a separate process) and window
 * in the same run.
 */
@Command(name = "coap", mixinStandardHelpOptions = true,
    description = "CoAP jobs per second (a small vector.saxpy) against a plain Californium echo resource and an echo that answers after an fdatasync (the floor for a durable acknowledgement), same client and window, same run.")
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
  private DurableEcho durable;

  /** The counts of syncs before a phase: the journal's and the durable echo's. */
  private record Syncs(dev.cairn.anchor.AnchorStats journal, long[] durable) {}

  private Syncs syncs() {
    return new Syncs(gateway.anchor().stats(), durable.counts());
  }

  /**
   * The group commits over a phase: leaves per sync of the leaf log, requests per sync of the durable
   * echo, or "" if neither synced.
   */
  private String syncsSince(Syncs before) {
    dev.cairn.anchor.AnchorStats now = gateway.anchor().stats();
    long syncs = now.leafSyncs() - before.journal().leafSyncs();
    return (syncs == 0 ? "" : String.format(Locale.ROOT, "; %.1f leaves per journal sync", (now.leaves() - before.journal().leaves()) / (double) syncs))
        + durable.perSyncSince(before.durable());
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
    durable = new DurableEcho(data.resolve("durable-echo.log"));
    echo.add(durable);
    echo.start();
    int echoPort = echo.getEndpoints().get(0).getAddress().getPort();
    double[] jobs = new double[rounds];
    double[] echoes = new double[rounds];
    double[] floors = new double[rounds];
    AtomicInteger ids = new AtomicInteger();
    try {
      String echoUri = "coap://127.0.0.1:" + echoPort + "/echo";
      String durableUri = "coap://127.0.0.1:" + echoPort + "/durable";
      String jobsUri = "coap://127.0.0.1:" + gateway.coapPort() + "/jobs?d=bench";
      if (oneClient) {
        List<Phase> phases = runAll(List.of(echoUri, durableUri, jobsUri), ids, Math.min(requests, 2000));
        for (int r = 0; r < rounds; r++) {
          report(r, phases.get(3 * r + 2), phases.get(3 * r), phases.get(3 * r + 1), jobs, echoes, floors);
        }
      } else {
        // Warm-up: every target, untimed.
        run(jobsUri, ids, Math.min(requests, 2000));
        run(echoUri, ids, Math.min(requests, 2000));
        run(durableUri, ids, Math.min(requests, 2000));
        for (int r = 0; r < rounds; r++) {
          Phase echoed = run(echoUri, ids, requests);
          Phase floor = run(durableUri, ids, requests);
          Phase done = run(jobsUri, ids, requests);
          report(r, done, echoed, floor, jobs, echoes, floors);
        }
      }
    } finally {
      echo.destroy();
      durable.close();
      gateway.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    Arrays.sort(jobs);
    Arrays.sort(echoes);
    Arrays.sort(floors);
    double j = jobs[rounds / 2];
    double e = echoes[rounds / 2];
    double f = floors[rounds / 2];
    System.out.printf("median: jobs %,.0f/s, echo %,.0f/s, ratio %.2f (aim 0.8); durable echo %,.0f/s, ratio %.2f; window %d, CON POST, %d cores%n",
        j, e, j / e, f, f / e, window, Runtime.getRuntime().availableProcessors());
    java.nio.file.Path file = BenchReport.writeSection(docs, "coap", String.format(java.util.Locale.ROOT, """
        ## CoAP jobs (`cairn bench coap`)

        Conditions: %s. One Californium client in its own process (%s), CON POST with %d requests in flight,
        %d requests per round, medians of %d rounds. Jobs: `vector.saxpy` on 8 floats through the whole gateway
        (decode, scheduler, durable leaf, result). Reference: a plain Californium echo resource in the
        gateway's process, same client and window, measured in the same rounds. Floor: a Californium echo
        that only makes each request durable before answering (appends the payload to a preallocated file,
        one `fdatasync` per group, then answers on Californium's threads), in the same data directory: no
        decoding, no job, no hashing: the least a server can do that answers only after a durable write.

        | target | requests/s | against the echo |
        |---|---|---|
        | Cairn `POST /jobs` | %.0f | %.2f |
        | Californium echo | %.0f | 1 |
        | durable echo (the floor) | %.0f | %.2f |

        Ratio %.2f (aim 0.8)%s. Cairn against the durable echo: %.2f.
        """, BenchReport.conditions(),
        oneClient ? "one process, warmed up, for all rounds" : "a new one for each run", window, requests, rounds,
        j, j / e, e, f, f / e, j / e, j / e >= 0.8 ? "" : ", below the aim", j / f));
    System.out.println("wrote " + file);
    return 0;
  }

  private void report(int r, Phase done, Phase echoed, Phase floor, double[] jobs, double[] echoes, double[] floors) {
    echoes[r] = echoed.rate();
    jobs[r] = done.rate();
    floors[r] = floor.rate();
    System.out.printf("round %d: jobs %,.0f/s, echo %,.0f/s, ratio %.2f; durable echo %,.0f/s, ratio %.2f%n",
        r + 1, jobs[r], echoes[r], jobs[r] / echoes[r], floors[r], floors[r] / echoes[r]);
    System.out.println("  jobs, this process (gateway): " + done.server());
    System.out.println("  echo, this process (echo server): " + echoed.server());
    System.out.println("  durable echo, this process: " + floor.server());
    if (oneClient) {
      System.out.println("  jobs, load process: " + done.client());
      System.out.println("  echo, load process: " + echoed.client());
      System.out.println("  durable echo, load process: " + floor.client());
    } else {
      // A load process per run: its figures cover its whole life, start-up included.
      System.out.printf(Locale.ROOT, "  load process, whole life: %s; echo %s; durable echo %s%n", done.client(), echoed.client(), floor.client());
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
    Syncs syncsBefore = null;
    try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        all.append(line).append('\n');
        if (line.startsWith("start target=")) {
          before = ThreadUse.now();
          syncsBefore = syncs();
          continue;
        }
        java.util.regex.Matcher m = result.matcher(line);
        if (m.find()) {
          String target = targets.get(Integer.parseInt(m.group(1)));
          if (Integer.parseInt(m.group(3)) > 0) {
            p.destroyForcibly();
            throw new IllegalStateException(target + ": " + m.group(3) + " requests failed:\n" + all);
          }
          String server = ThreadUse.now().perRequestSince(before, requests) + syncsSince(syncsBefore);
          String client = in.readLine();
          all.append(client).append('\n');
          phases.add(new Phase(Double.parseDouble(m.group(2)), server, client == null ? "?" : client.replaceFirst("^client: ", "")));
        }
      }
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    if (phases.size() != targets.size() * rounds) {
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
    Syncs syncsBefore = syncs();
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
    return new Phase(Double.parseDouble(m.group(1)), after.perRequestSince(before, count) + syncsSince(syncsBefore), client);
  }

  /**
   * {@code /durable}: the floor of a server that answers only after the request is durable
   * ({@link GroupSyncLog}); the answers go back on Californium's threads. At most 4096 wait; past that
   * the answer is 5.03.
   */
  static final class DurableEcho extends CoapResource implements AutoCloseable {
    private final GroupSyncLog log;

    DurableEcho(Path path) throws java.io.IOException {
      super("durable");
      log = new GroupSyncLog(path, 4096);
    }

    String perSyncSince(long[] before) {
      return log.perSyncSince(before);
    }

    long[] counts() {
      return log.counts();
    }

    @Override
    public void handlePOST(CoapExchange ex) {
      boolean queued = log.append(ex.getRequestPayload(), new GroupSyncLog.Waiter() {
        @Override
        public void durable() {
          // Answered on the exchange's Californium thread, so the next sync need not wait for the answers
          // (a little faster here than answering from the syncing thread).
          ex.advanced().execute(() -> ex.respond(ResponseCode.CONTENT, ex.getRequestPayload(), MediaTypeRegistry.APPLICATION_JSON));
        }

        @Override
        public void failed(java.io.IOException e) {
          ex.respond(ResponseCode.INTERNAL_SERVER_ERROR, "durable echo: " + e);
        }
      });
      if (!queued) {
        ex.respond(ResponseCode.SERVICE_UNAVAILABLE, "more than 4096 requests wait for the durable echo's sync");
      }
    }

    @Override
    public void close() throws Exception {
      log.close();
    }
  }
}
