package dev.cairn.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cairn.adapters.mqtt.SessionOptions;

/** {@code mqtt.sessions:} what the persistent sessions of sleeping devices may hold ({@link SessionOptions}). */
public final class SessionSettings {
  private int maxQueuedResults = SessionOptions.DEFAULT_MAX_QUEUED_RESULTS;
  private long maxQueuedBytes = SessionOptions.DEFAULT_MAX_QUEUED_BYTES;
  private long maxExpirySeconds = SessionOptions.DEFAULT_MAX_EXPIRY_SECONDS;

  @JsonProperty("maxQueuedResults")
  public void setMaxQueuedResults(int value) {
    maxQueuedResults = GatewayConfig.atLeast(1, value);
  }

  @JsonProperty("maxQueuedBytes")
  public void setMaxQueuedBytes(long value) {
    if (value < 1024) {
      throw new IllegalArgumentException("must be at least 1024, was " + value);
    }
    maxQueuedBytes = value;
  }

  @JsonProperty("maxExpirySeconds")
  public void setMaxExpirySeconds(long value) {
    if (value < 1 || value > 0xFFFFFFFEL) {
      throw new IllegalArgumentException("must be 1 to 4294967294 seconds, was " + value);
    }
    maxExpirySeconds = value;
  }

  public SessionOptions options() {
    return new SessionOptions(maxQueuedResults, maxQueuedBytes, maxExpirySeconds);
  }
}
