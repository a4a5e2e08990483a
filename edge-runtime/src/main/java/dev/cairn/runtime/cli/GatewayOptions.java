package dev.cairn.runtime.cli;

import dev.cairn.runtime.config.ConfigLoader;
import dev.cairn.runtime.config.GatewayConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that start a gateway; they override {@code gateway.yaml}. */
final class GatewayOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "gateway.yaml to read (default: embedded defaults)")
  Path config;

  @Option(names = "--mqtt-port", paramLabel = "PORT", description = "MQTT port (default 1883; 0 binds a free port)")
  Integer mqttPort;

  @Option(names = "--coap-port", paramLabel = "PORT", description = "CoAP UDP port (default 5683; 0 binds a free port)")
  Integer coapPort;

  @Option(names = "--coaps-port", paramLabel = "PORT", description = "coaps (DTLS) UDP port when coap.dtls.pskFile is set (default 5684; 0: free port)")
  Integer coapsPort;

  @Option(names = "--mqtts-port", paramLabel = "PORT", description = "MQTT over TLS port when mqtt.tls is set (default 8883; 0: free port)")
  Integer mqttsPort;

  @Option(names = "--admin-port", paramLabel = "PORT", description = "admin HTTP port on 127.0.0.1 (default 8080; 0: free port)")
  Integer adminPort;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "journal and gateway key (default ./cairn-data)")
  Path dataDir;

  @Option(names = "--gateway-id", paramLabel = "ID", description = "this gateway's id in receipts (default gateway-1)")
  String gatewayId;

  /** The configuration file (or the defaults) with the command-line overrides applied and checked. */
  GatewayConfig resolve() {
    GatewayConfig c = config == null ? ConfigLoader.defaults() : ConfigLoader.load(config);
    try {
      if (mqttPort != null) {
        c.mqtt().setPort(mqttPort);
      }
      if (coapPort != null) {
        c.coap().setPort(coapPort);
      }
      if (mqttsPort != null) {
        c.mqtt().tls().setPort(mqttsPort);
      }
      if (coapsPort != null) {
        c.coap().dtls().setPort(coapsPort);
      }
      if (adminPort != null) {
        c.admin().setPort(adminPort);
      }
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(new CairnCommand()), "port " + e.getMessage());
    }
    return applyMachineSettings(c);
  }

  /** What belongs to this machine whatever the fleet says: its data directory and its id. */
  GatewayConfig applyMachineSettings(GatewayConfig c) {
    if (dataDir != null) {
      c.setDataDir(dataDir.toString());
    }
    if (gatewayId != null) {
      c.setGatewayId(gatewayId);
    }
    return c;
  }
}
