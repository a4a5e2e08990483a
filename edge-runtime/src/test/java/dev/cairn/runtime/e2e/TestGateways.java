package dev.cairn.runtime.e2e;

import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** Starting and stopping whole gateways in tests, from a gateway.yaml, waiting at most 30 s. */
public final class TestGateways {
  private TestGateways() {}

  public static Gateway start(Path yaml) throws Exception {
    return Gateway.start(ConfigLoader.load(yaml), Clock.systemUTC()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public static void stop(Gateway gateway) throws Exception {
    gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
