package dev.cairn.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cairn.adapters.mqtt.MqttEndpointOptions;
import dev.cairn.anchor.AnchorOptions;
import dev.cairn.scheduler.SchedulerOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Everything {@code gateway.yaml} can set. Every setting is optional; the defaults are the embedded
 * defaults of DESIGN.md. Setters check their value as the file is read, so an error names the file,
 * line and setting ({@link ConfigLoader}).
 */
public final class GatewayConfig {
  public static final String DEFAULT_GATEWAY_ID = "gateway-1";
  public static final String DEFAULT_DATA_DIR = "./cairn-data";
  /**
   * {@code jvm}: the multi-core CPU only; {@code auto}: the CPU plus TornadoVM when this build and JVM
   * can run it; {@code tornado}: the same, but TornadoVM is required (the gateway does not start
   * without it). With TornadoVM, placement picks the backend of each job.
   */
  public static final String DEFAULT_BACKEND = "jvm";
  public static final List<String> BACKENDS = List.of("auto", "jvm", "tornado");
  public static final List<String> SINKS = List.of("local", "rfc3161", "http", "ethereum");

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  private String gatewayId = DEFAULT_GATEWAY_ID;
  private String dataDir = DEFAULT_DATA_DIR;
  private String backend = DEFAULT_BACKEND;
  /** Kernels devices may run here; null: every installed kernel. */
  private List<String> kernels;
  private final MqttSettings mqtt = new MqttSettings();
  private final AdminSettings admin = new AdminSettings();
  private final Coap coap = new Coap();
  private final Limits limits = new Limits();
  private final Jvm jvm = new Jvm();
  private final Batch batch = new Batch();
  private final AnchorSettings anchor = new AnchorSettings();
  private final AclSettings acl = new AclSettings();
  private final MeteringSettings metering = new MeteringSettings();
  private final Metrics metrics = new Metrics();
  private final ResultsSettings results = new ResultsSettings();
  private final NetworkSettings network = new NetworkSettings();

  public String gatewayId() {
    return gatewayId;
  }

