package dev.cairn.runtime.cli;

import dev.cairn.anchor.impl.GatewayKey;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.GatewayConfig;
import dev.cairn.runtime.config.NetworkSettings;
import dev.cairn.runtime.network.PeerTable;
import dev.cairn.runtime.demo.NoDelaySocketFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn bench network}: three gateways in this process joined through a broker (Debian's Mosquitto
 * started on a free port, or {@code --broker}), one Paho MQTT 5 device on gw-1. Latency of a job run on gw-1
 * against the same job run on gw-2 by a placement hint (window 1), and jobs per second of gw-1 alone against
 * the same jobs spread over the three gateways by placement (a window of jobs in flight), and the same job
 * with {@code "replicas": 3} against one run once, then the time from a peer's death (SIGKILL) to its jobs
 * running elsewhere ({@link PeerDeath}). Same run, same device, same job (vector.saxpy on 256 floats).
 */
@Command(name = "network", mixinStandardHelpOptions = true,
    description = "Offloaded against local jobs (latency) and three gateways against one (jobs/s) through an MQTT broker, same run.")
final class NetworkBench implements Callable<Integer> {
  @Option(names = "--broker", paramLabel = "URL", description = "the broker (default: start mosquitto from PATH on a free loopback port)")
  String broker;

  @Option(names = "--jobs", defaultValue = "3000", description = "jobs per throughput run (default ${DEFAULT-VALUE})")
  int jobs;

  @Option(names = "--latency-jobs", defaultValue = "600", description = "jobs per latency run (default ${DEFAULT-VALUE})")
  int latencyJobs;

  @Option(names = "--window", defaultValue = "32", description = "jobs in flight in the throughput runs (default ${DEFAULT-VALUE})")
  int window;

  @Option(names = "--docs", description = "write the section 'network' of DIR/BENCHMARKS.md")
  Path docs;

