package dev.cairn.runtime.metering;

import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.ReceiptLookup;
import dev.cairn.anchor.usage.JobLeaf;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageStatement;
import dev.cairn.anchor.usage.UsageTotals;
import dev.cairn.runtime.config.MeteringSettings;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals each epoch's usage into signed statements, one per device that used the gateway in it, and
 * appends each as a leaf, so it is anchored with every sink and gets a receipt. Runs on a thread of its
 * own ({@code cairn-metering}) that looks at the clock every second; an epoch is sealed {@link #GRACE_MS}
 * after it ends, so jobs that completed just before its end are in it. On start, the open epochs' usage
 * is rebuilt from the journal, and statements whose leaves may not have reached the journal are
 * appended again.
 */
public final class EpochSealer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EpochSealer.class);
  static final long GRACE_MS = 5_000;

  private final AnchorService anchor;
  private final String gatewayId;
  private final Clock clock;
  private final UsageStore store;
  private final UsageMeter meter;
  /** Work done here for peer gateways, by requesting gateway. */
  private final UsageMeter peerMeter;
  private PeerUsage peers;
  private final ScheduledExecutorService thread;
  private volatile Consumer<List<SignedUsage>> onSealed = list -> {};
  private boolean appendsFailed;
  private Settlement settlement;
  private long retentionMs = Long.MAX_VALUE;
  private long lastPruneMs;

  private EpochSealer(AnchorService anchor, String gatewayId, Clock clock, UsageStore store, UsageMeter meter) {
    this.anchor = anchor;
    this.gatewayId = gatewayId;
    this.clock = clock;
    this.store = store;
    this.meter = meter;
    this.peerMeter = new UsageMeter(meter.epochSeconds(), meter.sealedThrough());
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cairn-metering");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Opens {@code usage.db} in {@code dataDir}, rebuilds the open epochs from the journal and starts the
   * timer. Call before jobs run.
   *
   * @param settlement how statements are paid, or null
   * @throws IllegalStateException when usage.db cannot be opened
   */
  public static EpochSealer start(AnchorService anchor, String gatewayId, Path dataDir, int epochSeconds, Clock clock,
      MeteringSettings.Settlement settlement) {
    UsageStore store;
    PeerUsageStore peerStore;
    try {
      store = UsageStore.open(dataDir);
    } catch (SQLException e) {
      throw new IllegalStateException("usage metering could not open " + dataDir.resolve(UsageStore.FILE) + ": " + e.getMessage(), e);
    }
    try {
      peerStore = PeerUsageStore.open(dataDir);
    } catch (SQLException e) {
      store.close();
      throw new IllegalStateException("usage metering could not open " + dataDir.resolve(PeerUsageStore.FILE) + ": "
          + e.getMessage(), e);
    }
    try {
      long epochMs = epochSeconds * 1000L;
      long sealedThrough = store.sealedThrough(Math.floorDiv(clock.millis(), epochMs) - 1);
      long sealedAt = store.sealedAtMs();
      UsageMeter meter = new UsageMeter(epochSeconds, sealedThrough);
      EpochSealer s = new EpochSealer(anchor, gatewayId, clock, store, meter);
      s.peers = new PeerUsage(gatewayId, anchor, peerStore, s::ownStatement, s.thread, clock, epochSeconds);
      if (settlement != null) {
        s.settlement = new Settlement(settlement, store, clock, s.thread, gatewayId);
      }
      long openFrom = (sealedThrough + 1) * epochMs;
      long[] counted = {0};
      long scanned = anchor.scanLeaves(sealedAt > 0 ? Math.min(sealedAt, openFrom) : openFrom, (leaf, createdMs) ->
          JobLeaf.parse(leaf).ifPresent(j -> {
            if (meter.epochOf(j.completedMs()) > sealedThrough || (sealedAt > 0 && createdMs >= sealedAt)) {
              s.record(j.deviceId(), j.kernel(), j.completedMs(), j.totals(), null);
              counted[0]++;
            }
          }));
      LOG.info("{} metering: epochs of {} s, sealed through epoch {}; {} jobs of the open epochs taken back from {} "
          + "recent leaves", gatewayId, epochSeconds, sealedThrough, counted[0], scanned);
      s.thread.execute(s::appendUnappended);
      s.thread.scheduleWithFixedDelay(s::tick, 1, 1, TimeUnit.SECONDS);
      return s;
    } catch (SQLException | RuntimeException e) {
      store.close();
      peerStore.close();
      throw new IllegalStateException("usage metering could not start: " + e.getMessage(), e);
    }
  }

  public UsageMeter meter() {
    return meter;
  }

  /** Usage of work between this gateway and its peers. */
  public PeerUsage peers() {
    return peers;
  }

  /**
   * Counts a durable job: a device's, or, when its device id is {@code {peer}/{device}}, one run here for the
   * peer gateway, whose answer then claims the epoch and CPU time counted ({@code leafHex} names it; null when
   * the job is taken back from the journal).
   */
  public void record(String device, String kernel, long completedMs, UsageTotals job, String leafHex) {
    int slash = device.indexOf('/');
    if (slash < 0) {
      meter.record(device, kernel, completedMs, job);
      return;
    }
    long epoch = peerMeter.record(device.substring(0, slash), kernel, completedMs, job);
    if (leafHex != null) {
      peers.claimed(leafHex, epoch, job.cpuMicros());
    }
  }

  /** This gateway's sealed statement of work for {@code peer} in {@code epoch}, or null. */
  private SignedUsage ownStatement(String peer, long epoch) {
    long from = epoch * meter.epochSeconds() * 1000L;
    try {
      List<UsageStore.Row> rows = store.find(UsageStatement.PEER, peer, from, from + 1, 1);
      return rows.isEmpty() ? null : rows.get(0).usage();
    } catch (SQLException e) {
      LOG.warn("{} could not read its statement of {} epoch {}: {}", gatewayId, peer, epoch, e.getMessage());
      return null;
    }
  }

  /** Called on the metering thread with each epoch's new statements once they are stored. */
  public void onSealed(Consumer<List<SignedUsage>> listener) {
    this.onSealed = listener;
  }

  /** Runs the timer's check now (tests move an injected clock, then call this); completes when it ran. */
  public CompletionStage<Void> sealNow() {
    return CompletableFuture.runAsync(this::tick, thread);
  }

  private void tick() {
    try {
      meter.moveStragglers();
      peerMeter.moveStragglers();
      peers.flush();
      long due = meter.epochOf(clock.millis() - GRACE_MS) - 1;
      if (due > meter.sealedThrough()) {
        seal(due);
      }
      if (appendsFailed) {
        appendsFailed = false;
        appendUnappended();
      }
      if (settlement != null) {
        settlement.pump();
      }
      prune();
    } catch (RuntimeException e) {
      LOG.error("{} metering tick failed", gatewayId, e);
    }
  }

  /**
   * Keeps {@code metering.retentionDays} of statements in usage.db (each subject's last, and those not yet
   * paid or journaled, stay): older ones are still leaves of the journal, with their receipts.
   */
  public EpochSealer retention(java.time.Duration retention) {
    this.retentionMs = retention.toMillis();
    return this;
  }

  private void prune() {
    long now = clock.millis();
    if (retentionMs == Long.MAX_VALUE || now - lastPruneMs < 3_600_000) {
      return;
    }
    lastPruneMs = now;
    try {
      int n = store.prune(now - retentionMs) + peers.prune(now - retentionMs);
      if (n > 0) {
        LOG.info("{} removed {} usage statements older than {} days from {}", gatewayId, n, retentionMs / 86_400_000,
            UsageStore.FILE);
      }
    } catch (SQLException e) {
      LOG.warn("{} could not remove old usage statements: {}", gatewayId, e.getMessage());
    }
  }

  private void seal(long due) {
    long before = meter.sealedThrough();
    Map<Long, Map<String, Map<String, UsageTotals>>> taken = meter.takeThrough(due);
    Map<Long, Map<String, Map<String, UsageTotals>>> takenPeers = peerMeter.takeThrough(due);
    List<SignedUsage> statements = new ArrayList<>();
    sign(UsageStatement.DEVICE, taken, statements);
    sign(UsageStatement.PEER, takenPeers, statements);
    try {
      store.seal(due, clock.millis(), statements, settlement == null ? List.of() : settlement.paymentsFor(statements));
    } catch (SQLException e) {
      LOG.error("{} usage of epochs {} to {} could not be stored; it stays open and is sealed at the next try: {}",
          gatewayId, before + 1, due, e.getMessage());
      meter.putBack(before, taken);
      peerMeter.putBack(before, takenPeers);
      return;
    }
    LOG.info("{} sealed usage through epoch {}: {} statements", gatewayId, due, statements.size());
    statements.forEach(this::append);
    peers.sealed(statements);
    try {
      onSealed.accept(statements);
    } catch (RuntimeException e) {
      LOG.error("{} a listener of sealed usage failed", gatewayId, e);
    }
  }

  /** Signs a statement per subject and epoch of {@code taken}, each chained to the subject's one before. */
  private void sign(String kind, Map<Long, Map<String, Map<String, UsageTotals>>> taken, List<SignedUsage> statements) {
    Map<String, byte[]> previous = new HashMap<>();
    taken.forEach((epoch, subjects) -> new java.util.TreeMap<>(subjects).forEach((subject, kernels) -> {
      byte[] prev = previous.computeIfAbsent(subject, d -> store.lastHash(kind, d));
      UsageStatement st = UsageStatement.of(gatewayId, kind, subject, epoch, meter.epochSeconds(), prev, kernels);
      SignedUsage u = SignedUsage.sign(st, body -> anchor.signStatement(SignedUsage.DOMAIN, body));
      previous.put(subject, u.hash());
      statements.add(u);
    }));
  }

  private void append(SignedUsage u) {
    UsageStatement s = u.statement();
    anchor.appendLeaf(lookupDevice(s.subjectKind(), s.subjectId()), lookupJob(s.epoch()), u.body())
        .whenCompleteAsync((sealed, e) -> {
          if (e != null) {
            LOG.warn("{} statement of {} epoch {} is not in the journal yet ({}); retried", gatewayId, s.subjectId(),
                s.epoch(), e.getMessage());
            appendsFailed = true;
            return;
          }
          try {
            store.markAppended(s.subjectKind(), s.subjectId(), s.epoch());
          } catch (SQLException x) {
            LOG.warn("{} could not mark statement of {} epoch {} appended: {}", gatewayId, s.subjectId(), s.epoch(), x.getMessage());
          }
        }, thread);
  }

  private void appendUnappended() {
    try {
      List<UsageStore.Row> rows = store.unappended();
      if (!rows.isEmpty()) {
        LOG.info("{} appending {} usage statements whose leaves may not be in the journal", gatewayId, rows.size());
      }
      rows.forEach(r -> append(r.usage()));
    } catch (SQLException e) {
      LOG.error("{} could not read unappended usage statements: {}", gatewayId, e.getMessage());
      appendsFailed = true;
    }
  }

  /** The receipt lookup key of a subject's statements ('/' is in no device id). */
  static String lookupDevice(String kind, String subject) {
    return "usage/" + kind + "/" + subject;
  }

  static String lookupJob(long epoch) {
    return "epoch-" + epoch;
  }

  /**
   * Sealed statements of devices (one device, unless null) whose epoch starts in [fromMs, toMs), with
   * their receipts where anchored. Blocks on SQLite: call off the event loop.
   *
   * @throws IllegalArgumentException when more than {@code limit} match
   */
  public CompletionStage<List<SignedUsage>> statements(String device, long fromMs, long toMs, int limit) throws SQLException {
    return statements(UsageStatement.DEVICE, device, fromMs, toMs, limit);
  }

  /**
   * The same for statements of {@code kind} ({@code device}, or {@code peer}: work done here for peer gateways,
   * each with its peer's countersignature once given).
   */
  public CompletionStage<List<SignedUsage>> statements(String kind, String subject, long fromMs, long toMs, int limit)
      throws SQLException {
    List<UsageStore.Row> rows = store.find(kind, subject, fromMs, toMs, limit + 1);
    if (rows.size() > limit) {
      throw new IllegalArgumentException("more than " + limit + " statements match; ask for a shorter time (from, to)"
          + " or one " + kind);
    }
    List<CompletableFuture<SignedUsage>> out = new ArrayList<>();
    for (UsageStore.Row r : rows) {
      SignedUsage u = UsageStatement.PEER.equals(kind) ? peers.withCountersignature(r.usage()) : r.usage();
      out.add(anchor.receipt(lookupDevice(r.kind(), r.subject()), lookupJob(r.epoch())).toCompletableFuture()
          .thenApply(l -> l.status() == ReceiptLookup.Status.READY ? u.withReceipt(l.receipt()) : u));
    }
    return CompletableFuture.allOf(out.toArray(CompletableFuture[]::new))
        .thenApply(v -> out.stream().map(CompletableFuture::join).toList());
  }

  /** Confirmed and waiting payments. Blocks on SQLite. */
  public long[] paymentCounts() throws SQLException {
    return store.paymentCounts();
  }

  /** Sealed statement rows without receipts, for reports. Blocks on SQLite. */
  List<UsageStore.Row> rows(String device, long fromMs, long toMs, int limit) throws SQLException {
    return store.find(UsageStatement.DEVICE, device, fromMs, toMs, limit);
  }

  /**
   * Stops the timer and closes usage.db once the metering thread is idle, without waiting (safe on an
   * event loop). The open epochs need no saving: they are rebuilt from the journal on start.
   */
  @Override
  public void close() {
    try {
      thread.execute(() -> {
        store.close();
        peers.close();
      });
    } catch (java.util.concurrent.RejectedExecutionException alreadyClosed) {
      return;
    }
    thread.shutdown();
  }
}
