package dev.cairn.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code admin:} the HTTP admin API. It listens on loopback by default; bound anywhere else it needs a bearer
 * token ({@code tokenFile}) or TLS with client certificates ({@code tls.clientCaFile}), and the gateway does not
 * start without one.
 */
public final class AdminSettings extends GatewayConfig.Listener {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  /** Shortest admin token accepted, in characters. */
  public static final int MIN_TOKEN_LENGTH = 32;

  private Path tokenFile;
  private final Tls tls = new Tls();

  AdminSettings() {
    super(DEFAULT_HOST, DEFAULT_PORT);
  }

  /** A file holding the bearer token (one line, at least 32 characters); owner-only. */
  @JsonProperty("tokenFile")
  public void setTokenFile(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("must name a file holding the admin token (cairn credentials admin-token --file FILE makes one)");
    }
    tokenFile = Path.of(value);
  }

  @JsonProperty("tls")
  public Tls tls() {
    return tls;
  }

  /** What the admin API needs to start: its token (or null), its TLS files (or null). */
  public record Access(String token, Path certFile, Path keyFile, Path clientCaFile) {
    public boolean tls() {
      return certFile != null;
    }
  }

  /**
   * The token and TLS files, read and checked.
   *
   * @throws ConfigException when the API would be reachable from other machines without a token or TLS, or a
   *     file is unusable
   */
  public Access access() {
    String token = tokenFile == null ? null : readToken(tokenFile);
    if ((tls.certFile == null) != (tls.keyFile == null)) {
      throw new ConfigException("admin.tls needs both certFile and keyFile (PEM); only "
          + (tls.certFile == null ? "keyFile" : "certFile") + " is set");
    }
    if (tls.clientCaFile != null && tls.certFile == null) {
      throw new ConfigException("admin.tls.clientCaFile needs admin.tls.certFile and keyFile");
    }
    if (tls.keyFile != null) {
      PskFile.requireOwnerOnly(tls.keyFile, "admin.tls.keyFile", "the admin API's private key");
    }
    if (token == null && tls.clientCaFile == null && !isLoopback(host())) {
      throw new ConfigException("admin.host " + host() + " lets other machines reach the admin API: set admin.tokenFile"
          + " (a bearer token, owner-only) or admin.tls with clientCaFile (client certificates), or keep admin.host on 127.0.0.1");
    }
    return new Access(token, tls.certFile, tls.keyFile, tls.clientCaFile);
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }

  private static String readToken(Path file) {
    PskFile.requireOwnerOnly(file, "admin.tokenFile", "the admin token");
    String token;
    try {
      token = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new ConfigException("admin.tokenFile " + file + " cannot be read: " + e.getMessage());
    }
    if (token.length() < MIN_TOKEN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
      throw new ConfigException("admin.tokenFile " + file + " must hold one token of at least " + MIN_TOKEN_LENGTH
          + " printable characters without spaces (cairn credentials admin-token --file " + file + " makes one)");
    }
    return token;
  }

  /** {@code admin.tls:} HTTPS for the admin API. */
  public static final class Tls {
    private Path certFile;
    private Path keyFile;
    private Path clientCaFile;

    @JsonProperty("certFile")
    public void setCertFile(String value) {
      certFile = Path.of(nonBlank(value, "a PEM file with the admin API's certificate chain"));
    }

    @JsonProperty("keyFile")
    public void setKeyFile(String value) {
      keyFile = Path.of(nonBlank(value, "a PEM file with the admin API's private key"));
    }

    /** CAs of the operators' client certificates: with it, a client must present one, and it may use the whole API. */
    @JsonProperty("clientCaFile")
    public void setClientCaFile(String value) {
      clientCaFile = Path.of(nonBlank(value, "a PEM file with the CA certificates of the operators' client certificates"));
    }

    private static String nonBlank(String value, String what) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("must name " + what);
      }
      return value;
    }
  }
}
