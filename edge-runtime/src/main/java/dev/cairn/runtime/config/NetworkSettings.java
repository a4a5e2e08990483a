package dev.cairn.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code network:} gateways joined through an existing MQTT broker (or a cluster: a list of URLs tried in
 * turn). Off unless {@code broker} is set. Only the peers listed with a pinned public key are known.
 */
public final class NetworkSettings {
  public static final long DEFAULT_ANNOUNCE_INTERVAL_MS = 5_000;
  /** Missed heartbeats for this long: {@code unknown} (no new work). */
  public static final long DEFAULT_UNKNOWN_AFTER_MS = 15_000;
  /** Silent for this long: {@code down}. */
  public static final long DEFAULT_DOWN_AFTER_MS = 60_000;
  public static final int DEFAULT_OFFLOAD_MAX_IN_FLIGHT = 16;
  public static final long DEFAULT_OFFLOAD_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_MAX_PEERS = 64;
  public static final int DEFAULT_OFFLOAD_ATTEMPTS = 2;
  /** Distinct gateways a replicated job may run on in all, those it fails over to after a disagreement included. */
  public static final int DEFAULT_MAX_REPLICAS = 5;
  public static final int MAX_MAX_REPLICAS = 16;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.-]{1,63}");

  private List<String> brokers = List.of();
  private Path caFile;
  private String username;
  private Path passwordFile;
  private final List<Peer> peers = new ArrayList<>();
  private final Map<String, String> labels = new LinkedHashMap<>();
  private long announceIntervalMs = DEFAULT_ANNOUNCE_INTERVAL_MS;
  private long unknownAfterMs = DEFAULT_UNKNOWN_AFTER_MS;
  private long downAfterMs = DEFAULT_DOWN_AFTER_MS;
  private final Offload offload = new Offload();
  private int maxReplicas = DEFAULT_MAX_REPLICAS;
  private Path operatorKeyFile;
  private Path endorsementFile;
  private int maxPeers = DEFAULT_MAX_PEERS;
  private final Map<String, dev.cairn.scheduler.PlacementHint> replication = new LinkedHashMap<>();
  private final Tls tls = new Tls();

  /** A pinned peer: its id and the file of its Ed25519 public key (its {@code gateway.pub}: hex, or PEM). */
  public record Peer(String id, Path publicKeyFile) {}

  public boolean enabled() {
    return !brokers.isEmpty();
  }

  /** The broker URLs ({@code tcp://host:1883}, {@code ssl://host:8883}), tried in turn. */
  public List<String> brokers() {
    return brokers;
  }

  /** {@code broker: tcp://host:1883} or a list of them (a cluster's nodes). */
  @JsonProperty("broker")
  public void setBroker(Object value) {
    List<String> urls = new ArrayList<>();
    if (value instanceof String s) {
      urls.add(s);
    } else if (value instanceof List<?> l && !l.isEmpty()) {
      for (Object o : l) {
        urls.add(o instanceof String s ? s : "");
      }
    } else {
      throw new IllegalArgumentException("must be a broker URL (tcp://host:1883 or ssl://host:8883) or a list of them");
    }
    for (String u : urls) {
      if (!u.matches("(tcp|ssl)://[^\\s/]+:\\d{1,5}")) {
        throw new IllegalArgumentException("must be tcp://host:port or ssl://host:port, was '" + u + "'");
      }
    }
    brokers = List.copyOf(urls);
  }

  @JsonProperty("tls")
  public Tls tls() {
    return tls;
  }

  public Path caFile() {
    return tls.caFile;
  }

  public String username() {
    return username;
  }

  @JsonProperty("username")
  public void setUsername(String value) {
    if (value == null || value.isBlank() || value.length() > 256) {
      throw new IllegalArgumentException("must be the broker user name, 1 to 256 characters");
    }
    username = value;
  }

  /** A file whose first line is the broker password; owner-only. */
  @JsonProperty("passwordFile")
  public void setPasswordFile(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("must name a file holding the broker password");
    }
    passwordFile = Path.of(value);
  }

  /** The broker password read from {@code passwordFile}, or null. */
  public char[] password() {
    if (passwordFile == null) {
      return null;
    }
    PskFile.requireOwnerOnly(passwordFile, "network.passwordFile", "the broker password");
    try {
      List<String> lines = Files.readAllLines(passwordFile, StandardCharsets.UTF_8);
      if (lines.isEmpty() || lines.get(0).isEmpty()) {
        throw new ConfigException("network.passwordFile " + passwordFile + " is empty; its first line is the broker password");
      }
      return lines.get(0).toCharArray();
    } catch (IOException e) {
      throw new ConfigException("network.passwordFile " + passwordFile + " cannot be read: " + e.getMessage(), e);
    }
  }

  public List<Peer> peers() {
    return List.copyOf(peers);
  }

  /** {@code peers: [{id: gw-2, publicKeyFile: keys/gw-2.pub}]}: the only gateways whose announcements count. */
  @JsonProperty("peers")
  public void setPeers(List<Map<String, String>> value) {
    peers.clear();
    for (Map<String, String> p : value == null ? List.<Map<String, String>>of() : value) {
      String id = p.get("id");
      String file = p.get("publicKeyFile");
      if (id == null || !ID.matcher(id).matches() || file == null || file.isBlank() || p.size() != 2) {
        throw new IllegalArgumentException("each peer is {id: <gateway id>, publicKeyFile: <its gateway.pub>}, was " + p);
      }
      if (peers.stream().anyMatch(q -> q.id().equals(id))) {
        throw new IllegalArgumentException("lists peer '" + id + "' twice");
      }
      peers.add(new Peer(id, Path.of(file)));
    }
  }

  /** The pinned keys by peer id, read from their files. */
  public Map<String, byte[]> peerKeys() {
    Map<String, byte[]> keys = new LinkedHashMap<>();
    for (Peer p : peers) {
      keys.put(p.id(), readPublicKey(p));
    }
    return keys;
  }

  private static byte[] readPublicKey(Peer p) {
    return readPublicKey(p.publicKeyFile(), "network.peers " + p.id() + ": publicKeyFile");
  }

  /** An Ed25519 public key from {@code file}: a gateway.pub (64 hex digits) or PEM; errors name {@code setting}. */
  public static byte[] readPublicKey(Path file, String setting) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new ConfigException(setting + " " + file + " cannot be read: " + e.getMessage(), e);
    }
    if (text.startsWith("-----BEGIN")) {
      return dev.cairn.runtime.fleet.OperatorKey.readPublic(file).getEncoded();
    }
    try {
      byte[] key = HexFormat.of().parseHex(text);
      if (key.length == 32) {
        return key;
      }
    } catch (IllegalArgumentException e) {
      // said below
    }
    throw new ConfigException(setting + " " + file
        + " is not an Ed25519 public key: give a gateway.pub (64 hex digits) or a PEM public key");
  }

  /**
   * The fleet operator's Ed25519 public key ({@code operatorKeyFile}: PEM as {@code cairn fleet keygen} writes
   * it, or hex), or null: a gateway whose announcement carries the operator's endorsement of its key is known
   * without a pin in {@code peers}.
   */
  public byte[] operatorKey() {
    return operatorKeyFile == null ? null : readPublicKey(operatorKeyFile, "network.operatorKeyFile");
  }

  @JsonProperty("operatorKeyFile")
  public void setOperatorKeyFile(String value) {
    operatorKeyFile = value == null || value.isBlank() ? null : Path.of(value);
  }

  /** This gateway's endorsement by the operator ({@code cairn fleet endorse}), announced to peers; or null. */
  public Path endorsementFile() {
    return endorsementFile;
  }

  @JsonProperty("endorsementFile")
  public void setEndorsementFile(String value) {
    endorsementFile = value == null || value.isBlank() ? null : Path.of(value);
  }

  /** Peers known at most, pinned and endorsed (endorsed gateways past it are ignored). */
  public int maxPeers() {
    return maxPeers;
  }

  @JsonProperty("maxPeers")
  public void setMaxPeers(long value) {
    maxPeers = (int) within(1, 4096, value);
  }

  public Map<String, String> labels() {
    return Map.copyOf(labels);
  }

  /** {@code labels: {site: plant-a, zone: line-3}}, announced to peers and matched by placement hints. */
  @JsonProperty("labels")
  public void setLabels(Map<String, String> value) {
    labels.clear();
    for (Map.Entry<String, String> e : value.entrySet()) {
      if (!LABEL.matcher(e.getKey()).matches() || e.getValue() == null || !LABEL.matcher(e.getValue()).matches()) {
        throw new IllegalArgumentException("label names and values are 1 to 63 letters, digits, '_', '.' or '-', was "
            + e.getKey() + ": " + e.getValue());
      }
      labels.put(e.getKey(), e.getValue());
    }
    if (labels.size() > 32) {
      throw new IllegalArgumentException("has " + labels.size() + " labels; at most 32");
    }
  }

  public long announceIntervalMs() {
    return announceIntervalMs;
  }

  @JsonProperty("announceIntervalMs")
  public void setAnnounceIntervalMs(long value) {
    announceIntervalMs = within(100, 3_600_000, value);
  }

  public long unknownAfterMs() {
    return unknownAfterMs;
  }

  @JsonProperty("unknownAfterMs")
  public void setUnknownAfterMs(long value) {
    unknownAfterMs = within(100, 86_400_000, value);
  }

  public long downAfterMs() {
    return downAfterMs;
  }

  @JsonProperty("downAfterMs")
  public void setDownAfterMs(long value) {
    downAfterMs = within(100, 86_400_000, value);
  }

  public int maxReplicas() {
    return maxReplicas;
  }

  /**
   * {@code maxReplicas: 5}: when the replicas of a job do not reach its quorum, it is sent to more distinct
   * gateways, up to this many replicas in all (never fewer than the job asked for); then it fails.
   */
  @JsonProperty("maxReplicas")
  public void setMaxReplicas(int value) {
    maxReplicas = (int) within(1, MAX_MAX_REPLICAS, value);
  }

  @JsonProperty("offload")
  public Offload offload() {
    return offload;
  }

  /** The replication of each kernel named in {@code network.replication}, as a placement without gateway or labels. */
  public Map<String, dev.cairn.scheduler.PlacementHint> replication() {
    return Map.copyOf(replication);
  }

  /**
   * {@code replication: {vector.saxpy: {replicas: 3, quorum: 2}}}: jobs of these kernels run on that many gateways
   * unless the device names a gateway or its own replicas; quorum defaults to a majority.
   */
  @JsonProperty("replication")
  public void setReplication(Map<String, Map<String, Integer>> value) {
    replication.clear();
    for (Map.Entry<String, Map<String, Integer>> e : value.entrySet()) {
      Map<String, Integer> r = e.getValue() == null ? Map.of() : e.getValue();
      Integer replicas = r.get("replicas");
      if (replicas == null || !java.util.Set.of("replicas", "quorum").containsAll(r.keySet())) {
        throw new IllegalArgumentException("each kernel's replication is {replicas: 2 to " + dev.cairn.scheduler.PlacementHint.MAX_REPLICAS
            + ", quorum: 1 to replicas}, was " + e.getKey() + ": " + r);
      }
      int quorum = r.getOrDefault("quorum", dev.cairn.scheduler.PlacementHint.majority(replicas));
      if (replicas < 2 || replicas > dev.cairn.scheduler.PlacementHint.MAX_REPLICAS || quorum < 1 || quorum > replicas) {
        throw new IllegalArgumentException("kernel " + e.getKey() + ": replicas must be 2 to " + dev.cairn.scheduler.PlacementHint.MAX_REPLICAS
            + " and quorum 1 to replicas, were " + replicas + " and " + quorum);
      }
      replication.put(e.getKey(), new dev.cairn.scheduler.PlacementHint(null, Map.of(), replicas, quorum));
    }
  }

  /**
   * Checks what depends on several settings and reads the files named.
   *
   * @throws ConfigException naming what is wrong
   */
  public void check() {
    if (!enabled()) {
      return;
    }
    if (unknownAfterMs <= announceIntervalMs || downAfterMs <= unknownAfterMs) {
      throw new ConfigException("network: announceIntervalMs (" + announceIntervalMs + ") < unknownAfterMs (" + unknownAfterMs
          + ") < downAfterMs (" + downAfterMs + ") must hold: a peer is unknown after missed heartbeats, then down");
    }
    if (brokers.stream().anyMatch(b -> b.startsWith("ssl://")) && tls.caFile == null) {
      throw new ConfigException("network: an ssl:// broker needs network.tls.caFile (the CA certificates of the broker, PEM)");
    }
    if (passwordFile != null && username == null) {
      throw new ConfigException("network: passwordFile is set but username is not");
    }
    password();
    peerKeys();
    operatorKey();
    if (endorsementFile != null && !Files.isReadable(endorsementFile)) {
      throw new ConfigException("network.endorsementFile " + endorsementFile + " cannot be read (cairn fleet endorse makes it)");
    }
  }

  static long within(long min, long max, long value) {
    if (value < min || value > max) {
      throw new IllegalArgumentException("must be " + min + " to " + max + ", was " + value);
    }
    return value;
  }

  /** {@code network.tls:} how the broker's certificate is checked. */
  public static final class Tls {
    private Path caFile;

    /** PEM file of the CA certificates the broker's certificate must chain to. */
    @JsonProperty("caFile")
    public void setCaFile(String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("must name a PEM file of CA certificates");
      }
      caFile = Path.of(value);
    }
  }

  /** {@code network.offload:} jobs sent to peers. */
  public static final class Offload {
    private int maxInFlight = DEFAULT_OFFLOAD_MAX_IN_FLIGHT;
    private long timeoutMs = DEFAULT_OFFLOAD_TIMEOUT_MS;
    private int attempts = DEFAULT_OFFLOAD_ATTEMPTS;
    private boolean shared;

    public boolean shared() {
      return shared;
    }

    /**
     * {@code true}: a job that overflows a full queue is first offered on {@code cairn/net/work/{kernel}}, which
     * every gateway with the kernel takes through the shared subscription {@code $share/cairn/...}, so the broker
     * spreads the work; then addressed to the capable peers in turn. {@code false} (default): addressed only.
     */
    @JsonProperty("shared")
    public void setShared(boolean value) {
      shared = value;
    }

    public int maxInFlight() {
      return maxInFlight;
    }

    /** Jobs waiting for a peer's answer at once; past it an offload is refused with BUSY. */
    @JsonProperty("maxInFlight")
    public void setMaxInFlight(int value) {
      maxInFlight = (int) within(1, 65_535, value);
    }

    public long timeoutMs() {
      return timeoutMs;
    }

    /** How long one peer has to answer before the job is tried elsewhere (or fails). */
    @JsonProperty("timeoutMs")
    public void setTimeoutMs(long value) {
      timeoutMs = within(100, 3_600_000, value);
    }

    public int attempts() {
      return attempts;
    }

    /** Peers tried at most for a job that any capable peer may run. */
    @JsonProperty("attempts")
    public void setAttempts(int value) {
      attempts = (int) within(1, 8, value);
    }
  }
}
