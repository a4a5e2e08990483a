package dev.cairn.runtime.e2e;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock a test moves by hand (retention, expiry), starting at the real time. */
public final class TestClock extends Clock {
  private final AtomicLong millis = new AtomicLong(System.currentTimeMillis());

  public void advanceMillis(long ms) {
    millis.addAndGet(ms);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public long millis() {
    return millis.get();
  }
}