  /** A job's fields after its id, without the closing brace: vector.saxpy on 256 floats, as {@code cairn bench mqtt} sends. */
  static final String SAXPY = dev.cairn.runtime.bench.MqttLoad.SAXPY.substring(0, dev.cairn.runtime.bench.MqttLoad.SAXPY.length() - 1);

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("cairn-bench-network");
    Process mosquitto = null;
    String url = broker;
    if (url == null) {
      int port = freePort();
      Files.writeString(dir.resolve("mosquitto.conf"), "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
          + "max_inflight_messages 0\nset_tcp_nodelay true\n");
      mosquitto = new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
      url = "tcp://127.0.0.1:" + port;
    }
    List<String> ids = List.of("gw-1", "gw-2", "gw-3");
    // gw-4 is pinned from the start; it runs, as its own process, only for the peer's death at the end
    List<String> pinned = List.of("gw-1", "gw-2", "gw-3", PeerDeath.VICTIM);
    pinned.forEach(id -> GatewayKey.loadOrCreate(dir.resolve(id)));
    List<Gateway> gateways = new ArrayList<>();
    Process victim = null;
    try {
      for (String id : ids) {
        gateways.add(start(dir, id, url, pinned));
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (gateways.stream().anyMatch(g -> g.network().peers().peers().stream()
          .anyMatch(p -> ids.contains(p.id()) && p.state() != dev.cairn.runtime.network.PeerTable.State.UP))) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException("the gateways did not see each other up within 60 s through " + url);
        }
        Thread.sleep(100); // a command waiting for start-up, not a test
      }
      try (Device dev = new Device(gateways.get(0).mqttPort())) {
        run(dev, 200, 8, List.of(HERE, on("gw-2"), on("gw-3"), REPLICAS)); // warm-up
        Histogram local = new Histogram(3);
        Histogram offloaded = new Histogram(3);
        Histogram replicated = new Histogram(3);
        for (int block = 0; block < 6; block++) { // interleaved, so drift hits all alike
          local.add(run(dev, latencyJobs / 6, 1, List.of(HERE)).latency);
          offloaded.add(run(dev, latencyJobs / 6, 1, List.of(on("gw-2"))).latency);
          replicated.add(run(dev, latencyJobs / 6, 1, List.of(REPLICAS)).latency);
        }
        double loadBefore = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Result one = run(dev, jobs, window, List.of(HERE));
        Result three = run(dev, jobs, window, List.of(HERE, on("gw-2"), on("gw-3")));
        Result k3 = run(dev, jobs, window, List.of(REPLICAS));
        Result oneAgain = run(dev, jobs, window, List.of(HERE));
        double oneRate = (one.rate + oneAgain.rate) / 2;
        String md = """
            ## cairn bench network

            %d cores, Java %s; broker %s; three gateways in one process, one Paho MQTT 5 device on gw-1 (QoS 1),
            vector.saxpy on 256 floats; gateways publish to each other at QoS 1.

            | | p50 | p99 | jobs/s |
            |---|---|---|---|
            | run on gw-1 (window 1) | %.0f µs | %.0f µs | |
            | run on gw-2 by placement (window 1) | %.0f µs | %.0f µs | |
            | replicas 3, quorum 2 (window 1) | %.0f µs | %.0f µs | |
            | gw-1 alone (window %d) | | | %,.0f |
            | spread over gw-1, gw-2, gw-3 by placement (window %d) | | | %,.0f |
            | replicas 3, quorum 2 (window %d) | | | %,.0f |

            Added latency of an offloaded job: %.0f µs at p50 (ratio %.2f). Three gateways against one: %.2f.
            k=3 replication against k=1: latency ratio %.2f at p50, jobs/s ratio %.2f.
            Errors: %d. Load average %.1f before the throughput runs, %.1f after. On this machine all three
            gateways, the broker and the device share the same cores, so spreading cannot add compute: the broker
            hop, four Ed25519 operations and two more Paho clients per offloaded job are what the ratio shows.
            """.formatted(Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            broker == null ? "Mosquitto (mosquitto on PATH, max_inflight_messages 0, set_tcp_nodelay true)" : url,
            q(local, 50), q(local, 99), q(offloaded, 50), q(offloaded, 99), q(replicated, 50), q(replicated, 99),
            window, oneRate, window, three.rate, window, k3.rate,
            q(offloaded, 50) - q(local, 50), q(offloaded, 50) / q(local, 50), three.rate / oneRate,
            q(replicated, 50) / q(local, 50), k3.rate / oneRate,
            one.errors + three.errors + k3.errors + oneAgain.errors + dev.errors.get(), loadBefore,
            java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.print(md);
        System.out.println("bench network: a peer's death (about " + (NetworkSettings.DEFAULT_UNKNOWN_AFTER_MS
            + NetworkSettings.DEFAULT_OFFLOAD_TIMEOUT_MS) / 1000 + " s more)");
        victim = PeerDeath.start(dir, url, pinned);
        Gateway gw1 = gateways.get(0);
        long seen = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (gw1.network().peers().peer(PeerDeath.VICTIM) == null
            || gw1.network().peers().peer(PeerDeath.VICTIM).state() != PeerTable.State.UP) {
          if (System.nanoTime() > seen) {
            throw new IllegalStateException("gw-1 did not see " + PeerDeath.VICTIM + " up within 60 s");
          }
          Thread.sleep(100); // a command waiting for start-up, not a test
        }
        String death = PeerDeath.measure(dev, victim, 8).markdown();
        System.out.print(death);
        md = md + "\n" + death;
        if (docs != null) {
          System.out.println("wrote " + BenchReport.writeSection(docs, "network", md));
        }
      }
      return 0;
    } finally {
      if (victim != null) {
        victim.destroyForcibly();
      }
      for (Gateway g : gateways) {
        g.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      if (mosquitto != null) {
        mosquitto.destroy();
        mosquitto.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static double q(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static Gateway start(Path dir, String id, String url, List<String> ids) throws Exception {
    GatewayConfig c = dev.cairn.runtime.demo.NetworkDemo.loopbackPeer(dir, id, url, ids);
    if (id.equals("gw-3")) {
      c.network().setLabels(Map.of("zone", "b")); // shared with the peer that dies
    }
    c.limits().setMaxInFlightPerDevice(4096);
    c.network().offload().setMaxInFlight(4096);
    return Gateway.start(c, Clock.systemUTC()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  record Result(double rate, Histogram latency, long errors) {}

  static final String HERE = "";
  static final String REPLICAS = ",\"replicas\":3";

  static String on(String gateway) {
    return ",\"placement\":{\"gateway\":\"" + gateway + "\"}";
  }

  /** Sends {@code n} jobs, {@code window} in flight, with each of {@code placements} (fields added to the job) in turn; latencies in ns. */
  private static Result run(Device dev, int n, int window, List<String> placements) throws Exception {
    Histogram h = new Histogram(3);
    Semaphore room = new Semaphore(window);
    AtomicLong errors = new AtomicLong();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      room.acquire();
      String id = "j" + dev.next.incrementAndGet();
      String placement = placements.get(i % placements.size());
      long start = System.nanoTime();
      dev.waiting.put(id, r -> {
        h.recordValue(System.nanoTime() - start);
        if (!r.contains("\"status\":\"ok\"")) {
          errors.incrementAndGet();
        }
        room.release();
      });
      dev.client.publish("cairn/bench/jobs", new MqttMessage(("{\"id\":\"" + id + SAXPY + placement + "}")
          .getBytes(StandardCharsets.UTF_8), 1, false, null));
    }
    if (!room.tryAcquire(window, 120, TimeUnit.SECONDS)) {
      throw new IllegalStateException((window - room.availablePermits()) + " results did not come back within 120 s");
    }
    return new Result(n / ((System.nanoTime() - t0) / 1e9), h, errors.get());
  }

  /** The bench's device: one Paho MQTT 5 client on gw-1, results matched to jobs by id. */
  static final class Device implements AutoCloseable {
    final MqttAsyncClient client;
    /** What to do with the result of each job in flight, by job id: given the result's JSON. */
    final Map<String, java.util.function.Consumer<String>> waiting = new ConcurrentHashMap<>();
    final AtomicLong next = new AtomicLong();
    final AtomicLong errors = new AtomicLong();

    Device(int port) throws Exception {
      client = new MqttAsyncClient("tcp://127.0.0.1:" + port, "bench-" + System.nanoTime(), new MemoryPersistence());
      MqttConnectionOptions o = new MqttConnectionOptions();
      o.setUserName("bench");
      o.setSocketFactory(new NoDelaySocketFactory());
      client.connect(o).waitForCompletion(10_000);
      client.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
        @Override
        public void messageArrived(String topic, MqttMessage m) {
          String s = new String(m.getPayload(), StandardCharsets.UTF_8);
          int a = s.indexOf("\"id\":\"") + 6;
          java.util.function.Consumer<String> done = waiting.remove(s.substring(a, s.indexOf('"', a)));
          if (done == null) {
            errors.incrementAndGet(); // a second result, or one for no job sent
          } else {
            done.accept(s);
          }
        }

        @Override
        public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {}

        @Override
        public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {}

        @Override
        public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) {}

        @Override
        public void connectComplete(boolean reconnect, String uri) {}

        @Override
        public void authPacketArrived(int code, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {}
      });
      // The MqttSubscription[] form: Paho 1.2.5's single-subscription-with-listener form fails on an empty list.
      client.subscribe(new MqttSubscription[] {new MqttSubscription("cairn/bench/results", 1)}).waitForCompletion(10_000);
    }

    @Override
    public void close() throws Exception {
      client.disconnect().waitForCompletion(5000);
      client.close();
    }
  }
}
