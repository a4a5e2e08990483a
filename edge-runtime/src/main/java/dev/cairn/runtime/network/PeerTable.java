package dev.cairn.runtime.network;

import dev.cairn.anchor.PeerSignature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pinned peers and what this gateway knows of each. A state is read from the clock when asked, so it
 * needs no timer: {@code up} while announcements come within {@code unknownAfterMs}, {@code unknown} after
 * that (or while the only announcement heard is a retained one, possibly stale), {@code down} after
 * {@code downAfterMs}, {@code quarantined} from the operator until lifted. Thread-safe.
 *
 * <p>Each peer's reputation {@code score}, from 0 to 1, is the product of three factors, each 1 for a
 * peer not yet asked:
 * <ul>
 *   <li>reliability {@code (answered + 1) / (answered + timedOut + 1)}: jobs it answered in time over
 *       jobs sent to it, counting one answered to begin with;
 *   <li>agreement {@code (agreed + 1) / (agreed + contradicted + 1)}: its answers to replicated jobs
 *       that matched the delivered quorum over those that matched it or contradicted it (a contradiction
 *       also quarantines it; the count stays when the quarantine is lifted);
 *   <li>speed {@code LATENCY_SCALE_MS / (LATENCY_SCALE_MS + latencyMs)}, with {@value #LATENCY_SCALE_MS}
 *       ms: a peer whose jobs come back in 10 ms keeps 0.99, in a second 0.5.
 * </ul>
 * So {@code score = reliability * agreement * speed}; placement divides a peer's predicted finish
 * time by it ({@link FinishTimes}).
 */
public final class PeerTable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerTable.class);
  /** Weight of the newest sample in the round-trip average. */
  static final double LATENCY_WEIGHT = 0.2;
  /** The round trip, in ms, at which the speed factor of a peer's score is one half. */
  static final double LATENCY_SCALE_MS = 1000;

  /** A peer's state, as {@code GET /v1/peers} and {@code cairn peers} show it. */
  public enum State {
    UP,
    UNKNOWN,
    DOWN,
    QUARANTINED;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One peer as seen now.
   *
   * @param last its newest accepted announcement, or null if none was heard
   * @param latencyMs the average round trip of jobs it ran for this gateway, or -1 before the first
   * @param runMs the average time its answers say a job ran there, or -1 before the first
   * @param score from 0 to 1: reliability times agreement times speed (see the class comment)
   * @param agreed its answers to replicated jobs that matched the quorum delivered
   * @param contradicted its answers to replicated jobs that contradicted the quorum delivered
   */
  public record Peer(String id, State state, Announcement last, long heardAtMillis, double latencyMs, double runMs, double score,
      long answered, long timedOut, long agreed, long contradicted, String quarantineReason) {

    /** Its reliability times its agreement: the score without its speed; 1 for a peer not asked yet. */
    public double trust() {
      return PeerTable.score(answered, timedOut, agreed, contradicted, -1);
    }

    /** Its announced queue over its whole queue: 0 idle, 1 full; 1 when not known. */
    public double load() {
      if (last == null) {
        return 1;
      }
      int total = last.queueLength() + last.freeCapacity();
      return total == 0 ? 1 : (double) last.queueLength() / total;
    }
  }

  private static final class Entry {
    Announcement last;
    long heardAt = -1;
    boolean live;
    double latencyMs = -1;
    double runMs = -1;
    long answered;
    long timedOut;
    long agreed;
    long contradicted;
    String quarantined;
  }

  private final String self;
  /** The keys of the pinned peers and of the endorsed ones heard so far (guarded by this). */
  private final Map<String, byte[]> keys = new java.util.HashMap<>();
  private final byte[] operatorKey;
  private final int maxPeers;
  private final Clock clock;
  private final long unknownAfterMs;
  private final long downAfterMs;
  private final long startedAt;
  private final LogLimiter ignored;
  private final Map<String, Entry> peers = new LinkedHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong ignoredCount = new java.util.concurrent.atomic.AtomicLong();

  public PeerTable(String self, Map<String, byte[]> pinned, Clock clock, long unknownAfterMs, long downAfterMs) {
    this(self, pinned, null, 0, clock, unknownAfterMs, downAfterMs);
  }

  /**
   * @param operatorKey the fleet operator's Ed25519 key: a gateway whose announcement carries its
   *     {@link Endorsement} is known without a pin; null when only pinned peers count
   * @param maxPeers how many peers this table holds at most, pinned ones included (endorsed ones past it are ignored)
   */
  public PeerTable(String self, Map<String, byte[]> pinned, byte[] operatorKey, int maxPeers, Clock clock, long unknownAfterMs,
      long downAfterMs) {
    this.self = self;
    this.keys.putAll(pinned);
    this.operatorKey = operatorKey == null ? null : operatorKey.clone();
    this.maxPeers = Math.max(maxPeers, pinned.size());
    this.clock = clock;
    this.unknownAfterMs = unknownAfterMs;
    this.downAfterMs = downAfterMs;
    this.startedAt = clock.millis();
    this.ignored = new LogLimiter(LOG, clock);
    pinned.keySet().forEach(id -> peers.put(id, new Entry()));
  }

  /** The pinned (or endorsed) key of {@code id}, or null when it is not a known peer. */
  synchronized byte[] key(String id) {
    return keys.get(id);
  }

  /**
   * Takes an announcement heard on {@code cairn/net/gateways/{topicId}}: counted only when it names the
   * topic's gateway, that gateway is pinned (or endorsed by the operator key this gateway trusts), the key
   * it announces is the pinned one, its signature verifies and it is newer than the last one. Anything else
   * is ignored and logged (rate-limited).
   *
   * @param retained whether the broker delivered it from its retained store (it may be old)
   * @return whether it was counted
   */
  public boolean accept(String topicId, byte[] payload, byte[] signature, boolean retained) {
    if (self.equals(topicId)) {
      return false;
    }
    byte[] key = key(topicId);
    if (key == null && (key = endorsedKey(topicId, payload)) == null) {
      return false;
    }
    if (signature == null || !PeerSignature.ANNOUNCE.verify(key, payload, signature)) {
      ignoredCount.incrementAndGet();
      ignored.warn("signature:" + topicId, "{} ignores an announcement for '{}': it is not signed by the key pinned for it",
          self, topicId);
      return false;
    }
    Announcement a;
    try {
      a = Announcement.parse(payload);
    } catch (IllegalArgumentException e) {
      ignoredCount.incrementAndGet();
      ignored.warn("malformed:" + topicId, "{} ignores the announcement of '{}': {}", self, topicId, e.getMessage());
      return false;
    }
    if (!a.id().equals(topicId) || !Arrays.equals(a.publicKey(), key)) {
      ignoredCount.incrementAndGet();
      ignored.warn("mismatch:" + topicId, "{} ignores an announcement on the topic of '{}': it names '{}' or another key",
          self, topicId, a.id());
      return false;
    }
    synchronized (this) {
      Entry e = peers.get(topicId);
      if (e == null) { // an endorsed gateway heard for the first time
        if (peers.size() >= maxPeers) {
          ignoredCount.incrementAndGet();
          ignored.warn("full", "{} ignores the endorsed gateway '{}': it already knows {} peers (network.maxPeers)", self,
              topicId, maxPeers);
          return false;
        }
        e = new Entry();
        peers.put(topicId, e);
        keys.putIfAbsent(topicId, key);
        LOG.info("{} knows gateway {} by the operator's endorsement of its key", self, topicId);
      }
      if (e.last != null && a.atMillis() <= e.last.atMillis()) {
        return false; // a replay, or the retained copy of one already heard
      }
      boolean wasKnown = e.last != null;
      e.last = a;
      e.heardAt = clock.millis();
      e.live = !retained;
      if (!wasKnown) {
        LOG.info("{} knows peer {}: kernels {}, backends {}, labels {}", self, topicId, a.kernels().keySet(), a.backends(), a.labels());
      }
      return true;
    }
  }

  /**
   * The key an unpinned gateway announces when its announcement carries an endorsement of that key by the
   * operator key this gateway trusts; null (logged) otherwise. Its signature is checked by the caller.
   */
  private byte[] endorsedKey(String topicId, byte[] payload) {
    String why;
    byte[] key = null;
    if (operatorKey == null) {
      why = "no key is pinned for it in network.peers";
    } else {
      try {
        Announcement a = Announcement.parse(payload);
        why = a.endorsement() == null ? "no key is pinned for it in network.peers, and it carries no operator endorsement"
            : a.endorsement().refusal(topicId, a.publicKey(), operatorKey);
        key = why == null ? a.publicKey() : null;
      } catch (IllegalArgumentException e) {
        why = e.getMessage();
      }
    }
    if (why != null) {
      ignoredCount.incrementAndGet();
      ignored.warn("unpinned:" + topicId, "{} ignores the announcement of '{}': {}", self, shown(topicId), why);
    }
    return key;
  }

  private static String shown(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }

  private State state(Entry e, long now) {
    if (e.quarantined != null) {
      return State.QUARANTINED;
    }
    long since = now - (e.heardAt < 0 ? startedAt : e.heardAt);
    if (since > downAfterMs) {
      return State.DOWN;
    }
    return e.live && since <= unknownAfterMs ? State.UP : State.UNKNOWN;
  }

  /** The reputation of a peer from its counts and average round trip (-1 when not measured): see the class comment. */
  static double score(long answered, long timedOut, long agreed, long contradicted, double latencyMs) {
    double reliability = (answered + 1.0) / (answered + timedOut + 1.0);
    double agreement = (agreed + 1.0) / (agreed + contradicted + 1.0);
    double speed = latencyMs < 0 ? 1 : LATENCY_SCALE_MS / (LATENCY_SCALE_MS + latencyMs);
    return reliability * agreement * speed;
  }

  private Peer view(String id, Entry e, long now) {
    return new Peer(id, state(e, now), e.last, e.heardAt, e.latencyMs, e.runMs,
        score(e.answered, e.timedOut, e.agreed, e.contradicted, e.latencyMs), e.answered, e.timedOut, e.agreed, e.contradicted,
        e.quarantined);
  }

  /** Announcements ignored since start: unpinned, badly signed, malformed or naming another gateway. */
  public long ignored() {
    return ignoredCount.get();
  }

  /** Every pinned peer, in the order of {@code network.peers}. */
  public synchronized List<Peer> peers() {
    long now = clock.millis();
    List<Peer> out = new ArrayList<>();
    peers.forEach((id, e) -> out.add(view(id, e, now)));
    return out;
  }

  /** The peer {@code id}, or null when it is not pinned. */
  public synchronized Peer peer(String id) {
    Entry e = peers.get(id);
    return e == null ? null : view(id, e, clock.millis());
  }

  /** Records the answer of a job sent to {@code id} after {@code roundTripMs}. */
  void answered(String id, double roundTripMs) {
    answered(id, roundTripMs, -1);
  }

  /**
   * Records the answer of a job sent to {@code id} after {@code roundTripMs}, which says the job ran for
   * {@code runMs} there (-1 when it did not run: a refusal).
   */
  synchronized void answered(String id, double roundTripMs, double runMs) {
    Entry e = peers.get(id);
    if (e != null) {
      e.answered++;
      e.latencyMs = average(e.latencyMs, roundTripMs);
      if (runMs >= 0) {
        e.runMs = average(e.runMs, runMs);
      }
    }
  }

  /** {@code mean} moved towards {@code sample} by {@link #LATENCY_WEIGHT}; the sample itself when {@code mean} is -1 (none yet). */
  static double average(double mean, double sample) {
    return mean < 0 ? sample : mean + LATENCY_WEIGHT * (sample - mean);
  }

  /** Records that {@code id}'s answer to a replicated job matched the quorum delivered. */
  synchronized void agreed(String id) {
    Entry e = peers.get(id);
    if (e != null) {
      e.agreed++;
    }
  }

  /** Records that {@code id}'s signed answer to a replicated job contradicted the quorum delivered. */
  synchronized void contradicted(String id) {
    Entry e = peers.get(id);
    if (e != null) {
      e.contradicted++;
    }
  }

  /** Records that {@code id} did not answer a job in time. */
  synchronized void timedOut(String id) {
    Entry e = peers.get(id);
    if (e != null) {
      e.timedOut++;
    }
  }

  /**
   * Quarantines a peer (no work goes to it and none is taken from it) or, with a null reason, lifts it.
   *
   * @return false when {@code id} is not a pinned peer
   */
  public synchronized boolean quarantine(String id, String reason) {
    Entry e = peers.get(id);
    if (e == null) {
      return false;
    }
    e.quarantined = reason;
    LOG.warn("{} {} peer {}{}", self, reason == null ? "lifted the quarantine of" : "quarantined", id,
        reason == null ? "" : ": " + reason);
    return true;
  }
}
