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
    long now = System.nanoTime();
    long due = next.get();
    if (due != Long.MIN_VALUE && now - due < 0 || !next.compareAndSet(due, now + intervalNanos)) {
      suppressed.incrementAndGet();
      return;
    }
    long left = suppressed.getAndSet(0);
    log.warn(left == 0 ? format : format + " (and " + left + " more like it since the last such line)", args);
  }
}
