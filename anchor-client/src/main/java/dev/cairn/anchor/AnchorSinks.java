package dev.cairn.anchor;

import dev.cairn.anchor.impl.HttpSink;
import dev.cairn.anchor.impl.LocalSink;
import dev.cairn.anchor.impl.Rfc3161Sink;
import java.net.URI;
import java.time.Duration;

/** The anchor sinks that ship with Cairn. */
public final class AnchorSinks {
  /** Longest one submission to a remote sink may take before it counts as failed and is retried. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private AnchorSinks() {}

  /** The signed checkpoint chain in the journal itself; evidence: the commitment. */
  public static AnchorSink local() {
    return new LocalSink();
  }

  /** An RFC 3161 Time-Stamp Authority reached by HTTP POST ({@code application/timestamp-query}). */
  public static AnchorSink rfc3161(String name, URI url, Duration timeout) {
    return new Rfc3161Sink(name, url, timeout);
  }

  /**
   * An Ethereum-compatible chain over JSON-RPC: the commitment in the calldata of a transaction from
   * the account of {@code privateKeyHex} to itself, waited for until {@code confirmations} deep.
   */
  public static AnchorSink ethereum(String name, URI rpcUrl, String privateKeyHex, int confirmations,
      Duration pollInterval, Duration timeout) {
    if (confirmations < 1) {
      throw new IllegalArgumentException("confirmations must be at least 1, was " + confirmations);
    }
    return new dev.cairn.anchor.impl.EthereumSink(name, rpcUrl, privateKeyHex, confirmations, pollInterval, timeout,
        Duration.ofMinutes(10));
  }

  /** A JSON webhook: POST of the checkpoint with {@code Authorization: Bearer token} (none if null). */
  public static AnchorSink http(String name, URI url, String bearerToken, Duration timeout) {
    return new HttpSink(name, url, bearerToken, timeout);
  }
}
