package dev.cairn.runtime.bench;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;

/**
 * CoAP load: one Californium client sending {@code requests} CON POSTs of a small saxpy job to
 * {@code uri} with {@code window} in flight; job ids start at {@code first}. Prints
 * {@code requests=N seconds=S rate=R failed=F cpuMs=C jitMs=J} (the last two: this process's CPU and
 * JIT compile time over its whole life).
 */
public final class CoapLoad {
  private CoapLoad() {}

  static final String JOB = "{\"id\":\"%d\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},"
      + "\"inputs\":{\"x\":[1,2,3,4,5,6,7,8],\"y\":[8,7,6,5,4,3,2,1]}}";

  public static void main(String[] args) throws Exception {
    MqttLoad.Args a = MqttLoad.Args.parse(args);
    if (a.flag("targets")) {
      rounds(a);
      return;
    }
    String uri = a.string("uri", null);
    int requests = a.integer("requests", 20_000);
    int window = a.integer("window", 16);
    long first = a.integer("first", 0);
    // Californium's defaults, without the Californium3.properties file its standard configuration writes.
    CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(new Configuration()).build();
    CoapClient client = new CoapClient(uri);
    client.setEndpoint(endpoint);
    client.setTimeout(30_000L);
    long t0 = System.nanoTime();
    Run run = send(client, first, requests, window);
    CountDownLatch done = run.done();
    AtomicInteger failed = run.failed();
    boolean all = done.await(120, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    // This process's CPU and its compilers' time over its whole life, start-up included.
    long cpuMs = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1_000_000;
    long jitMs = java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    System.out.printf(Locale.ROOT, "requests=%d seconds=%.3f rate=%.1f failed=%d cpuMs=%d jitMs=%d%s%s%n", requests, seconds,
        requests / seconds, failed.get() + (all ? 0 : (int) done.getCount()), cpuMs, jitMs, all ? "" : " (unanswered after 120 s)",
        run.reasons());
    System.out.flush();
    System.exit(0);
  }

  /**
   * {@code --targets A,B --rounds R --requests N --warmup W --window K --first F}: one client for every
   * target and round, so no run pays for a fresh JVM's compilers. First W untimed requests to each
   * target, then in each round N timed requests to each target in the order given. Prints
   * {@code start target=T round=R} before each timed run; after it
   * {@code target=T round=R requests=N seconds=S rate=X failed=F} and then {@code client: } with this
   * process's CPU by stage during the run ({@link ThreadUse}). Job ids count up from F across all runs.
   */
  private static void rounds(MqttLoad.Args a) throws Exception {
    String[] targets = a.string("targets", "").split(",");
    int rounds = a.integer("rounds", 3);
    int requests = a.integer("requests", 20_000);
    int warmup = a.integer("warmup", 2_000);
    int window = a.integer("window", 16);
    long next = a.integer("first", 0);
    for (int t = 0; t < targets.length && warmup > 0; t++) {
      CoapClient warm = client(targets[t]);
      Run w = send(warm, next, warmup, window);
      next += warmup;
      boolean answered = w.done().await(120, TimeUnit.SECONDS);
      warm.getEndpoint().destroy();
      if (!answered || w.failed().get() > 0) {
        System.out.printf(Locale.ROOT, "target=%d round=0 requests=%d seconds=0 rate=0 failed=%d (warm-up)%s%n", t, warmup,
            Math.max(1, w.failed().get() + (int) w.done().getCount()), w.reasons());
        System.out.flush();
        System.exit(0);
      }
    }
    for (int r = 1; r <= rounds; r++) {
      for (int t = 0; t < targets.length; t++) {
        System.out.printf(Locale.ROOT, "start target=%d round=%d%n", t, r);
        System.out.flush();
        ThreadUse before = ThreadUse.now();
        long t0 = System.nanoTime();
        CoapClient client = client(targets[t]);
        Run run = send(client, next, requests, window);
        next += requests;
        boolean all = run.done().await(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "target=%d round=%d requests=%d seconds=%.3f rate=%.1f failed=%d%s%n", t, r, requests,
            seconds, requests / seconds, run.failed().get() + (all ? 0 : (int) run.done().getCount()), run.reasons());
        System.out.println("client: " + ThreadUse.now().perRequestSince(before, requests));
        System.out.flush();
        // After the figures: the CPU of threads that have ended is not counted.
        client.getEndpoint().destroy();
      }
    }
    System.exit(0);
  }

  /**
   * A client on an endpoint of its own, as a new process would have: one endpoint would run out of
   * message ids towards a peer after 65,536 requests within the exchange lifetime.
   */
  private static CoapClient client(String uri) {
    CoapClient client = new CoapClient(uri);
    client.setEndpoint(new CoapEndpoint.Builder().setConfiguration(new Configuration()).build());
    client.setTimeout(30_000L);
    return client;
  }

  /** A run: its end, how many failed, and how. */
  private record Run(CountDownLatch done, AtomicInteger failed, Failures why) {
    String reasons() {
      return why.toString();
    }
  }

  /** Failures by kind (a response code, or no answer), each with a count and the first diagnostic seen. */
  private static final class Failures {
    private final java.util.Map<String, int[]> counts = new java.util.LinkedHashMap<>();
    private final java.util.Map<String, String> first = new java.util.HashMap<>();

    synchronized void add(String kind, String detail) {
      counts.computeIfAbsent(kind, k -> new int[1])[0]++;
      if (detail != null && !detail.isEmpty()) {
        first.putIfAbsent(kind, detail.substring(0, Math.min(160, detail.length())));
      }
    }

    /** " (4.09 x3: first diagnostic; no answer x1)" when some failed; "" otherwise. */
    @Override
    public synchronized String toString() {
      if (counts.isEmpty()) {
        return "";
      }
      return counts.entrySet().stream()
          .map(e -> e.getKey() + " x" + e.getValue()[0] + (first.containsKey(e.getKey()) ? ": " + first.get(e.getKey()) : ""))
          .collect(java.util.stream.Collectors.joining("; ", " (", ")"));
    }
  }

  /** Sends {@code count} jobs with ids from {@code first}, {@code window} in flight; returns once the last is sent. */
  private static Run send(CoapClient client, long first, int count, int window) throws InterruptedException {
    Semaphore inFlight = new Semaphore(window);
    CountDownLatch done = new CountDownLatch(count);
    AtomicInteger failed = new AtomicInteger();
    Failures why = new Failures();
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      client.post(new CoapHandler() {
        @Override
        public void onLoad(CoapResponse response) {
          if (response.getCode() != ResponseCode.CONTENT) {
            failed.incrementAndGet();
            why.add(response.getCode().toString(), response.getResponseText());
          }
          inFlight.release();
          done.countDown();
        }

        @Override
        public void onError() {
          failed.incrementAndGet();
          why.add("no answer", "timed out, reset, or this client ran out of message ids (more than about 60,000 requests in 247 s from one endpoint)");
          inFlight.release();
          done.countDown();
        }
      }, String.format(JOB, first + i).getBytes(StandardCharsets.UTF_8), MediaTypeRegistry.APPLICATION_JSON);
    }
    return new Run(done, failed, why);
  }
}
