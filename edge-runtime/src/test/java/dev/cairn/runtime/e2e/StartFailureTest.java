package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.ConfigLoader;
import dev.cairn.runtime.config.GatewayConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A port already taken fails the start at once with the reason, and the same data directory starts again after. */
class StartFailureTest {
  @TempDir Path dir;

  GatewayConfig config(int adminPort, int mqttPort) {
    return ConfigLoader.parse("t", """
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: %d}
        admin: {port: %d}
        coap: {host: 127.0.0.1, port: 0}
        """.formatted(dir.resolve("data"), mqttPort, adminPort));
  }

  @Test
  void takenAdminOrMqttPortFailsTheStartWithTheReason() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      for (GatewayConfig c : new GatewayConfig[] {config(taken.getLocalPort(), 0), config(0, taken.getLocalPort())}) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
            () -> Gateway.start(c, Clock.systemUTC()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("could not listen on 127.0.0.1:" + taken.getLocalPort()), e.getCause().getMessage());
      }
    }
    Gateway g = Gateway.start(config(0, 0), Clock.systemUTC()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(Gateway.State.RUNNING, g.state());
    TestGateways.stop(g);
  }
}
