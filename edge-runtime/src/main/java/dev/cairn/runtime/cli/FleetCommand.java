package dev.cairn.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.runtime.config.ConfigException;
import dev.cairn.runtime.fleet.FleetManifest;
import dev.cairn.runtime.fleet.FleetManifestException;
import dev.cairn.runtime.fleet.FleetSigning;
import dev.cairn.runtime.fleet.OperatorKey;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn fleet}: check, sign and publish fleet manifests. */
@Command(name = "fleet", mixinStandardHelpOptions = true, description = "Fleet manifests: validate, keygen, sign, apply; endorse a gateway's key.",
    subcommands = {FleetCommand.Validate.class, FleetCommand.Keygen.class, FleetCommand.Sign.class, FleetCommand.Apply.class,
        FleetCommand.Endorse.class})
final class FleetCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** Loads a manifest, printing every error (file:line:column: ...) and exiting 2 when it has any. */
  static FleetManifest load(Path file) {
    try {
      return FleetManifest.load(file);
    } catch (FleetManifestException e) {
      e.errors().forEach(System.err::println);
      throw new ConfigException(e.errors().size() + (e.errors().size() == 1 ? " error" : " errors") + " in " + file);
    }
  }

  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = "Check a fleet manifest: prints every error with file, line and setting; exit 0 when it is valid.")
  static final class Validate implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the manifest (apiVersion: cairn.dev/v1, kind: Fleet)")
    Path file;

    @Option(names = "--print", description = "also print each gateway's resolved settings and their SHA-256 (what its status reports)")
    boolean print;

    @Override
    public Integer call() {
      FleetManifest m = load(file);
      System.out.printf("%s: fleet %s version %d, %d gateways: valid%n", file, m.name(), m.version(), m.gatewayIds().size());
      if (print) {
        for (String id : m.gatewayIds()) {
          // The hash a gateway running these settings reports as configSha256 in its status.
          System.out.println(id + " (settings " + m.settingsSha256(id) + "): " + m.resolve(id).toPrettyString());
        }
      }
      return 0;
    }
  }

  @Command(name = "keygen", mixinStandardHelpOptions = true,
      description = "Make an operator key pair: KEY (PEM PKCS#8, owner-only) and KEY.pub (PEM); openssl reads both.")
  static final class Keygen implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "KEY", description = "private key file; the public key goes to KEY.pub")
    Path key;

    @Override
    public Integer call() throws Exception {
      Path pub = key.resolveSibling(key.getFileName() + ".pub");
      OperatorKey.generate(key, pub);
      System.out.println("wrote " + key + " (owner-only) and " + pub + "; give " + pub + " to every gateway (--operator-key)");
      return 0;
    }
  }

  @Command(name = "sign", mixinStandardHelpOptions = true,
      description = "Validate FILE, resolve every gateway's settings and sign each with the operator's Ed25519 key, into FILE.signed.")
  static final class Sign implements Callable<Integer> {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--key", required = true, paramLabel = "KEY", description = "the operator's private key (PEM, owner-only)")
    Path key;

    @Override
    public Integer call() throws Exception {
      FleetManifest m = load(file);
      Path out = FleetSigning.write(file, m, OperatorKey.readPrivate(key));
      System.out.printf("signed fleet %s version %d for %d gateways into %s%n", m.name(), m.version(), m.gatewayIds().size(), out);
      return 0;
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true,
      description = "Publish each gateway's signed settings (from FILE.signed) as a retained message on cairn/fleet/{gatewayId}/config.")
  static final class Apply implements Callable<Integer> {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--broker", required = true, paramLabel = "URL", description = "MQTT broker, e.g. tcp://broker:1883")
    String broker;

    @Option(names = "--wait", defaultValue = "0", paramLabel = "SECONDS",
        description = "wait up to this long for every gateway's status to report the new version (default: do not wait)")
    int waitSeconds;

    @Override
    public Integer call() throws Exception {
      FleetManifest m = load(file);
      Map<String, byte[]> messages = FleetSigning.read(file, m);
      Map<String, JsonNode> statuses = FleetSigning.publish(broker, messages, m.version(), waitSeconds);
      int failed = 0;
      for (String id : m.gatewayIds()) {
        JsonNode s = statuses.get(id);
        if (waitSeconds == 0) {
          System.out.printf("%s: published version %d%n", id, m.version());
        } else if (s == null) {
          failed++;
          System.out.printf("%s: published version %d; no status within %d s%n", id, m.version(), waitSeconds);
        } else {
          // The status's settings hash against the manifest's: equal unless the gateway runs something else.
          String expected = m.settingsSha256(id);
          String running = s.path("configSha256").asText("");
          boolean ok = s.path("appliedVersion").asLong() == m.version() && expected.equals(running);
          failed += ok ? 0 : 1;
          System.out.printf("%s: %s (applied version %d, settings %s%s%s)%n", id, ok ? "applied" : "NOT applied",
              s.path("appliedVersion").asLong(), running.substring(0, Math.min(12, running.length())),
              expected.equals(running) ? "" : ", the manifest's are " + expected.substring(0, 12),
              s.path("lastError").isNull() || s.path("lastError").isMissingNode() ? "" : ", error: " + s.path("lastError").asText());
        }
      }
      return failed == 0 ? 0 : 1;
    }
  }

  @Command(name = "endorse", mixinStandardHelpOptions = true,
      description = "Sign a gateway's key with the operator's key: peers with network.operatorKeyFile know it without a pin"
          + " (give the output to that gateway as network.endorsementFile).")
  static final class Endorse implements Callable<Integer> {
    @Option(names = "--key", required = true, paramLabel = "KEY", description = "the operator's private key (PEM, owner-only)")
    Path key;

    @Option(names = "--gateway-id", required = true, paramLabel = "ID", description = "the gateway's id")
    String gatewayId;

    @Option(names = "--gateway-key", required = true, paramLabel = "FILE",
        description = "the gateway's public key: its gateway.pub (in its data directory)")
    Path gatewayKey;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "where the endorsement (JSON) goes")
    Path out;

    @Override
    public Integer call() throws Exception {
      byte[] pub = dev.cairn.runtime.config.NetworkSettings.readPublicKey(gatewayKey, "--gateway-key");
      dev.cairn.runtime.network.Endorsement e;
      try {
        e = dev.cairn.runtime.network.Endorsement.sign(OperatorKey.readPrivate(key), gatewayId, pub);
      } catch (IllegalArgumentException bad) {
        throw new ConfigException(bad.getMessage());
      }
      e.write(out);
      System.out.printf("wrote %s: the operator's endorsement of %s's key %s; set network.endorsementFile to it on %s,"
          + " and network.operatorKeyFile to %s.pub on its peers%n", out, gatewayId, java.util.HexFormat.of().formatHex(pub),
          gatewayId, key);
      return 0;
    }
  }
}
