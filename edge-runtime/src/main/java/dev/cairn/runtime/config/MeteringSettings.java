package dev.cairn.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cairn.anchor.usage.UsageStatement;

/**
 * {@code metering:} usage metering. Every job's leaf records what it took; with metering enabled (the
 * default) the gateway also sums it per device and seals a signed usage statement per device every
 * {@code epochSeconds}.
 */
public final class MeteringSettings {
  public static final int DEFAULT_EPOCH_SECONDS = 3600;

  private boolean enabled = true;
  private int epochSeconds = DEFAULT_EPOCH_SECONDS;

  public boolean enabled() {
    return enabled;
  }

  @JsonProperty("enabled")
  public void setEnabled(boolean value) {
    enabled = value;
  }

  public int epochSeconds() {
    return epochSeconds;
  }

  @JsonProperty("epochSeconds")
  public void setEpochSeconds(int value) {
    if (value < UsageStatement.MIN_EPOCH_SECONDS || value > UsageStatement.MAX_EPOCH_SECONDS) {
      throw new IllegalArgumentException("must be " + UsageStatement.MIN_EPOCH_SECONDS + " to "
          + UsageStatement.MAX_EPOCH_SECONDS + " seconds (one minute to 31 days), was " + value);
    }
    epochSeconds = value;
  }
}
