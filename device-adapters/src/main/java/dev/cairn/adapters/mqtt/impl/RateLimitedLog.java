package dev.cairn.adapters.mqtt.impl;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A warning that a flood could repeat thousands of times a second: logged at most once per interval, the
 * next line saying how many were left out.
 */
final class RateLimitedLog {
  private final Logger log;
  private final long intervalNanos;
  private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedLog(Logger log, long intervalMs) {
    this.log = log;
    this.intervalNanos = intervalMs * 1_000_000;
  }

  void warn(String format, Object... args) {
    String f = due(format);
    if (f != null) {
      log.warn(f, args);
    }
  }

  void info(String format, Object... args) {
    String f = due(format);
    if (f != null) {
      log.info(f, args);
    }
  }

  /** The line to log now, with the count left out since the last one; null when it is not yet due. */
  private String due(String format) {
    long now = System.nanoTime();
    long due = next.get();
    if (due != Long.MIN_VALUE && now - due < 0 || !next.compareAndSet(due, now + intervalNanos)) {
      suppressed.incrementAndGet();
      return null;
    }
    long left = suppressed.getAndSet(0);
    return left == 0 ? format : format + " (and " + left + " more like it since the last such line)";
  }
}
