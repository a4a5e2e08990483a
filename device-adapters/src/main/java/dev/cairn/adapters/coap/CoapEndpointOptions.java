package dev.cairn.adapters.coap;

import java.util.Objects;

/**
 * Options of the CoAP endpoint.
 *
 * @param host address to bind
 * @param port UDP port of plain CoAP (0 binds a free one)
 * @param plain whether plain (unencrypted) CoAP is served; devices then name themselves with {@code ?d=}
 * @param recentJobs CoAP jobs whose state {@code GET /jobs/{id}} keeps answering after they finish
 */
public record CoapEndpointOptions(String host, int port, boolean plain, int recentJobs) {
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 5683;
  public static final int DEFAULT_RECENT_JOBS = 10_000;

  public CoapEndpointOptions {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
    }
    if (recentJobs < 1) {
      throw new IllegalArgumentException("recentJobs must be at least 1, was " + recentJobs);
    }
  }

  public static CoapEndpointOptions defaults() {
    return new CoapEndpointOptions(DEFAULT_HOST, DEFAULT_PORT, true, DEFAULT_RECENT_JOBS);
  }

  public CoapEndpointOptions withPort(int newPort) {
    return new CoapEndpointOptions(host, newPort, plain, recentJobs);
  }

  public CoapEndpointOptions withHost(String newHost) {
    return new CoapEndpointOptions(newHost, port, plain, recentJobs);
  }
}
