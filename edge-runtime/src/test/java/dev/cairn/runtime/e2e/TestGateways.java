package dev.cairn.runtime.e2e;

import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** Starting and stopping whole gateways in tests, from a gateway.yaml, waiting at most 30 s. */
public final class TestGateways {
  private TestGateways() {}

  /** The start of a gateway.yaml for tests: data in {@code dataDir}, every endpoint on a free loopback port. */
  public static String loopbackYaml(Path dataDir) {
    return """
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: 0}
        admin: {port: 0}
        coap: {host: 127.0.0.1, port: 0}
        """.formatted(dataDir);
  }

  public static Gateway start(Path yaml) throws Exception {
    return Gateway.start(ConfigLoader.load(yaml), Clock.systemUTC()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /**
   * A gateway on loopback with every port chosen free (MQTT, admin, CoAP) and its journal in {@code dataDir},
   * after {@code settings} changed what a test needs.
   */
  public static Gateway startLocal(Path dataDir, java.util.function.Consumer<dev.cairn.runtime.config.GatewayConfig> settings)
      throws Exception {
    return startLocal(dataDir, Clock.systemUTC(), settings);
  }

  /** The same, on {@code clock} (a test's clock that it moves). */
  public static Gateway startLocal(Path dataDir, Clock clock,
      java.util.function.Consumer<dev.cairn.runtime.config.GatewayConfig> settings) throws Exception {
    dev.cairn.runtime.config.GatewayConfig config = new dev.cairn.runtime.config.GatewayConfig();
    config.setDataDir(dataDir.toString());
    config.mqtt().setHost("127.0.0.1");
    config.mqtt().setPort(0);
    config.admin().setPort(0);
    config.coap().setHost("127.0.0.1");
    config.coap().setPort(0);
    settings.accept(config);
    return Gateway.start(config, clock).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public static void stop(Gateway gateway) throws Exception {
    gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
