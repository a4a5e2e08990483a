package dev.cairn.adapters.coap;

import java.util.Map;
import java.util.Objects;

/**
 * Options of the CoAP endpoint.
 *
 * @param host address to bind
 * @param port UDP port of plain CoAP (0 binds a free one)
 * @param plain whether plain (unencrypted) CoAP is served; devices then name themselves with {@code ?d=}. With
 *     plain CoAP off and no coaps, CoAP is off.
 * @param recentJobs CoAP jobs whose state {@code GET /jobs/{id}} keeps answering after they finish
 * @param dtlsPort UDP port of coaps (DTLS 1.2, pre-shared keys and/or X.509), or -1 for none (0 binds a free one)
 * @param pskKeys per-device pre-shared keys: the PSK identity is the device id
 * @param certificates X.509 instead of, or beside, pre-shared keys; null for none
 */
public record CoapEndpointOptions(String host, int port, boolean plain, int recentJobs, int dtlsPort,
    Map<String, byte[]> pskKeys, X509 certificates) {
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 5683;
  public static final int DEFAULT_RECENT_JOBS = 10_000;
  public static final int DEFAULT_DTLS_PORT = 5684;

  public CoapEndpointOptions {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
    }
    if (recentJobs < 1) {
      throw new IllegalArgumentException("recentJobs must be at least 1, was " + recentJobs);
    }
    if (dtlsPort < -1 || dtlsPort > 65535) {
      throw new IllegalArgumentException("dtlsPort must be -1 (off) or 0 to 65535, was " + dtlsPort);
    }
    pskKeys = Map.copyOf(pskKeys);
    if (dtlsPort >= 0 && pskKeys.isEmpty() && certificates == null) {
      throw new IllegalArgumentException("coaps needs device keys or X.509 certificates");
    }
  }

  public CoapEndpointOptions(String host, int port, boolean plain, int recentJobs) {
    this(host, port, plain, recentJobs, -1, Map.of(), null);
  }

  public CoapEndpointOptions(String host, int port, boolean plain, int recentJobs, int dtlsPort, Map<String, byte[]> pskKeys) {
    this(host, port, plain, recentJobs, dtlsPort, pskKeys, null);
  }

  /**
   * DTLS with X.509 certificates: the gateway presents {@code credentials} (a PEM file with its private
   * key and certificate chain) and accepts devices whose certificate chains to one of {@code trusted}
   * (a PEM file of CA certificates). A device's id is its certificate's subject common name (CN).
   */
  public record X509(java.nio.file.Path credentials, java.nio.file.Path trusted) {
    public X509 {
      Objects.requireNonNull(credentials, "credentials");
      Objects.requireNonNull(trusted, "trusted");
    }
  }

  public static CoapEndpointOptions defaults() {
    return new CoapEndpointOptions(DEFAULT_HOST, DEFAULT_PORT, true, DEFAULT_RECENT_JOBS);
  }

  public CoapEndpointOptions withPort(int newPort) {
    return new CoapEndpointOptions(host, newPort, plain, recentJobs, dtlsPort, pskKeys, certificates);
  }

  public CoapEndpointOptions withHost(String newHost) {
    return new CoapEndpointOptions(newHost, port, plain, recentJobs, dtlsPort, pskKeys, certificates);
  }
}
