package dev.cairn.runtime.cli;

import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.GatewayConfig;
import dev.cairn.runtime.fleet.FleetAgent;
import dev.cairn.runtime.fleet.OperatorKey;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn run}: a gateway until SIGTERM or Ctrl-C. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a gateway until stopped (SIGTERM/Ctrl-C stops it cleanly).")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
  /** Longest a clean stop may take before the process exits anyway. */
  static final long STOP_TIMEOUT_SECONDS = 60;

  @Mixin GatewayOptions options;

  @Option(names = "--fleet-broker", paramLabel = "URL",
      description = "fleet mode: take settings from this MQTT broker (e.g. tcp://broker:1883); needs --gateway-id and --operator-key")
  String fleetBroker;

  @Option(names = "--operator-key", paramLabel = "PUBKEY", description = "fleet mode: the operator's Ed25519 public key (PEM)")
  Path operatorKey;

  @Override
  public Integer call() throws Exception {
    GatewayConfig config = options.resolve();
    FleetAgent fleet = null;
    Gateway started;
    if (fleetBroker != null || operatorKey != null) {
      if (fleetBroker == null || operatorKey == null || options.gatewayId == null) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
            "fleet mode needs all of --fleet-broker URL, --gateway-id ID and --operator-key PUBKEY");
      }
      fleet = new FleetAgent(fleetBroker, options.gatewayId, OperatorKey.readPublic(operatorKey), config,
          c -> options.applyMachineSettings(c), Clock.systemUTC());
      started = fleet.start();
    } else {
      started = Gateway.start(config, Clock.systemUTC()).toCompletionStage().toCompletableFuture().get();
    }
    Gateway gateway = started;
    FleetAgent agent = fleet;
    // Starting leaves tens of MB of garbage that a quiet gateway would keep resident for a long time:
    // collect it once, so the JVM returns the freed heap to the system (G1 uncommits after a full GC).
    Thread trim = new Thread(System::gc, "cairn-trim");
    trim.setDaemon(true);
    trim.setPriority(Thread.MIN_PRIORITY);
    trim.start();
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      try {
        if (agent != null) {
          agent.close();
        } else {
          gateway.stop().toCompletionStage().toCompletableFuture().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
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
