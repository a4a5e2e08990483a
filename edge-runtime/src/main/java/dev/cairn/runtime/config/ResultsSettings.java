package dev.cairn.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code results:} how long a job's result is kept in the journal after it is sent, for devices that fetch it
 * again by id or resubmit the job after a reboot.
 */
public final class ResultsSettings {
  /** Results are kept a day by default: a device that sleeps through the night still finds them. */
  public static final long DEFAULT_RETENTION_MS = 24L * 3600 * 1000;
  /** At most 30 days: longer belongs in the device's own store. */
  public static final long MAX_RETENTION_MS = 30L * 24 * 3600 * 1000;
  private static final Pattern DURATION = Pattern.compile("(\\d{1,10})\\s*(ms|s|m|h|d)");

  private long retentionMs = DEFAULT_RETENTION_MS;

  public long retentionMs() {
    return retentionMs;
  }

  /** {@code retention: 24h}: a number with ms, s, m, h or d; 0 keeps no results. */
  @JsonProperty("retention")
  public void setRetention(String value) {
    retentionMs = parseDuration(value, MAX_RETENTION_MS);
  }

  /**
   * Milliseconds of a duration such as {@code 24h}, {@code 90m}, {@code 30s}, {@code 500ms} or {@code 0}.
   *
   * @throws IllegalArgumentException saying what is allowed
   */
  static long parseDuration(String value, long maxMs) {
    String v = value == null ? "" : value.trim();
    if (v.equals("0")) {
      return 0;
    }
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw new IllegalArgumentException("must be a duration such as 24h, 90m, 30s or 500ms (or 0 for none), was '" + value + "'");
    }
    long n = Long.parseLong(m.group(1));
    long unit = switch (m.group(2)) {
      case "ms" -> 1;
      case "s" -> 1000;
      case "m" -> 60_000;
      case "h" -> 3_600_000;
      default -> 86_400_000;
    };
    if (n > maxMs / unit) {
      throw new IllegalArgumentException("must be at most " + (maxMs / 86_400_000) + "d, was '" + value + "'");
    }
    return n * unit;
  }
}
