package dev.cairn.scheduler;

/** A source of monotonic nanoseconds; tests inject one they can advance. */
@FunctionalInterface
public interface Ticker {
  long nanos();

  static Ticker system() {
    return System::nanoTime;
  }
}
