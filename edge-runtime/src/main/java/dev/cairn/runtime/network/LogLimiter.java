package dev.cairn.runtime.network;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Warnings about what peers (or strangers on the broker) send, at most one a minute for each key, with how
 * many were left out since: a flood of bad messages must not flood the log.
 */
final class LogLimiter {
  static final long PERIOD_MS = 60_000;
  private static final int MAX_KEYS = 1024;
  private final Logger log;
  private final Clock clock;
  private final Map<String, long[]> last = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
      return size() > MAX_KEYS;
    }
  };

  LogLimiter(Logger log, Clock clock) {
    this.log = log;
    this.clock = clock;
  }

  /** Logs {@code message} (SLF4J placeholders) unless {@code key} was logged less than a minute ago. */
  void warn(String key, String message, Object... args) {
    log(false, key, message, args);
  }

  /** The same at INFO: for refusals that are expected now and then and need no operator. */
  void info(String key, String message, Object... args) {
    log(true, key, message, args);
  }

  private synchronized void log(boolean info, String key, String message, Object... args) {
    long now = clock.millis();
    long[] s = last.get(key);
    if (s != null && now - s[0] < PERIOD_MS) {
      s[1]++;
      return;
    }
    long skipped = s == null ? 0 : s[1];
    last.put(key, new long[] {now, 0});
    String m = skipped > 0 ? message + " ({} more like it in the last minute)" : message;
    Object[] a = skipped > 0 ? append(args, skipped) : args;
    if (info) {
      log.info(m, a);
    } else {
      log.warn(m, a);
    }
  }

  private static Object[] append(Object[] args, long n) {
    Object[] out = java.util.Arrays.copyOf(args, args.length + 1);
    out[args.length] = n;
    return out;
  }
}
