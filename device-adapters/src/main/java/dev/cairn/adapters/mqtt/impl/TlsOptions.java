package dev.cairn.adapters.mqtt.impl;

import dev.cairn.adapters.mqtt.MqttEndpointOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The server options of MQTT over TLS: TLS 1.2 and 1.3 only, the gateway's PEM key and chain, client CAs. */
final class TlsOptions {
  /** The protocols offered; SSLv3, TLS 1.0 and 1.1 are refused. */
  static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  private TlsOptions() {}

  /**
   * @throws IllegalArgumentException naming the setting and file that is missing, unreadable or, for the key,
   *     readable by others
   */
  static MqttServerOptions serverOptions(MqttEndpointOptions options, int maxMessageSize) {
    MqttEndpointOptions.Tls tls = options.tls();
    readable(tls.certFile(), "mqtt.tls.certFile");
    readable(tls.keyFile(), "mqtt.tls.keyFile");
    ownerOnly(tls.keyFile(), "mqtt.tls.keyFile");
    MqttServerOptions o = new MqttServerOptions();
    o.setPort(tls.port()).setMaxMessageSize(maxMessageSize).setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certFile().toString()).setKeyPath(tls.keyFile().toString()));
    o.setEnabledSecureTransportProtocols(PROTOCOLS);
    o.setSslHandshakeTimeout(options.connectTimeoutMs());
    o.setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    if (tls.clientCaFile() != null) {
      readable(tls.clientCaFile(), "mqtt.tls.clientCaFile");
      o.setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCaFile().toString()));
      o.setClientAuth(ClientAuth.REQUIRED);
    }
    return o;
  }

  private static void readable(Path file, String setting) {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(setting + " " + file + " does not exist or cannot be read");
    }
  }

  private static void ownerOnly(Path file, String setting) {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (IOException | UnsupportedOperationException e) {
      return; // not a POSIX file system: nothing to check
    }
    if (perms.stream().anyMatch(p -> !p.name().startsWith("OWNER"))) {
      throw new IllegalArgumentException(setting + " " + file
          + " is readable or writable by others; the gateway's private key must be owner-only: chmod 600 " + file);
    }
  }
}
