package dev.cairn.runtime.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.anchor.impl.GatewayKey;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.GatewayConfig;
import dev.cairn.runtime.network.PeerTable;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;

/**
 * {@code cairn demo --network N}: N gateways in this process joined through a broker (Mosquitto from PATH on a
 * free loopback port, or one given), each pinning the others. gw-1 lacks matrix.dense; the last gateway lies
 * (its vector.saxpy adds 1 to the first output). One device on gw-1 sends a local job, a job placed on gw-2, a
 * job of a kernel only peers have, and a job with replicas: the liar is caught by the quorum and quarantined.
 */
public final class NetworkDemo {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SAXPY = "\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}";
  static final String DENSE = "\"kernel\":\"matrix.dense\",\"params\":{\"activation\":\"relu\"},"
      + "\"inputs\":{\"W\":[1,0,0,1,-1,-1],\"x\":[2,3],\"b\":[0,0,0]}";

  private final int gateways;
  private final String broker;
  private final Path dir;
  private final PrintStream out;

  /**
   * @param broker the broker URL, or null to start {@code mosquitto} from PATH
   * @param dir where the gateways keep their journals and keys
   */
  public NetworkDemo(int gateways, String broker, Path dir, PrintStream out) {
    if (gateways < 3 || gateways > 5) {
      throw new IllegalArgumentException("--network takes 3 to 5 gateways (one of them lies; a quorum needs two honest ones), was " + gateways);
    }
    this.gateways = gateways;
    this.broker = broker;
    this.dir = dir;
    this.out = out;
  }

