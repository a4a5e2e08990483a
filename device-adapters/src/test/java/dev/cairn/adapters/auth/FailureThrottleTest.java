package dev.cairn.adapters.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailureThrottleTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final FailureThrottle throttle = new FailureThrottle(now::get);

  private void advanceMs(long ms) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void theFirstFailuresAreFreeThenTheDelayDoublesUpToTheCap() {
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      delays.add(throttle.delayMillis("10.0.0.7"));
      throttle.recordFailure("10.0.0.7");
      advanceMs(1_000);
    }
    assertEquals(List.of(0L, 0L, 0L, 250L, 500L, 1000L, 2000L, 4000L, 8000L, 8000L, 8000L, 8000L), delays);
    assertEquals(0, throttle.delayMillis("10.0.0.8"));
  }

  @Test
  void aSuccessClearsTheAddress() {
    for (int i = 0; i < 5; i++) {
      throttle.recordFailure("10.0.0.7");
    }
    assertEquals(1000, throttle.delayMillis("10.0.0.7"));
    throttle.recordSuccess("10.0.0.7");
    assertEquals(0, throttle.delayMillis("10.0.0.7"));
    assertEquals(0, throttle.size());
  }

  @Test
  void failuresAreForgottenAfterAQuietPeriod() {
    for (int i = 0; i < 4; i++) {
      throttle.recordFailure("10.0.0.7");
    }
    advanceMs(FailureThrottle.DEFAULT_FORGET_AFTER_MS - 1);
    assertEquals(500, throttle.delayMillis("10.0.0.7"));
    // Another failure inside the period extends it.
    throttle.recordFailure("10.0.0.7");
    advanceMs(FailureThrottle.DEFAULT_FORGET_AFTER_MS - 1);
    assertEquals(1000, throttle.delayMillis("10.0.0.7"));
    advanceMs(1);
    assertEquals(0, throttle.delayMillis("10.0.0.7"));
    assertEquals(0, throttle.size());
    throttle.recordFailure("10.0.0.7");
    assertEquals(0, throttle.delayMillis("10.0.0.7"));
  }

  @Test
  void theTableIsBoundedForgettingTheOldestFailureFirst() {
    FailureThrottle small = new FailureThrottle(1, 100, 1_000, 3, 60_000, now::get);
    small.recordFailure("a");
    advanceMs(1);
    small.recordFailure("b");
    advanceMs(1);
    small.recordFailure("c");
    advanceMs(1);
    small.recordFailure("a"); // a is now the newest
    small.recordFailure("d"); // b goes
    assertEquals(3, small.size());
    assertEquals(0, small.delayMillis("b"));
    assertEquals(200, small.delayMillis("a"));
    assertEquals(100, small.delayMillis("c"));
    assertEquals(100, small.delayMillis("d"));
  }

  @Test
  void aFloodOfAddressesStaysWithinTheDefaultBound() {
    for (int i = 0; i < 3 * FailureThrottle.DEFAULT_MAX_ADDRESSES; i++) {
      throttle.recordFailure("10.1." + (i >> 8) + "." + (i & 255));
    }
    assertEquals(FailureThrottle.DEFAULT_MAX_ADDRESSES, throttle.size());
  }

  @Test
  void refusesSettingsThatMakeNoSense() {
    assertEquals("freeFailures must be at least 1 (an address without failures is never delayed), was 0",
        assertThrows(IllegalArgumentException.class, () -> new FailureThrottle(0, 250, 8000, 10, 1000, now::get)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> new FailureThrottle(3, 250, 100, 10, 1000, now::get));
    assertThrows(IllegalArgumentException.class, () -> new FailureThrottle(3, 250, 8000, 0, 1000, now::get));
    assertThrows(IllegalArgumentException.class, () -> new FailureThrottle(3, 250, 8000, 10, 0, now::get));
  }
}
