package dev.cairn.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cairn.adapters.mqtt.MqttEndpointOptions;
import dev.cairn.adapters.mqtt.MqttEndpointOptions.AuthMode;
import dev.cairn.adapters.mqtt.MqttEndpointOptions.DeviceIdSource;
import java.nio.file.Path;

/** {@code mqtt:} the device-facing MQTT endpoint: listeners, authentication, TLS and connection limits. */
public final class MqttSettings extends GatewayConfig.Listener {
  private boolean plain = true;
  private String topicPrefix = MqttEndpointOptions.DEFAULT_TOPIC_PREFIX;
  private int maxConnections = MqttEndpointOptions.DEFAULT_MAX_CONNECTIONS;
  private int maxConnectionsPerAddress = MqttEndpointOptions.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  private int maxInFlightPerConnection = MqttEndpointOptions.DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION;
  private long connectTimeoutMs = MqttEndpointOptions.DEFAULT_CONNECT_TIMEOUT_MS;
  private int maxKeepAliveSeconds = MqttEndpointOptions.DEFAULT_MAX_KEEP_ALIVE_SECONDS;
  private int maxQueuedBytesPerConnection = MqttEndpointOptions.DEFAULT_MAX_QUEUED_BYTES_PER_CONNECTION;
  private AuthMode auth = AuthMode.NONE;
  private Path passwordFile;
  private long passwordFileCheckMs = MqttEndpointOptions.DEFAULT_PASSWORD_FILE_CHECK_MS;
  private final Tls tls = new Tls();
  private final SessionSettings sessions = new SessionSettings();

  MqttSettings() {
    super(MqttEndpointOptions.DEFAULT_HOST, MqttEndpointOptions.DEFAULT_PORT);
  }

  /** {@code false} turns plain (unencrypted) MQTT off; then {@code mqtt.tls} must be set. */
  @JsonProperty("plain")
  public void setPlain(boolean value) {
    plain = value;
  }

  @JsonProperty("topicPrefix")
  public void setTopicPrefix(String value) {
    // The endpoint's own check, so the rule lives in one place.
    topicPrefix = MqttEndpointOptions.checkTopicPrefix(value);
  }

  @JsonProperty("maxConnections")
  public void setMaxConnections(int value) {
    maxConnections = GatewayConfig.atLeast(1, value);
  }

  public int maxConnectionsPerAddress() {
    return maxConnectionsPerAddress;
  }

  @JsonProperty("maxConnectionsPerAddress")
  public void setMaxConnectionsPerAddress(int value) {
    maxConnectionsPerAddress = GatewayConfig.atLeast(1, value);
  }

  @JsonProperty("maxInFlightPerConnection")
  public void setMaxInFlightPerConnection(int value) {
    maxInFlightPerConnection = GatewayConfig.atLeast(1, value);
  }

  @JsonProperty("connectTimeoutMs")
  public void setConnectTimeoutMs(long value) {
    if (value < 100 || value > 600_000) {
      throw new IllegalArgumentException("must be 100 to 600000 milliseconds, was " + value);
    }
    connectTimeoutMs = value;
  }

  @JsonProperty("maxKeepAliveSeconds")
  public void setMaxKeepAliveSeconds(int value) {
    if (value < 1 || value > 65_535) {
      throw new IllegalArgumentException("must be 1 to 65535 seconds, was " + value);
    }
    maxKeepAliveSeconds = value;
  }

  @JsonProperty("maxQueuedBytesPerConnection")
  public void setMaxQueuedBytesPerConnection(int value) {
    maxQueuedBytesPerConnection = GatewayConfig.atLeast(64 * 1024, value);
  }

  /** {@code none}, {@code password}, {@code certificate} or {@code password+certificate}. */
  @JsonProperty("auth")
  public void setAuth(String value) {
    auth = AuthMode.of(value);
  }

  public AuthMode auth() {
    return auth;
  }

  /** Lines {@code deviceId:$argon2id$...} written by {@code cairn credentials}; owner-only. */
  @JsonProperty("passwordFile")
  public void setPasswordFile(String value) {
    passwordFile = path(value, "the device password file (cairn credentials add DEVICE --file FILE makes it)");
  }

  /** How often the password file is checked for changes (not in the documented settings: tests shorten it). */
  public void setPasswordFileCheckMs(long value) {
    passwordFileCheckMs = value;
  }

  @JsonProperty("tls")
  public Tls tls() {
    return tls;
  }

  /**
   * The endpoint's options, the settings checked together.
   *
   * @throws ConfigException naming the settings that conflict
   */
  @JsonProperty("sessions")
  public SessionSettings sessions() {
    return sessions;
  }

  MqttEndpointOptions options() {
    try {
      return new MqttEndpointOptions(host(), port(), plain, topicPrefix, maxConnections, maxConnectionsPerAddress,
          maxInFlightPerConnection, connectTimeoutMs, maxKeepAliveSeconds, maxQueuedBytesPerConnection,
          new MqttEndpointOptions.Auth(auth, passwordFile, passwordFileCheckMs), tls.options());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  private static Path path(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("must name " + what);
    }
    return Path.of(value);
  }

  /** {@code mqtt.tls:} MQTT over TLS 1.2/1.3; on when {@code certFile} is set. */
  public static final class Tls {
    private int port = MqttEndpointOptions.DEFAULT_TLS_PORT;
    private Path certFile;
    private Path keyFile;
    private Path clientCaFile;
    private DeviceIdSource deviceIdFrom = DeviceIdSource.CN;

    public int port() {
      return port;
    }

    @JsonProperty("port")
    public void setPort(int value) {
      port = GatewayConfig.checkPort(value);
    }

    /** The gateway's certificate chain (PEM), its own certificate first. */
    @JsonProperty("certFile")
    public void setCertFile(String value) {
      certFile = path(value, "a PEM file with the gateway's certificate chain");
    }

    /** The gateway's private key (PEM, PKCS#8 or PKCS#1); owner-only. */
    @JsonProperty("keyFile")
    public void setKeyFile(String value) {
      keyFile = path(value, "a PEM file with the gateway's private key");
    }

    /** CA certificates (PEM) of device certificates; when set every TLS client must present one. */
    @JsonProperty("clientCaFile")
    public void setClientCaFile(String value) {
      clientCaFile = path(value, "a PEM file with the CA certificates that issue device certificates");
    }

    /** {@code cn} (default), {@code san-dns}, {@code san-uri} or {@code san-email}. */
    @JsonProperty("deviceIdFrom")
    public void setDeviceIdFrom(String value) {
      deviceIdFrom = DeviceIdSource.of(value);
    }

    MqttEndpointOptions.Tls options() {
      if (certFile == null && keyFile == null && clientCaFile == null) {
        return null;
      }
      if (certFile == null || keyFile == null) {
        String set = certFile != null ? "certFile" : keyFile != null ? "keyFile" : "only clientCaFile";
        throw new IllegalArgumentException("mqtt.tls needs both certFile (the gateway's certificate chain, PEM) and keyFile"
            + " (its private key, PEM); " + (set.startsWith("only") ? set : "only " + set) + " is set");
      }
      return new MqttEndpointOptions.Tls(port, certFile, keyFile, clientCaFile, deviceIdFrom);
    }
  }
}
