package dev.cairn.runtime.cli;

import dev.cairn.anchor.AnchorStats;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.GatewayConfig;
import dev.cairn.runtime.demo.DemoDevices;
import java.io.PrintStream;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn demo}: a gateway plus simulated devices, then a summary. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Start a gateway on embedded defaults, let simulated MQTT devices send jobs of every kernel, print a summary.")
final class DemoCommand implements Callable<Integer> {
  @Mixin GatewayOptions options;

  @Option(names = "--devices", defaultValue = "4", description = "simulated devices (default ${DEFAULT-VALUE})")
  int devices;

  @Option(names = "--jobs", defaultValue = "400", description = "jobs in all (default ${DEFAULT-VALUE})")
  int jobs;

  @Option(names = "--window", defaultValue = "16", description = "jobs in flight per device (default ${DEFAULT-VALUE})")
  int window;

  @Option(names = "--kernels", split = ",", paramLabel = "NAME",
      description = "kernels the devices use in turn (default: all of vector.saxpy, vector.stats, matrix.dense, signal.fir)")
  java.util.List<String> kernels = dev.cairn.runtime.demo.DemoDevices.DEMO_KERNELS;

  @Option(names = "--target", paramLabel = "URI",
      description = "drive an already running gateway at this MQTT URI (e.g. tcp://127.0.0.1:1883) instead of starting one")
  String target;

  @Option(names = "--timeout", defaultValue = "120", description = "seconds to wait for all results (default ${DEFAULT-VALUE})")
  long timeoutSeconds;

  @Option(names = "--network", paramLabel = "N",
      description = "instead: N gateways (3 to 5) joined through a broker, one of which lies; shows offload and the liar caught by a quorum")
  Integer network;

  @Option(names = "--network-broker", paramLabel = "URL", description = "with --network: the broker (default: mosquitto from PATH on a free port)")
  String networkBroker;

  @Override
  public Integer call() throws Exception {
    if (devices < 1 || jobs < 1 || window < 1 || timeoutSeconds < 1) {
      throw new IllegalArgumentException("--devices, --jobs, --window and --timeout must each be at least 1");
    }
    PrintStream out = System.out;
    if (network != null) {
      java.nio.file.Path dir = options.dataDir != null ? options.dataDir : java.nio.file.Files.createTempDirectory("cairn-demo-network");
      return new dev.cairn.runtime.demo.NetworkDemo(network, networkBroker, dir, out).run();
    }
    if (target != null) {
      out.printf("demo: %d devices send %d jobs (window %d) to %s%n", devices, jobs, window, target);
      DemoDevices.Summary s = new DemoDevices(target, options.resolve().mqttOptions().topicPrefix(), devices, jobs, window,
          kernels, out).run(timeoutSeconds);
      return summarize(out, s, null, null);
    }
    GatewayConfig config = options.resolve();
    if (config.mqtt().maxConnectionsPerAddress() < devices) {
      // Every simulated device connects from this machine: one address.
      out.printf("demo: mqtt.maxConnectionsPerAddress raised from %d to %d for the %d devices on this machine%n",
          config.mqtt().maxConnectionsPerAddress(), devices, devices);
      config.mqtt().setMaxConnectionsPerAddress(devices);
    }
    Gateway gateway = Gateway.start(config, Clock.systemUTC()).toCompletionStage().toCompletableFuture().get();
    DemoDevices.Summary s;
    try {
      out.printf("demo: gateway %s on mqtt port %d; %d devices send %d jobs (window %d)%n",
          config.gatewayId(), gateway.mqttPort(), devices, jobs, window);
      String uri = "tcp://127.0.0.1:" + gateway.mqttPort();
      s = new DemoDevices(uri, config.mqttOptions().topicPrefix(), devices, jobs, window, kernels, out).run(timeoutSeconds);
    } finally {
      gateway.stop().toCompletionStage().toCompletableFuture().get(RunCommand.STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
    return summarize(out, s, gateway.anchor().stats(), config);
  }

  private int summarize(PrintStream out, DemoDevices.Summary s, AnchorStats a, GatewayConfig config) {
    out.println();
    out.println("Cairn demo summary");
    out.printf("  jobs ok:          %d of %d%n", s.ok(), s.sent());
    out.printf("  jobs failed:      %d%n", s.failed());
    if (s.lost() > 0) {
      out.printf("  jobs unanswered:  %d (after %d s)%n", s.lost(), timeoutSeconds);
    }
    s.errors().forEach((e, n) -> out.printf("    %dx %s%n", n, e));
    out.printf("  throughput:       %.0f jobs/s%n", s.jobsPerSecond());
    out.printf("  latency p50:      %.2f ms%n", s.latencyMicros().getValueAtPercentile(50) / 1000.0);
    out.printf("  latency p99:      %.2f ms%n", s.latencyMicros().getValueAtPercentile(99) / 1000.0);
    if (a != null) {
      out.printf("  leaves journaled: %d%n", a.leaves());
      out.printf("  batches sealed:   %d%n", a.batchesSealed());
      out.printf("  last checkpoint:  root %s (%d leaves)%n", a.lastRootHex(), a.lastTreeSize());
      out.printf("  data directory:   %s%n", config.dataDir().toAbsolutePath().normalize());
    }
    return s.failed() == 0 && s.lost() == 0 && s.ok() == s.sent() ? 0 : 1;
  }
}
