package dev.cairn.adapters.mqtt;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Options of the MQTT endpoint.
 *
 * @param host address to bind; {@code 0.0.0.0} for every interface
 * @param port TCP port; 0 binds a free port (see {@link MqttEndpoint#actualPort()})
 * @param topicPrefix first topic level of the device contract, default {@code cairn}
 * @param maxConnections connections accepted at once; more are refused with "server unavailable"
 * @param maxInFlightPerConnection jobs of one connection waiting for results; more get {@code BUSY}
 */
public record MqttEndpointOptions(
    String host, int port, String topicPrefix, int maxConnections, int maxInFlightPerConnection) {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 1883;
  public static final String DEFAULT_TOPIC_PREFIX = "cairn";
  public static final int DEFAULT_MAX_CONNECTIONS = 20_000;
  public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 1024;

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

  public MqttEndpointOptions {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
    }
    if (topicPrefix == null || !PREFIX.matcher(topicPrefix).matches()) {
      throw new IllegalArgumentException(
          "topicPrefix must be one or more topic levels of letters, digits, '_', '.', '-' (no wildcards), was '"
              + topicPrefix + "'");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
    }
    if (maxInFlightPerConnection < 1) {
      throw new IllegalArgumentException(
          "maxInFlightPerConnection must be at least 1, was " + maxInFlightPerConnection);
    }
  }

  public static MqttEndpointOptions defaults() {
    return new MqttEndpointOptions(
        DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TOPIC_PREFIX, DEFAULT_MAX_CONNECTIONS,
        DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION);
  }

  public MqttEndpointOptions withPort(int newPort) {
    return new MqttEndpointOptions(host, newPort, topicPrefix, maxConnections, maxInFlightPerConnection);
  }

  public MqttEndpointOptions withHost(String newHost) {
    return new MqttEndpointOptions(newHost, port, topicPrefix, maxConnections, maxInFlightPerConnection);
  }
}
