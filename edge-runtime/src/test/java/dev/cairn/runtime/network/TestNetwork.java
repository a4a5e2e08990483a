package dev.cairn.runtime.network;

import com.hivemq.embedded.EmbeddedHiveMQ;
import dev.cairn.anchor.impl.GatewayKey;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.GatewayConfig;
import dev.cairn.runtime.fleet.EmbeddedBroker;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Gateways of a test network: each with its data directory (and so its key) made before any starts, so peers can pin it. */
final class TestNetwork {
  private TestNetwork() {}

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static EmbeddedHiveMQ broker(Path dir, int port) throws Exception {
    return EmbeddedBroker.start(dir, port);
  }

  /** Creates {@code id}'s key in {@code root/id} and returns its data directory. */
  static Path keyed(Path root, String id) {
    Path dir = root.resolve(id);
    GatewayKey.loadOrCreate(dir);
    return dir;
  }

  /** The public key file of gateway {@code id} (its {@code gateway.pub}). */
  static Path pub(Path root, String id) {
    return root.resolve(id).resolve(GatewayKey.PUB_FILE);
  }

  /** Starts gateway {@code id} on loopback, joined to {@code broker}, pinning {@code peers}. */
  static Gateway start(Path root, String id, String broker, List<String> peers, Map<String, String> labels, Clock clock,
      Consumer<GatewayConfig> more) throws Exception {
    return start(root, id, broker, peers, labels, clock, more, dev.cairn.kernels.KernelCatalog.builtIn());
  }

  /** The same, with the kernels of {@code kernels} installed. */
  static Gateway start(Path root, String id, String broker, List<String> peers, Map<String, String> labels, Clock clock,
      Consumer<GatewayConfig> more, dev.cairn.kernels.KernelCatalog kernels) throws Exception {
    GatewayConfig c = new GatewayConfig();
    c.setGatewayId(id);
    c.setDataDir(keyed(root, id).toString());
    c.mqtt().setHost("127.0.0.1");
    c.mqtt().setPort(0);
    c.admin().setPort(0);
    c.coap().setHost("127.0.0.1");
    c.coap().setPort(0);
    c.network().setBroker(broker);
    List<Map<String, String>> pins = new ArrayList<>();
    for (String p : peers) {
      keyed(root, p);
      pins.add(Map.of("id", p, "publicKeyFile", pub(root, p).toString()));
    }
    c.network().setPeers(pins);
    c.network().setLabels(labels);
    more.accept(c);
    return Gateway.start(c, clock, kernels).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
