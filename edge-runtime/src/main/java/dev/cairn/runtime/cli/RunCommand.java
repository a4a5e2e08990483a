package dev.cairn.runtime.cli;

import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.GatewayConfig;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cairn run}: a gateway until SIGTERM or Ctrl-C. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a gateway until stopped (SIGTERM/Ctrl-C stops it cleanly).")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
  /** Longest a clean stop may take before the process exits anyway. */
  static final long STOP_TIMEOUT_SECONDS = 60;

  @Mixin GatewayOptions options;

  @Override
  public Integer call() throws Exception {
    GatewayConfig config = options.resolve();
    Gateway gateway = Gateway.start(config, Clock.systemUTC()).toCompletionStage().toCompletableFuture().get();
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      try {
        gateway.stop().toCompletionStage().toCompletableFuture().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.error("{} did not stop cleanly", config.gatewayId(), e);
      } finally {
        done.countDown();
      }
    }, "cairn-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    done.await();
    return 0;
  }
}