  /** Runs the demo; 0 when every step went as it should. */
  public int run() throws Exception {
    Process mosquitto = null;
    String url = broker;
    if (url == null) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("mosquitto.conf"), "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
          + "set_tcp_nodelay true\n");
      try {
        mosquitto = new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString()).redirectErrorStream(true)
            .redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
      } catch (java.io.IOException e) {
        throw new IllegalStateException("demo --network needs a broker: install Debian's mosquitto, or give --network-broker tcp://host:1883");
      }
      url = "tcp://127.0.0.1:" + port;
    }
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= gateways; i++) {
      ids.add("gw-" + i);
    }
    ids.forEach(id -> GatewayKey.loadOrCreate(dir.resolve(id)));
    List<Gateway> started = new ArrayList<>();
    List<Boolean> steps = new ArrayList<>();
    try {
      for (String id : ids) {
        started.add(start(id, url, ids, id.equals(ids.get(ids.size() - 1)) ? new LyingKernels() : KernelCatalog.builtIn()));
      }
      Gateway gw1 = started.get(0);
      out.printf("demo: %d gateways through %s (%s lies about vector.saxpy); waiting for their announcements%n", gateways, url,
          ids.get(ids.size() - 1));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (gw1.network().peers().peers().stream().anyMatch(p -> p.state() != PeerTable.State.UP)) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException("gw-1 did not see its peers up within 60 s through " + url);
        }
        Thread.sleep(100); // a command waiting for start-up
      }
      try (Device dev = new Device(gw1.mqttPort())) {
        String liarId = ids.get(ids.size() - 1);
        JsonNode local = dev.job("{\"id\":\"d1\"," + SAXPY + "}");
        steps.add(step("a job run where it was sent", local, by(local).equals(List.of("gw-1"))));
        JsonNode placed = dev.job("{\"id\":\"d2\"," + SAXPY + ",\"placement\":{\"gateway\":\"gw-2\"}}");
        steps.add(step("a job placed on gw-2", placed, by(placed).equals(List.of("gw-2"))));
        JsonNode dense = dev.job("{\"id\":\"d3\"," + DENSE + "}");
        steps.add(step("a kernel gw-1 does not have", dense, by(dense).size() == 1 && !by(dense).contains("gw-1")));
        JsonNode replicated = dev.job("{\"id\":\"d4\"," + SAXPY + ",\"replicas\":" + gateways + ",\"quorum\":2}");
        steps.add(step("replicas " + gateways + ", quorum 2", replicated, by(replicated).size() >= 2 && !by(replicated).contains(liarId)
            && replicated.path("outputs").path("y").toString().equals(local.path("outputs").path("y").toString())));
      }
      String liar = ids.get(ids.size() - 1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (gw1.network().peers().peer(liar).state() != PeerTable.State.QUARANTINED && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      out.println();
      out.println("Cairn network demo summary");
      for (PeerTable.Peer p : gw1.network().peers().peers()) {
        out.print(String.format("  gw-1 sees %-6s %-11s load %.2f  latency %s  score %.2f%s%n", p.id(), p.state().label(), p.load(),
            p.latencyMs() < 0 ? "-" : String.format("%.1f ms", p.latencyMs()), p.score(),
            p.quarantineReason() == null ? "" : "  (" + p.quarantineReason() + ")"));
      }
      boolean caught = gw1.network().peers().peer(liar).state() == PeerTable.State.QUARANTINED;
      out.print(String.format("  liar %s caught:   %s; evidence records: %d (GET /v1/evidence, cairn verify)%n", liar,
          caught ? "yes" : "NO", gw1.network().evidence().size()));
      steps.add(caught);
      return steps.stream().allMatch(b -> b) ? 0 : 1;
    } finally {
      for (Gateway g : started) {
        g.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      if (mosquitto != null) {
        mosquitto.destroy();
        mosquitto.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> by(JsonNode result) {
    List<String> out = new ArrayList<>();
    result.path("executedBy").forEach(n -> out.add(n.asText()));
    return out;
  }

  private boolean step(String what, JsonNode result, boolean expected) {
    boolean ok = "ok".equals(result.path("status").asText()) && expected;
    // one write: a gateway's log line (the quarantine warning) must not land inside the step's line
    out.print(String.format("  %-28s %s  executedBy %s  outputs %s%n", what + ":", ok ? "ok " : "FAIL", result.path("executedBy"),
        result.has("outputs") ? result.path("outputs").toString() : result.path("message").asText()));
    return ok;
  }

  private Gateway start(String id, String url, List<String> ids, KernelCatalog kernels) throws Exception {
    GatewayConfig c = loopbackPeer(dir, id, url, ids);
    if (id.equals("gw-1")) {
      c.setKernels(kernels.all().stream().map(k -> k.spec().name()).filter(n -> !n.equals("matrix.dense")).toList());
    }
    return Gateway.start(c, Clock.systemUTC(), kernels).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /**
   * Settings of gateway {@code id} on loopback (every port free), data in {@code dir/id}, joined to {@code url} and
   * pinning the others of {@code ids} by their {@code dir/{peer}/gateway.pub}: the demo's and the network bench's.
   */
  public static GatewayConfig loopbackPeer(Path dir, String id, String url, List<String> ids) {
    GatewayConfig c = new GatewayConfig();
    c.setGatewayId(id);
    c.setDataDir(dir.resolve(id).toString());
    c.mqtt().setHost("127.0.0.1");
    c.mqtt().setPort(0);
    c.admin().setPort(0);
    c.coap().setHost("127.0.0.1");
    c.coap().setPort(0);
    c.network().setBroker(url);
    List<Map<String, String>> peers = new ArrayList<>();
    for (String p : ids) {
      if (!p.equals(id)) {
        peers.add(Map.of("id", p, "publicKeyFile", dir.resolve(p).resolve(GatewayKey.PUB_FILE).toString()));
      }
    }
    c.network().setPeers(peers);
    return c;
  }

  /** The demo's device on gw-1: one Paho MQTT 5 client, one job at a time. */
  private static final class Device implements AutoCloseable {
    final MqttClient client;
    final BlockingQueue<MqttMessage> results = new LinkedBlockingQueue<>();

    Device(int port) throws Exception {
      client = new MqttClient("tcp://127.0.0.1:" + port, "demo-" + System.nanoTime(), new MemoryPersistence());
      MqttConnectionOptions o = new MqttConnectionOptions();
      o.setUserName("demo");
      o.setSocketFactory(new NoDelaySocketFactory());
      client.connect(o);
      client.subscribe(new MqttSubscription[] {new MqttSubscription("cairn/demo/results", 1)},
          new IMqttMessageListener[] {(t, m) -> results.add(m)});
    }

    JsonNode job(String json) throws Exception {
      client.publish("cairn/demo/jobs", new MqttMessage(json.getBytes(StandardCharsets.UTF_8), 1, false, null));
      MqttMessage m = results.poll(30, TimeUnit.SECONDS);
      if (m == null) {
        throw new IllegalStateException("no result within 30 s for " + json);
      }
      return JSON.readTree(m.getPayload());
    }

    @Override
    public void close() throws Exception {
      client.disconnect();
      client.close();
    }
  }
}
