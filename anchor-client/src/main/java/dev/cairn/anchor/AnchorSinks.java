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

  /** A JSON webhook: POST of the checkpoint with {@code Authorization: Bearer token} (none if null). */
  public static AnchorSink http(String name, URI url, String bearerToken, Duration timeout) {
    return new HttpSink(name, url, bearerToken, timeout);
  }
}
