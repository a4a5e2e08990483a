package dev.cairn.runtime.metering;

import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.Canonical;
import dev.cairn.anchor.PeerSignature;
import dev.cairn.anchor.Statements;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageStatement;
import dev.cairn.anchor.usage.UsageTotals;
import dev.cairn.anchor.usage.UsageVerifier;
import dev.cairn.runtime.metering.PeerUsageMessages.Message;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage of work between gateways, on both sides. The executing gateway tells the requester, in each signed
 * answer, the epoch a job counts in and its CPU time ({@link #claim}); each epoch it sends every peer it worked
 * for its signed statement ({@link #sealed}). The requesting gateway records what each peer ran for it
 * ({@link #answered}: jobs, the bytes it sent and got, run time, the CPU time the answer claimed), compares a
 * statement's totals with those records, and countersigns it or keeps a dispute with both versions, telling
 * the executing gateway either way. Every bad message is refused with its reason, logged (at most once a
 * minute a kind) and counted by reason ({@link #refused()}); nothing refused is stored. Messages are handled
 * on the metering thread, at most {@link #MAX_WAITING} waiting.
 */
public final class PeerUsage {
  private static final Logger LOG = LoggerFactory.getLogger(PeerUsage.class);
  /** Claims kept for answers not sent yet (a job's answer follows its leaf within milliseconds). */
  static final int MAX_CLAIMS = 10_000;
  static final int MAX_WAITING = 1_000;

  /** The network as metering needs it. */
  public interface Link {
    /** The pinned key of {@code gateway}, or null when it is not a pinned peer. */
    byte[] peerKey(String gateway);

    /** Sends a usage message to {@code peer} on {@code cairn/net/usage/{peer}}; false when the broker did not take it. */
    boolean send(String peer, byte[] message);

    /** Logs a refusal of what a peer sent, at most once a minute for each {@code key}. */
    void refused(String key, String format, Object... args);
  }

  /** What the executing gateway says of one job it ran for a peer: the epoch it counts in, its CPU time. */
  public record Claim(long epoch, long cpuMicros) {}

  private record WorkKey(String peer, long epoch, String kernel) {}

  /** A refused message: its reason, and the counter it goes to. */
  private static final class Refusal extends Exception {
    final String kind;

    Refusal(String kind, String reason) {
      super(reason, null, false, false);
      this.kind = kind;
    }
  }

  private final String self;
  private final AnchorService anchor;
  private final PeerUsageStore store;
  private final BiFunction<String, Long, SignedUsage> ownStatement;
  private final Executor thread;
  private final Clock clock;
  private final int epochSeconds;
  private final Map<String, Claim> claims = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Claim> eldest) {
      return size() > MAX_CLAIMS;
    }
  };
  private final Map<WorkKey, UsageTotals> deltas = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> refused = new ConcurrentHashMap<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private volatile Link link;

  /**
   * @param ownStatement this gateway's sealed statement of a peer (id, epoch), or null when there is none
   */
  PeerUsage(String self, AnchorService anchor, PeerUsageStore store, BiFunction<String, Long, SignedUsage> ownStatement,
      Executor thread, Clock clock, int epochSeconds) {
    this.self = self;
    this.anchor = anchor;
    this.store = store;
    this.ownStatement = ownStatement;
    this.thread = thread;
    this.clock = clock;
    this.epochSeconds = epochSeconds;
  }

  /** Joins the network: statements are sent, and messages received, through {@code link}. */
  public void link(Link l) {
    this.link = l;
  }

  /** Keeps what a job run for a peer counted as, until its answer takes it ({@link #claim}). */
  void claimed(String leafHex, long epoch, long cpuMicros) {
    synchronized (claims) {
      claims.put(leafHex, new Claim(epoch, cpuMicros));
    }
  }

  /** What the job with leaf {@code leafHex} counted as here, for its answer; null when it was not counted. */
  public Claim claim(String leafHex) {
    if (leafHex == null) {
      return null;
    }
    synchronized (claims) {
      return claims.remove(leafHex);
    }
  }

  /**
   * Records a job {@code executor} ran for this gateway, with what its signed answer claimed ({@code
   * claimedEpoch} or -1, {@code claimedCpuMicros} or -1). Any thread; kept on disk at the next tick.
   */
  public void answered(String executor, JobRequest job, JobResult result, long claimedEpoch, long claimedCpuMicros) {
    if (!result.isOk()) {
      return; // refused or failed there: not metered there either
    }
    long own = Math.floorDiv(clock.millis(), epochSeconds * 1000L);
    // An answer's epoch is trusted within one of this gateway's: an epoch ends while a job is on its way.
    long epoch = claimedEpoch >= 0 && Math.abs(claimedEpoch - own) <= 1 ? claimedEpoch : own;
    UsageTotals t = UsageTotals.ofJob(Math.max(0, claimedCpuMicros), UsageMeter.inputBytes(job),
        Canonical.outputBytes(result.outputs()).length, result.runMicros());
    deltas.merge(new WorkKey(executor, epoch, job.kernel()), t, UsageTotals::plus);
  }

  /** Writes the records of the last second to usage-peers.db (metering thread). */
  void flush() {
    List<PeerUsageStore.Work> work = new ArrayList<>();
    for (WorkKey k : List.copyOf(deltas.keySet())) {
      UsageTotals t = deltas.remove(k);
      if (t != null) {
        work.add(new PeerUsageStore.Work(k.peer(), k.epoch(), k.epoch() * epochSeconds * 1000L, k.kernel(), t));
      }
    }
    if (work.isEmpty()) {
      return;
    }
    try {
      store.addWork(work);
    } catch (SQLException e) {
      LOG.warn("{} could not keep what peers ran for it; retried at the next tick: {}", self, e.getMessage());
      work.forEach(w -> deltas.merge(new WorkKey(w.peer(), w.epoch(), w.kernel()), w.totals(), UsageTotals::plus));
    }
  }

  /** Sends each new statement of a peer to that peer (metering thread). */
  void sealed(List<SignedUsage> statements) {
    Link l = link;
    for (SignedUsage u : statements) {
      UsageStatement s = u.statement();
      if (!UsageStatement.PEER.equals(s.subjectKind())) {
        continue;
      }
      if (l == null || !l.send(s.subjectId(), PeerUsageMessages.statement(self, s.subjectId(), u))) {
        LOG.warn("{} could not send its usage statement of epoch {} to {}: it is not connected to the network", self,
            s.epoch(), s.subjectId());
      }
    }
  }

  /** A usage message from the broker, with its transport signature (any thread). */
  public void received(byte[] payload, byte[] signature) {
    if (waiting.incrementAndGet() > MAX_WAITING) {
      waiting.decrementAndGet();
      count("busy");
      return;
    }
    try {
      thread.execute(() -> {
        waiting.decrementAndGet();
        handle(payload, signature);
      });
    } catch (RejectedExecutionException closed) {
      waiting.decrementAndGet();
    }
  }

  void handle(byte[] payload, byte[] signature) {
    String from = "?";
    try {
      Message m;
      try {
        m = PeerUsageMessages.parse(payload);
      } catch (IllegalArgumentException e) {
        throw new Refusal("malformed", e.getMessage());
      }
      from = m.from();
      byte[] key = link == null ? null : link.peerKey(from);
      if (key == null) {
        throw new Refusal("unpinned", "'" + from + "' is not a pinned peer");
      }
      if (!self.equals(m.to())) {
        throw new Refusal("not-for-us", "it is addressed to '" + m.to() + "'");
      }
      if (signature == null || !PeerSignature.USAGE.verify(key, payload, signature)) {
        throw new Refusal("wrong-key", "the message is not signed by " + from + "'s pinned key");
      }
      switch (m.type()) {
        case PeerUsageMessages.STATEMENT -> onStatement(m, key);
        case PeerUsageMessages.COUNTERSIGN -> onCountersign(m, key);
        default -> onDispute(m, key);
      }
    } catch (Refusal r) {
      count(r.kind);
      Link l = link;
      if (l != null) {
        l.refused("usage-" + r.kind + ":" + from, "{} refuses a usage message from {}: {}", self, from, r.getMessage());
      } else {
        LOG.info("{} refuses a usage message from {}: {}", self, from, r.getMessage());
      }
    } catch (SQLException e) {
      LOG.warn("{} could not handle a usage message from {}: {}", self, from, e.getMessage());
    }
  }

  /** The requesting side: a peer's statement of what it ran for this gateway. */
  private void onStatement(Message m, byte[] key) throws Refusal, SQLException {
    SignedUsage theirs = m.statement();
    UsageStatement s = theirs.statement();
    if (!m.from().equals(s.gatewayId()) || !UsageStatement.PEER.equals(s.subjectKind()) || !self.equals(s.subjectId())) {
      throw new Refusal("not-for-us", "its statement is of " + s.subjectKind() + " " + s.subjectId() + " on " + s.gatewayId()
          + ", not of peer " + self + " on " + m.from());
    }
    if (!Statements.verify(key, SignedUsage.DOMAIN, theirs.body(), theirs.signature())) {
      throw new Refusal("wrong-key", "its statement of epoch " + s.epoch() + " is not signed by the pinned key of " + m.from());
    }
    String settled = store.settled(PeerUsageStore.REQUESTED, m.from(), s.epoch());
    if (settled != null) {
      throw new Refusal("replayed", "its statement of epoch " + s.epoch() + " was already " + settled + " here");
    }
    flush();
    UsageStatement mine = UsageStatement.of(m.from(), UsageStatement.PEER, self, s.epoch(), s.epochSeconds(), s.previous(),
        store.work(m.from(), s.epoch()));
    List<String> differences = UsageVerifier.disagreement(mine, s);
    if (differences.isEmpty()) {
      byte[] cs = anchor.signStatement(SignedUsage.COUNTERSIGN_DOMAIN, theirs.body());
      store.received(theirs.countersignedBy(anchor.publicKey(), cs));
      send(m.from(), PeerUsageMessages.countersign(self, m.from(), theirs, cs));
      LOG.info("{} countersigned {}'s usage statement of epoch {}: {} jobs", self, m.from(), s.epoch(), s.totals().jobs());
      return;
    }
    SignedUsage ours = new SignedUsage(mine, mine.body(), anchor.signStatement(SignedUsage.DISPUTE_DOMAIN, mine.body()), null,
        null, null);
    store.dispute(new PeerUsageStore.Dispute(PeerUsageStore.REQUESTED, m.from(), s.epoch(), theirs, ours,
        String.join("; ", differences), clock.millis()));
    send(m.from(), PeerUsageMessages.dispute(self, m.from(), theirs, ours, differences));
    LOG.warn("{} disputes {}'s usage statement of epoch {}: {}", self, m.from(), s.epoch(), differences);
  }

  /** The executing side: this gateway's statement, as the peer names it, which must be the one sealed here. */
  private SignedUsage own(Message m) throws Refusal {
    UsageStatement s = m.statement().statement();
    if (!self.equals(s.gatewayId()) || !UsageStatement.PEER.equals(s.subjectKind()) || !m.from().equals(s.subjectId())) {
      throw new Refusal("not-for-us", "the statement is of " + s.subjectKind() + " " + s.subjectId() + " on " + s.gatewayId()
          + ", not of peer " + m.from() + " on " + self);
    }
    SignedUsage stored = ownStatement.apply(s.subjectId(), s.epoch());
    if (stored == null) {
      throw new Refusal("unknown-statement", "this gateway sealed no statement of " + m.from() + " for epoch " + s.epoch());
    }
    if (!Arrays.equals(stored.body(), m.statement().body())) {
      throw new Refusal("wrong-totals", "the statement it names for epoch " + s.epoch() + " is not the one sealed here: "
          + UsageVerifier.disagreement(stored.statement(), s));
    }
    return stored;
  }

  private void onCountersign(Message m, byte[] key) throws Refusal, SQLException {
    SignedUsage stored = own(m);
    UsageStatement s = stored.statement();
    if (!Statements.verify(key, SignedUsage.COUNTERSIGN_DOMAIN, stored.body(), m.countersignature())) {
      throw new Refusal("wrong-key", "the countersignature of epoch " + s.epoch() + " is not by the pinned key of " + m.from());
    }
    String settled = store.settled(PeerUsageStore.EXECUTED, m.from(), s.epoch());
    if (settled != null) {
      throw new Refusal("replayed", "the statement of epoch " + s.epoch() + " was already " + settled);
    }
    store.countersigned(s, key, m.countersignature());
    LOG.info("{} usage statement of {} epoch {} is countersigned", self, m.from(), s.epoch());
  }

  private void onDispute(Message m, byte[] key) throws Refusal, SQLException {
    SignedUsage stored = own(m);
    UsageStatement s = stored.statement();
    SignedUsage theirs = m.requesterVersion();
    UsageStatement t = theirs.statement();
    if (!Statements.verify(key, SignedUsage.DISPUTE_DOMAIN, theirs.body(), theirs.signature())) {
      throw new Refusal("wrong-key", "the disputing version of epoch " + s.epoch() + " is not signed by the pinned key of " + m.from());
    }
    List<String> differences = UsageVerifier.disagreement(s, t);
    if (differences.isEmpty() || !Arrays.equals(s.previous(), t.previous())) {
      throw new Refusal("wrong-totals", "a dispute of epoch " + s.epoch() + " must give other totals for the same statement");
    }
    String settled = store.settled(PeerUsageStore.EXECUTED, m.from(), s.epoch());
    if (settled != null) {
      throw new Refusal("replayed", "the statement of epoch " + s.epoch() + " was already " + settled);
    }
    store.dispute(new PeerUsageStore.Dispute(PeerUsageStore.EXECUTED, m.from(), s.epoch(), stored, theirs,
        String.join("; ", differences), clock.millis()));
    LOG.warn("{} usage statement of {} epoch {} is disputed: {}", self, m.from(), s.epoch(), differences);
  }

  private void send(String peer, byte[] message) {
    Link l = link;
    if (l == null || !l.send(peer, message)) {
      LOG.warn("{} could not send its answer to {}'s usage statement: it is not connected to the network", self, peer);
    }
  }

  private void count(String kind) {
    refused.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  /** Usage messages refused so far, by reason. */
  public Map<String, Long> refused() {
    Map<String, Long> out = new TreeMap<>();
    refused.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Disputes whose epoch starts in [fromMs, toMs), oldest first. Blocks on SQLite. */
  List<PeerUsageStore.Dispute> disputes(long fromMs, long toMs, int limit) throws SQLException {
    return store.disputes(fromMs, toMs, limit);
  }

  /** {@code u} with the countersignature its peer gave it, when there is one. Blocks on SQLite. */
  SignedUsage withCountersignature(SignedUsage u) throws SQLException {
    byte[][] c = store.countersignature(u.statement().subjectId(), u.statement().epoch());
    return c == null ? u : u.countersignedBy(c[0], c[1]);
  }

  int prune(long beforeMs) throws SQLException {
    return store.prune(beforeMs);
  }

  void close() {
    store.close();
  }
}
