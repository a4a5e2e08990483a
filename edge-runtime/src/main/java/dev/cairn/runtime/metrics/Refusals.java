package dev.cairn.runtime.metrics;

import dev.cairn.scheduler.ErrorCode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last refusals, for the status page, and one INFO line per refusal with device, job id and code,
 * at most {@link #LINES_PER_SECOND} a second: past that, the lines of that second are counted and
 * their number logged with the next line.
 */
final class Refusals {
  private static final Logger LOG = LoggerFactory.getLogger("dev.cairn.runtime.Refusals");
  static final int KEPT = 50;
  static final int LINES_PER_SECOND = 20;
  /** Messages are shortened to this in the list and the log (a device's input may be in them). */
  static final int MAX_MESSAGE = 300;

  /** One refusal. */
  record Refusal(Instant at, String device, String job, ErrorCode code, String message) {}

  private final Clock clock;
  private final ArrayDeque<Refusal> recent = new ArrayDeque<>(KEPT);
  private long second = -1;
  private int linesThisSecond;
  private long suppressed;

  Refusals(Clock clock) {
    this.clock = clock;
  }

  synchronized void add(String device, String job, ErrorCode code, String message) {
    String m = message == null ? "" : message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "..." : message;
    Refusal r = new Refusal(clock.instant(), device, job == null ? "(no id)" : job, code, m);
    if (recent.size() == KEPT) {
      recent.removeFirst();
    }
    recent.addLast(r);
    long now = r.at().getEpochSecond();
    if (now != second) {
      second = now;
      linesThisSecond = 0;
    }
    if (++linesThisSecond > LINES_PER_SECOND) {
      suppressed++;
      return;
    }
    if (suppressed > 0) {
      LOG.info("refused {} from {}: {} {} ({} more refusals not logged, over {} lines a second)", job, device, code, m,
          suppressed, LINES_PER_SECOND);
      suppressed = 0;
    } else {
      LOG.info("refused {} from {}: {} {}", job, device, code, m);
    }
  }

  /** The most recent first. */
  synchronized List<Refusal> recent() {
    List<Refusal> out = new ArrayList<>(recent);
    java.util.Collections.reverse(out);
    return out;
  }
}
