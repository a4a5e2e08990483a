package dev.cairn.adapters.mqtt;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Options of the MQTT endpoint. Every value is checked here, once.
 *
 * @param host address to bind; {@code 0.0.0.0} for every interface
 * @param port TCP port of plain MQTT; 0 binds a free port (see {@link MqttEndpoint#actualPort()})
 * @param plain whether plain (unencrypted) MQTT is served on {@code port}; false leaves only TLS
 * @param topicPrefix first topic level of the device contract, default {@code cairn}
 * @param maxConnections TCP connections open at once, plain and TLS together; more are closed at once
 * @param maxConnectionsPerAddress TCP connections open at once from one remote address; more are closed at once
 * @param maxInFlightPerConnection jobs of one connection waiting for results; more get {@code BUSY}
 * @param connectTimeoutMs time from the TCP (or TLS) connection to its CONNECT packet; then it is closed
 * @param maxKeepAliveSeconds longest keep-alive a client may ask for (0, "none", included): MQTT 5 clients are
 *     told it (Server Keep Alive), and a connection silent for 1.5 times it is closed
 * @param maxQueuedBytesPerConnection bytes waiting to be written to one connection (results it does not read);
 *     past it the connection is closed
 * @param auth how devices authenticate
 * @param tls MQTT over TLS, or null for none
 */
public record MqttEndpointOptions(
    String host, int port, boolean plain, String topicPrefix, int maxConnections, int maxConnectionsPerAddress,
    int maxInFlightPerConnection, long connectTimeoutMs, int maxKeepAliveSeconds, int maxQueuedBytesPerConnection,
    Auth auth, Tls tls) {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 1883;
  public static final int DEFAULT_TLS_PORT = 8883;
  public static final String DEFAULT_TOPIC_PREFIX = "cairn";
  public static final int DEFAULT_MAX_CONNECTIONS = 20_000;
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 1_000;
  public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 1024;
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_MAX_KEEP_ALIVE_SECONDS = 1200;
  public static final int DEFAULT_MAX_QUEUED_BYTES_PER_CONNECTION = 4 * 1024 * 1024;
  /** How often the password file is checked for changes. */
  public static final long DEFAULT_PASSWORD_FILE_CHECK_MS = 1000;

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

  public MqttEndpointOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(auth, "auth");
    checkPort("port", port);
    checkTopicPrefix(topicPrefix);
    atLeast("maxConnections", 1, maxConnections);
    atLeast("maxConnectionsPerAddress", 1, maxConnectionsPerAddress);
    atLeast("maxInFlightPerConnection", 1, maxInFlightPerConnection);
    if (connectTimeoutMs < 100 || connectTimeoutMs > 600_000) {
      throw new IllegalArgumentException("connectTimeoutMs must be 100 to 600000 milliseconds, was " + connectTimeoutMs);
    }
    if (maxKeepAliveSeconds < 1 || maxKeepAliveSeconds > 65_535) {
      throw new IllegalArgumentException("maxKeepAliveSeconds must be 1 to 65535 seconds, was " + maxKeepAliveSeconds);
    }
    atLeast("maxQueuedBytesPerConnection", 64 * 1024, maxQueuedBytesPerConnection);
    if (!plain && tls == null) {
      throw new IllegalArgumentException("with plain MQTT off (mqtt.plain: false), configure mqtt.tls or no device can connect");
    }
    if (auth.mode().needsCertificate()) {
      if (tls == null || tls.clientCaFile() == null) {
        throw new IllegalArgumentException("mqtt.auth: " + auth.mode().setting()
            + " needs client certificates: set mqtt.tls.certFile, keyFile and clientCaFile");
      }
      if (plain) {
        throw new IllegalArgumentException("mqtt.auth: " + auth.mode().setting()
            + " admits only devices with a client certificate, which plain MQTT cannot carry: set mqtt.plain: false");
      }
    }
  }

  /** The embedded defaults: plain MQTT on 1883, no authentication, no TLS. */
  public static MqttEndpointOptions defaults() {
    return new MqttEndpointOptions(
        DEFAULT_HOST, DEFAULT_PORT, true, DEFAULT_TOPIC_PREFIX, DEFAULT_MAX_CONNECTIONS,
        DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, DEFAULT_CONNECT_TIMEOUT_MS,
        DEFAULT_MAX_KEEP_ALIVE_SECONDS, DEFAULT_MAX_QUEUED_BYTES_PER_CONNECTION, Auth.NONE, null);
  }

  public MqttEndpointOptions withPort(int newPort) {
    return new MqttEndpointOptions(host, newPort, plain, topicPrefix, maxConnections, maxConnectionsPerAddress,
        maxInFlightPerConnection, connectTimeoutMs, maxKeepAliveSeconds, maxQueuedBytesPerConnection, auth, tls);
  }

  public MqttEndpointOptions withHost(String newHost) {
    return new MqttEndpointOptions(newHost, port, plain, topicPrefix, maxConnections, maxConnectionsPerAddress,
        maxInFlightPerConnection, connectTimeoutMs, maxKeepAliveSeconds, maxQueuedBytesPerConnection, auth, tls);
  }

  /** How devices prove who they are. */
  public enum AuthMode {
    /** The device id is taken as given (user name, else client id): anyone can claim any device. */
    NONE("none"),
    /** A user name and password from the password file. */
    PASSWORD("password"),
    /** A client certificate issued by {@code mqtt.tls.clientCaFile}; the device id comes from it. */
    CERTIFICATE("certificate"),
    /** Both: the certificate names the device and the password must be that device's. */
    PASSWORD_AND_CERTIFICATE("password+certificate");

    private final String setting;

    AuthMode(String setting) {
      this.setting = setting;
    }

    /** The value in {@code gateway.yaml}. */
    public String setting() {
      return setting;
    }

    public boolean needsPassword() {
      return this == PASSWORD || this == PASSWORD_AND_CERTIFICATE;
    }

    public boolean needsCertificate() {
      return this == CERTIFICATE || this == PASSWORD_AND_CERTIFICATE;
    }

    /** The mode of a {@code mqtt.auth} value; an unknown one names the allowed values. */
    public static AuthMode of(String setting) {
      return bySetting(values(), AuthMode::setting, setting);
    }
  }

  /**
   * Authentication.
   *
   * @param mode what a device must show
   * @param passwordFile the device password file (lines {@code deviceId:$argon2id$...}), for the password modes
   * @param passwordFileCheckMs how often the file is checked for changes (it is re-read live)
   */
  public record Auth(AuthMode mode, Path passwordFile, long passwordFileCheckMs) {
    public static final Auth NONE = new Auth(AuthMode.NONE, null, DEFAULT_PASSWORD_FILE_CHECK_MS);

    public Auth {
      Objects.requireNonNull(mode, "mode");
      if (mode.needsPassword() && passwordFile == null) {
        throw new IllegalArgumentException("mqtt.auth: " + mode.setting()
            + " needs mqtt.passwordFile (manage it with: cairn credentials add DEVICE --file FILE)");
      }
      if (passwordFileCheckMs < 10) {
        throw new IllegalArgumentException("passwordFileCheckMs must be at least 10, was " + passwordFileCheckMs);
      }
    }
  }

  /** Where a device id is read from in a client certificate. */
  public enum DeviceIdSource {
    /** The subject's common name. */
    CN("cn"),
    /** The single dNSName subject alternative name. */
    SAN_DNS("san-dns"),
    /** The single URI subject alternative name. */
    SAN_URI("san-uri"),
    /** The single rfc822Name (e-mail) subject alternative name. */
    SAN_EMAIL("san-email");

    private final String setting;

    DeviceIdSource(String setting) {
      this.setting = setting;
    }

    public String setting() {
      return setting;
    }

    /** The source of a {@code mqtt.tls.deviceIdFrom} value; an unknown one names the allowed values. */
    public static DeviceIdSource of(String setting) {
      return bySetting(values(), DeviceIdSource::setting, setting);
    }
  }

  /**
   * MQTT over TLS 1.2 or 1.3.
   *
   * @param port TCP port (0 binds a free one)
   * @param certFile the gateway's certificate chain, PEM
   * @param keyFile the gateway's private key, PEM (owner-only)
   * @param clientCaFile CA certificates of device certificates, PEM; when set a client certificate is required
   *     and names the device; null: no client certificates
   * @param deviceIdFrom where the device id is read from in a client certificate
   */
  public record Tls(int port, Path certFile, Path keyFile, Path clientCaFile, DeviceIdSource deviceIdFrom) {
    public Tls {
      checkPort("mqtt.tls.port", port);
      Objects.requireNonNull(certFile, "mqtt.tls.certFile");
      Objects.requireNonNull(keyFile, "mqtt.tls.keyFile");
      Objects.requireNonNull(deviceIdFrom, "deviceIdFrom");
    }

    public Tls withPort(int newPort) {
      return new Tls(newPort, certFile, keyFile, clientCaFile, deviceIdFrom);
    }
  }

  /** Returns {@code prefix} when it is one or more topic levels without wildcards; else says what is allowed. */
  public static String checkTopicPrefix(String prefix) {
    if (prefix == null || !PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "topicPrefix must be one or more topic levels of letters, digits, '_', '.', '-' (no wildcards), was '"
              + prefix + "'");
    }
    return prefix;
  }

  private static <E> E bySetting(E[] values, java.util.function.Function<E, String> name, String setting) {
    return Arrays.stream(values).filter(m -> name.apply(m).equals(setting)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("must be one of "
            + Arrays.stream(values).map(name).toList() + ", was '" + setting + "'"));
  }

  private static void checkPort(String name, int value) {
    if (value < 0 || value > 65535) {
      throw new IllegalArgumentException(name + " must be 0 to 65535, was " + value);
    }
  }

  private static void atLeast(String name, int min, int value) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
    }
  }
}
