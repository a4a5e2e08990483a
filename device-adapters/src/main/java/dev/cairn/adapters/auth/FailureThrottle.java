package dev.cairn.adapters.auth;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Slows down password guessing from one remote address: after {@link #DEFAULT_FREE_FAILURES} failed
 * checks the endpoint waits {@link #DEFAULT_FIRST_DELAY_MS} before answering the next attempt, twice
 * as long after each further failure, up to {@link #DEFAULT_MAX_DELAY_MS}. A success clears the
 * address; an address without a failure for {@link #DEFAULT_FORGET_AFTER_MS} starts afresh.
 *
 * <p>The table holds at most {@link #DEFAULT_MAX_ADDRESSES} addresses; past that the one whose last
 * failure is oldest is forgotten, so a flood of addresses costs bounded memory. Thread-safe; time
 * comes from the given nanosecond clock.
 */
public final class FailureThrottle {
  /** Failures within the quiet period that cost no delay (a mistyped password or two). */
  public static final int DEFAULT_FREE_FAILURES = 3;
  /** Delay after the first failure past the free ones; it doubles with each further failure. */
  public static final long DEFAULT_FIRST_DELAY_MS = 250;
  /** Longest delay. */
  public static final long DEFAULT_MAX_DELAY_MS = 8_000;
  /** Addresses remembered at once. */
  public static final int DEFAULT_MAX_ADDRESSES = 4_096;
  /** Quiet period after which an address's failures are forgotten. */
  public static final long DEFAULT_FORGET_AFTER_MS = 10 * 60 * 1000;

  private record Failures(int count, long lastNanos) {}

  private final int freeFailures;
  private final long firstDelayMs;
  private final long maxDelayMs;
  private final int maxAddresses;
  private final long forgetAfterNanos;
  private final LongSupplier nanoTime;
  /** In order of last failure, oldest first: the eldest is both the first to expire and the one evicted. */
  private final LinkedHashMap<String, Failures> table = new LinkedHashMap<>();

  /** The {@code DEFAULT_*} throttle on the system's monotonic clock. */
  public FailureThrottle() {
    this(System::nanoTime);
  }

  /** The {@code DEFAULT_*} throttle on {@code nanoTime}. */
  public FailureThrottle(LongSupplier nanoTime) {
    this(DEFAULT_FREE_FAILURES, DEFAULT_FIRST_DELAY_MS, DEFAULT_MAX_DELAY_MS, DEFAULT_MAX_ADDRESSES, DEFAULT_FORGET_AFTER_MS, nanoTime);
  }

  public FailureThrottle(int freeFailures, long firstDelayMs, long maxDelayMs, int maxAddresses, long forgetAfterMs,
      LongSupplier nanoTime) {
    if (freeFailures < 1) {
      throw new IllegalArgumentException("freeFailures must be at least 1 (an address without failures is never delayed), was " + freeFailures);
    }
    if (firstDelayMs < 1 || maxDelayMs < firstDelayMs) {
      throw new IllegalArgumentException("delays must be 1 <= firstDelayMs <= maxDelayMs, were " + firstDelayMs + " and " + maxDelayMs);
    }
    if (maxAddresses < 1) {
      throw new IllegalArgumentException("maxAddresses must be at least 1, was " + maxAddresses);
    }
    if (forgetAfterMs < 1) {
      throw new IllegalArgumentException("forgetAfterMs must be at least 1, was " + forgetAfterMs);
    }
    this.freeFailures = freeFailures;
    this.firstDelayMs = firstDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.maxAddresses = maxAddresses;
    this.forgetAfterNanos = TimeUnit.MILLISECONDS.toNanos(forgetAfterMs);
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /** How long to wait before checking (or answering) the next attempt from {@code address}: 0 when it has few recent failures. */
  public synchronized long delayMillis(String address) {
    long now = nanoTime.getAsLong();
    forgetQuiet(now);
    Failures f = table.get(address);
    if (f == null || f.count() < freeFailures) {
      return 0;
    }
    long delay = firstDelayMs;
    for (int i = freeFailures; i < f.count() && delay < maxDelayMs; i++) {
      delay *= 2;
    }
    return Math.min(delay, maxDelayMs);
  }

  /** Counts a failed check from {@code address}. */
  public synchronized void recordFailure(String address) {
    long now = nanoTime.getAsLong();
    forgetQuiet(now);
    Failures f = table.remove(address);
    int count = f == null ? 1 : (int) Math.min(Integer.MAX_VALUE, f.count() + 1L);
    table.put(address, new Failures(count, now));
    if (table.size() > maxAddresses) {
      Iterator<String> eldest = table.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
  }

  /** Forgets {@code address}'s failures: the device behind it knows its password. */
  public synchronized void recordSuccess(String address) {
    table.remove(address);
  }

  /** Addresses with failures remembered. */
  public synchronized int size() {
    forgetQuiet(nanoTime.getAsLong());
    return table.size();
  }

  private void forgetQuiet(long now) {
    Iterator<Map.Entry<String, Failures>> it = table.entrySet().iterator();
    while (it.hasNext()) {
      if (now - it.next().getValue().lastNanos() < forgetAfterNanos) {
        return;
      }
      it.remove();
    }
  }
}