  @JsonProperty("gatewayId")
  public void setGatewayId(String value) {
    if (value == null || !ID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "must be 1 to 64 letters, digits, '_', '.', ':' or '-', was '" + value + "'");
    }
    gatewayId = value;
  }

  public Path dataDir() {
    return Path.of(dataDir);
  }

  @JsonProperty("dataDir")
  public void setDataDir(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("must be a directory path, was empty");
    }
    dataDir = value;
  }

  public String backend() {
    return backend;
  }

  @JsonProperty("backend")
  public void setBackend(String value) {
    if (!BACKENDS.contains(value)) {
      throw new IllegalArgumentException("must be one of " + BACKENDS + ", was '" + value + "'");
    }
    backend = value;
  }

  /** The enabled kernels' names, or null for every installed kernel. */
  public List<String> kernels() {
    return kernels;
  }

  /** {@code kernels: [vector.saxpy, ...]}: only these may run; each must be installed. */
  @JsonProperty("kernels")
  public void setKernels(List<String> value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("must list at least one kernel (leave it out to enable every installed kernel)");
    }
    List<String> installed = dev.cairn.kernels.KernelCatalog.builtIn().all().stream().map(k -> k.spec().name()).toList();
    for (String k : value) {
      if (!installed.contains(k)) {
        throw new IllegalArgumentException("names kernel '" + k + "', which is not installed; installed: " + String.join(", ", installed));
      }
    }
    kernels = List.copyOf(new java.util.LinkedHashSet<>(value));
  }

  /** The installed kernels this configuration enables. */
  public dev.cairn.kernels.KernelCatalog enabledKernels(dev.cairn.kernels.KernelCatalog installed) {
    if (kernels == null) {
      return installed;
    }
    return dev.cairn.kernels.KernelCatalog.of(installed.all().stream().filter(k -> kernels.contains(k.spec().name())).toList());
  }

  @JsonProperty("mqtt")
  public MqttSettings mqtt() {
    return mqtt;
  }

  @JsonProperty("admin")
  public AdminSettings admin() {
    return admin;
  }

  @JsonProperty("coap")
  public Coap coap() {
    return coap;
  }

  public dev.cairn.adapters.coap.CoapEndpointOptions coapOptions() {
    Dtls dtls = coap.dtls;
    java.util.Map<String, byte[]> keys = dtls.pskFile == null ? java.util.Map.of() : PskFile.read(dtls.pskFile);
    if ((dtls.certificate == null) != (dtls.trustedCertificates == null)) {
      throw new ConfigException("coap.dtls: X.509 needs both certificate (the gateway's key and certificate chain, PEM)"
          + " and trustedCertificates (the CAs of device certificates, PEM); only " + (dtls.certificate == null ? "trustedCertificates" : "certificate") + " is set");
    }
    dev.cairn.adapters.coap.CoapEndpointOptions.X509 x509 = null;
    if (dtls.certificate != null) {
      PskFile.requireOwnerOnly(dtls.certificate, "coap.dtls.certificate", "the gateway's private key");
      x509 = new dev.cairn.adapters.coap.CoapEndpointOptions.X509(dtls.certificate, dtls.trustedCertificates);
    }
    boolean on = dtls.pskFile != null || x509 != null;
    return new dev.cairn.adapters.coap.CoapEndpointOptions(coap.host(), coap.port(), coap.plain,
        dev.cairn.adapters.coap.CoapEndpointOptions.DEFAULT_RECENT_JOBS, on ? dtls.port : -1, keys, x509);
  }

  @JsonProperty("limits")
  public Limits limits() {
    return limits;
  }

  @JsonProperty("jvm")
  public Jvm jvm() {
    return jvm;
  }

  @JsonProperty("batch")
  public Batch batch() {
    return batch;
  }

  @JsonProperty("anchor")
  public AnchorSettings anchor() {
    return anchor;
  }

  @JsonProperty("acl")
  public AclSettings acl() {
    return acl;
  }

  @JsonProperty("metering")
  public MeteringSettings metering() {
    return metering;
  }

  @JsonProperty("metrics")
  public Metrics metrics() {
    return metrics;
  }

  /** {@code metrics:} Prometheus metrics at {@code GET /metrics} and the status page (default on). */
  public static final class Metrics {
    private boolean enabled = true;

    public boolean enabled() {
      return enabled;
    }

    @JsonProperty("enabled")
    public void setEnabled(boolean value) {
      enabled = value;
    }
  }

  @JsonProperty("results")
  public ResultsSettings results() {
    return results;
  }

  /** {@code network:} peering with other gateways through a broker; off unless {@code network.broker} is set. */
  @JsonProperty("network")
  public NetworkSettings network() {
    return network;
  }

  /**
   * The MQTT endpoint's options, checked as a whole (settings that depend on each other, the files they name).
   *
   * @throws ConfigException saying which settings conflict or which file is unusable
   */
  public MqttEndpointOptions mqttOptions() {
    return mqtt.options();
  }

  public SchedulerOptions schedulerOptions() {
    SchedulerOptions d = SchedulerOptions.defaults();
    return new SchedulerOptions(
        limits.maxPayloadBytes,
        limits.maxElementsPerInput,
        limits.maxInFlightPerDevice,
        limits.queueCapacity,
        limits.workerThreads,
        d.recentIdsPerGateway(),
        acl.policies());
  }

  public AnchorOptions anchorOptions() {
    return new AnchorOptions(
        dataDir(), gatewayId, batch.maxLeaves, batch.maxDelayMs, AnchorOptions.DEFAULT_MAX_PENDING_LEAVES,
        anchor.build());
  }

  static int checkPort(int value) {
    if (value < 0 || value > 65535) {
      throw new IllegalArgumentException("must be a TCP port from 0 to 65535 (0 binds a free port), was " + value);
    }
    return value;
  }

  static int atLeast(int min, int value) {
    if (value < min) {
      throw new IllegalArgumentException("must be at least " + min + ", was " + value);
    }
    return value;
  }

  static String checkHost(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("must be a host name or IP address, was empty");
    }
    return value;
  }

  /** {@code coap:} the device-facing CoAP endpoint (UDP). */
  public static final class Coap extends Listener {
    private boolean plain = true;

    Coap() {
      super(dev.cairn.adapters.coap.CoapEndpointOptions.DEFAULT_HOST, dev.cairn.adapters.coap.CoapEndpointOptions.DEFAULT_PORT);
    }

    public boolean plain() {
      return plain;
    }

    /** {@code false} turns plain (unencrypted) CoAP off. */
    @JsonProperty("plain")
    public void setPlain(boolean value) {
      plain = value;
    }

    private final Dtls dtls = new Dtls();

    /** {@code coap.dtls:} coaps with per-device pre-shared keys. */
    @JsonProperty("dtls")
    public Dtls dtls() {
      return dtls;
    }
  }

  /**
   * {@code coap.dtls:} DTLS 1.2 with pre-shared keys ({@code pskFile}) and/or X.509 certificates
   * ({@code certificate} and {@code trustedCertificates}); on when either is set.
   */
  public static final class Dtls {
    private int port = dev.cairn.adapters.coap.CoapEndpointOptions.DEFAULT_DTLS_PORT;
    private java.nio.file.Path pskFile;
    private java.nio.file.Path certificate;
    private java.nio.file.Path trustedCertificates;

    /** PEM file with the gateway's private key and certificate chain; owner-only permissions. */
    @JsonProperty("certificate")
    public void setCertificate(String value) {
      certificate = pemPath(value, "the gateway's private key and certificate chain");
    }

    /** PEM file of the CA certificates device certificates must chain to; a device's id is its CN. */
    @JsonProperty("trustedCertificates")
    public void setTrustedCertificates(String value) {
      trustedCertificates = pemPath(value, "the CA certificates of devices");
    }

    private static java.nio.file.Path pemPath(String value, String what) {
      if (value == null || value.isBlank() || !value.endsWith(".pem")) {
        throw new IllegalArgumentException("must name a .pem file with " + what);
      }
      return java.nio.file.Path.of(value);
    }

    public int port() {
      return port;
    }

    @JsonProperty("port")
    public void setPort(int value) {
      port = checkPort(value);
    }

    /** Lines {@code deviceId=secret} (the PSK identity is the device id); owner-only permissions. */
    @JsonProperty("pskFile")
    public void setPskFile(String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("must name the file of device keys (lines deviceId=secret)");
      }
      pskFile = java.nio.file.Path.of(value);
    }
  }

  /** A host and port to listen on, as the endpoints' sections share them. */
  public abstract static class Listener {
    private String host;
    private int port;

    Listener(String host, int port) {
      this.host = host;
      this.port = port;
    }

    public String host() {
      return host;
    }

    @JsonProperty("host")
    public void setHost(String value) {
      host = checkHost(value);
    }

    public int port() {
      return port;
    }

    @JsonProperty("port")
    public void setPort(int value) {
      port = checkPort(value);
    }
  }

  /** {@code limits:} admission limits of the scheduler. */
  public static final class Limits {
    private int maxPayloadBytes = SchedulerOptions.DEFAULT_MAX_PAYLOAD_BYTES;
    private int maxElementsPerInput = SchedulerOptions.DEFAULT_MAX_ELEMENTS_PER_INPUT;
    private int maxInFlightPerDevice = SchedulerOptions.DEFAULT_MAX_IN_FLIGHT_PER_DEVICE;
    private int queueCapacity = SchedulerOptions.DEFAULT_QUEUE_CAPACITY;
    private int workerThreads = SchedulerOptions.DEFAULT_WORKER_THREADS;

    @JsonProperty("maxPayloadBytes")
    public void setMaxPayloadBytes(int value) {
      maxPayloadBytes = atLeast(64, value);
    }

    @JsonProperty("maxElementsPerInput")
    public void setMaxElementsPerInput(int value) {
      maxElementsPerInput = atLeast(1, value);
    }

    @JsonProperty("maxInFlightPerDevice")
    public void setMaxInFlightPerDevice(int value) {
      maxInFlightPerDevice = atLeast(1, value);
    }

    @JsonProperty("queueCapacity")
    public void setQueueCapacity(int value) {
      queueCapacity = atLeast(1, value);
    }

    @JsonProperty("workerThreads")
    public void setWorkerThreads(int value) {
      workerThreads = atLeast(1, value);
    }
  }

  /** {@code jvm:} the multi-core CPU backend. */
  public static final class Jvm {
    private int threads = dev.cairn.kernels.Backends.DEFAULT_JVM_THREADS;

    public int threads() {
      return threads;
    }

    @JsonProperty("threads")
    public void setThreads(int value) {
      threads = atLeast(1, value);
    }
  }

  /** {@code batch:} when receipt batches are sealed. */
  public static final class Batch {
    private int maxLeaves = AnchorOptions.DEFAULT_BATCH_MAX_LEAVES;
    private long maxDelayMs = AnchorOptions.DEFAULT_BATCH_MAX_DELAY_MS;

    @JsonProperty("maxLeaves")
    public void setMaxLeaves(int value) {
      maxLeaves = atLeast(1, value);
    }

    @JsonProperty("maxDelayMs")
    public void setMaxDelayMs(long value) {
      if (value < 1 || value > 3_600_000) {
        throw new IllegalArgumentException("must be 1 to 3600000 milliseconds, was " + value);
      }
      maxDelayMs = value;
    }
  }
}
