package dev.cairn.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code anchor:} where checkpoints are anchored: the sinks and their settings. */
public final class AnchorSettings {
  private List<String> sinks = List.of("local");
  private final Remote rfc3161 = new Remote();
  private final Remote http = new Remote();
  private final Ethereum ethereum = new Ethereum();

  /** {@code anchor.ethereum:} the chain. */
  @JsonProperty("ethereum")
  public Ethereum ethereum() {
    return ethereum;
  }

  public List<String> sinks() {
    return sinks;
  }

  @JsonProperty("sinks")
  public void setSinks(List<String> value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("must name at least one sink of " + GatewayConfig.SINKS);
    }
    for (String s : value) {
      if (!GatewayConfig.SINKS.contains(s)) {
        throw new IllegalArgumentException("'" + s + "' is not a sink; allowed: " + GatewayConfig.SINKS);
      }
    }
    if (new java.util.HashSet<>(value).size() != value.size()) {
      throw new IllegalArgumentException("names a sink twice: " + value);
    }
    sinks = List.copyOf(value);
  }

  /** {@code anchor.rfc3161:} the Time-Stamp Authority. */
  @JsonProperty("rfc3161")
  public Remote rfc3161() {
    return rfc3161;
  }

  /** {@code anchor.http:} the webhook. */
  @JsonProperty("http")
  public Remote http() {
    return http;
  }

  /** The sinks to build, checked for the settings they need. */
  public List<dev.cairn.anchor.AnchorSink> build() {
    List<dev.cairn.anchor.AnchorSink> out = new java.util.ArrayList<>();
    for (String s : sinks) {
      switch (s) {
        case "local" -> out.add(dev.cairn.anchor.AnchorSinks.local());
        case "rfc3161" -> out.add(dev.cairn.anchor.AnchorSinks.rfc3161("rfc3161", rfc3161.require("anchor.rfc3161.url"),
            java.time.Duration.ofMillis(rfc3161.timeoutMs)));
        case "http" -> out.add(dev.cairn.anchor.AnchorSinks.http("http", http.require("anchor.http.url"), http.bearerToken,
            java.time.Duration.ofMillis(http.timeoutMs)));
        case "ethereum" -> out.add(ethereum.build());
        default -> throw new IllegalStateException(s);
      }
    }
    return out;
  }

  /** An Ethereum-compatible chain reached over JSON-RPC. */
  public static final class Ethereum {
    private final Remote rpc = new Remote();
    private java.nio.file.Path privateKeyFile;
    private int confirmations = 2;
    private long pollIntervalMs = 1000;

    @JsonProperty("rpcUrl")
    public void setRpcUrl(String value) {
      rpc.setUrl(value);
    }

    @JsonProperty("privateKeyFile")
    public void setPrivateKeyFile(String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("must name the file holding the account's private key (hex)");
      }
      privateKeyFile = java.nio.file.Path.of(value);
    }

    @JsonProperty("confirmations")
    public void setConfirmations(int value) {
      if (value < 1 || value > 1000) {
        throw new IllegalArgumentException("must be 1 to 1000 blocks, was " + value);
      }
      confirmations = value;
    }

    @JsonProperty("pollIntervalMs")
    public void setPollIntervalMs(long value) {
      if (value < 10 || value > 600_000) {
        throw new IllegalArgumentException("must be 10 to 600000 milliseconds, was " + value);
      }
      pollIntervalMs = value;
    }

    @JsonProperty("timeoutMs")
    public void setTimeoutMs(long value) {
      rpc.setTimeoutMs(value);
    }

    dev.cairn.anchor.AnchorSink build() {
      return dev.cairn.anchor.AnchorSinks.ethereum("ethereum", rpcUrl("anchor.ethereum"), privateKey("anchor.ethereum"),
          confirmations, pollInterval(), timeout());
    }

    /** The node's URL, required: {@code prefix} names the section in the error. */
    java.net.URI rpcUrl(String prefix) {
      return rpc.require(prefix + ".rpcUrl");
    }

    public java.nio.file.Path privateKeyFile() {
      return privateKeyFile;
    }

    int confirmations() {
      return confirmations;
    }

    java.time.Duration pollInterval() {
      return java.time.Duration.ofMillis(pollIntervalMs);
    }

    java.time.Duration timeout() {
      return java.time.Duration.ofMillis(rpc.timeoutMs);
    }

    /** The account's private key (hex) from an owner-only file: {@code prefix} names the section in errors. */
    String privateKey(String prefix) {
      if (privateKeyFile == null) {
        throw new ConfigException(prefix + " needs the setting " + prefix + ".privateKeyFile");
      }
      String key;
      try {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = java.nio.file.Files.getPosixFilePermissions(privateKeyFile);
        if (perms.stream().anyMatch(x -> !x.name().startsWith("OWNER"))) {
          throw new ConfigException(prefix + ".privateKeyFile " + privateKeyFile
              + " is readable or writable by others; an account key must be owner-only: chmod 600 " + privateKeyFile);
        }
        key = java.nio.file.Files.readString(privateKeyFile).trim();
      } catch (java.io.IOException e) {
        throw new ConfigException(prefix + ".privateKeyFile " + privateKeyFile + " cannot be read: " + e.getMessage());
      }
      if (!key.matches("(0x)?[0-9a-fA-F]{64}")) {
        throw new ConfigException(prefix + ".privateKeyFile " + privateKeyFile + " must hold a secp256k1 private key as 64 hex digits");
      }
      return key;
    }
  }

  /** A remote anchoring service. */
  public static final class Remote {
    private java.net.URI url;
    private String bearerToken;
    private long timeoutMs = dev.cairn.anchor.AnchorSinks.DEFAULT_TIMEOUT.toMillis();

    @JsonProperty("url")
    public void setUrl(String value) {
      java.net.URI u;
      try {
        u = new java.net.URI(value);
      } catch (java.net.URISyntaxException | NullPointerException e) {
        throw new IllegalArgumentException("must be an http:// or https:// URL, was '" + value + "'");
      }
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
        throw new IllegalArgumentException("must be an http:// or https:// URL, was '" + value + "'");
      }
      url = u;
    }

    @JsonProperty("bearerToken")
    public void setBearerToken(String value) {
      bearerToken = value;
    }

    @JsonProperty("timeoutMs")
    public void setTimeoutMs(long value) {
      if (value < 100 || value > 600_000) {
        throw new IllegalArgumentException("must be 100 to 600000 milliseconds, was " + value);
      }
      timeoutMs = value;
    }

    java.net.URI require(String setting) {
      if (url == null) {
        throw new ConfigException("the setting " + setting + " is required here");
      }
      return url;
    }
  }
}
