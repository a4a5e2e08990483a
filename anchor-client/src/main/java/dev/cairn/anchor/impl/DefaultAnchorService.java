package dev.cairn.anchor.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.anchor.AnchorErrorCode;
import dev.cairn.anchor.AnchorProof;
import dev.cairn.anchor.AnchorSink;
import dev.cairn.anchor.AnchoredBatch;
import dev.cairn.anchor.Receipt;
import dev.cairn.anchor.ReceiptLookup;
import dev.cairn.anchor.AnchorException;
import dev.cairn.anchor.AnchorOptions;
import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.AnchorStats;
import dev.cairn.anchor.Checkpoint;
import dev.cairn.anchor.LeafInput;
import dev.cairn.anchor.Merkle;
import dev.cairn.anchor.SealedLeaf;
import dev.cairn.anchor.Statements;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leaves are built on the caller's thread (CBOR, salt, hashes), then handed to one writer thread
 * that owns the journal: it writes everything waiting to the leaf log with one sync (group commit),
 * completes the appends after the sync, and seals batches by size or age.
 */
public final class DefaultAnchorService implements AnchorService {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultAnchorService.class);
  private static final HexFormat HEX = HexFormat.of();
  /** Most leaves committed in one transaction. */
  static final int MAX_GROUP = 8192;
  /** Longest the writer sleeps before it looks at the clock again. */
  static final long MAX_POLL_MS = 50;

  /** A leaf waiting for its commit. */
  static final class Pending {
    final String deviceId;
    final String jobId;
    final byte[] leaf;
    final byte[] leafHash;
    final byte[] salt;
    final long createdMs;
    final CompletableFuture<SealedLeaf> done = new CompletableFuture<>();
    long seq;
    long outputBytes;

    Pending(String deviceId, String jobId, byte[] leaf, byte[] leafHash, byte[] salt, long createdMs) {
      this.deviceId = deviceId;
      this.jobId = jobId;
      this.leaf = leaf;
      this.leafHash = leafHash;
      this.salt = salt;
      this.createdMs = createdMs;
    }
  }

  private enum Control {
    SEAL_NOW,
    TICK,
    CLOSE
  }

  private record Command(Control control, CompletableFuture<Long> done) {}

  /** A sink's answer, back on the writer thread. */
  private record AnchorResult(long batch, String sink, AnchorProof proof, Throwable error) {}

  /** A sink's memo to make durable, on the writer thread. */
  private record Remember(long batch, String sink, String memo, CompletableFuture<Void> done) {}

  /** A receipt lookup, answered on the writer thread. */
  private record Lookup(String deviceId, String jobId, CompletableFuture<ReceiptLookup> done) {}

  /** Work on the kept results and sessions ({@link KeptJournal}), run on the writer thread. */
  private record Work(Journal.SqlWork<Object> work, CompletableFuture<Object> done) {}

  /** Retry delays: 500 ms doubling to at most a minute, each jittered by ±50%. */
  static final long BACKOFF_BASE_MS = 500;
  static final long BACKOFF_MAX_MS = 60_000;

  /** A sealed batch waiting for some sinks. */
  private static final class Anchoring {
    final Checkpoint checkpoint;
    final byte[] commitment;
    final Map<String, SinkState> sinks = new LinkedHashMap<>();

    Anchoring(Checkpoint checkpoint) {
      this.checkpoint = checkpoint;
      this.commitment = checkpoint.hash();
    }
  }

  private static final class SinkState {
    String memo;
    int attempts;
    long nextAttemptMs;
    boolean inFlight;
    String lastError;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Written only by the writer thread (see reconfigure). */
  private volatile AnchorOptions options;
  private final Clock clock;
  private final GatewayKey key;
  private final Journal journal;
  /** One generator per appending thread: a shared SecureRandom serialises every append on its lock. */
  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(DefaultAnchorService::drbg);

  /**
   * A DRBG per thread: the default NativePRNG reads /dev/urandom under one JVM-wide lock on every call,
   * which serialises appends; a DRBG is seeded once from the system and then runs in memory.
   */
  private static SecureRandom drbg() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (java.security.NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  }
  private final LinkedBlockingQueue<Object> commands = new LinkedBlockingQueue<>();
  private final AtomicInteger pendingLeaves = new AtomicInteger();
  private final ArrayDeque<Journal.Unsealed> unsealed = new ArrayDeque<>();
  private final Thread writer;
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile boolean closing;
  private long nextSeq;
  private boolean flushFailing;
  /** Syncs of the leaf log since start (one per committed group). */
  private long leafSyncs;
  /** What the writer took from the queue and is working on (failed if the writer stops). */
  private final List<Object> inHand = new ArrayList<>();
  /** Set when the writer stopped after an unexpected error: why appends fail. */
  private volatile AnchorException stopped;
  private Checkpoint last;
  private volatile AnchorStats stats;
  private final Map<String, AnchorSink> sinks = new LinkedHashMap<>();
  private final java.util.TreeMap<Long, Anchoring> anchoring = new java.util.TreeMap<>();
  private long syncNanos;
  private final List<Consumer<AnchoredBatch>> listeners = new CopyOnWriteArrayList<>();
  private final KeptJournal kept;

  private DefaultAnchorService(AnchorOptions options, Clock clock, GatewayKey key, Journal journal) throws SQLException {
    this.options = options;
    this.clock = clock;
    this.key = key;
    this.journal = journal;
    this.nextSeq = journal.nextSequence();
    this.last = journal.lastCheckpoint().orElse(null);
    this.unsealed.addAll(journal.unsealed());
    updateStats();
    if (!unsealed.isEmpty()) {
      LOG.info("{} found {} leaves not yet sealed; they go into the next batch", options.gatewayId(), unsealed.size());
    }
    options.sinks().forEach(s -> sinks.put(s.name(), s));
    for (Journal.OutboxRow row : journal.pendingAnchors()) {
      Anchoring a = anchoring.get(row.batch());
      if (a == null) {
        a = new Anchoring(journal.checkpoint(row.batch()).orElseThrow(
            () -> Journal.corrupt(options.dataDir().resolve(Journal.FILE), "the anchor outbox names batch " + row.batch() + " which has no checkpoint")));
        anchoring.put(row.batch(), a);
      }
      SinkState s = new SinkState();
      s.attempts = row.attempts();
      s.nextAttemptMs = row.nextAttemptMs();
      s.lastError = row.lastError();
      s.memo = row.memo();
      a.sinks.put(row.sink(), s);
      if (!sinks.containsKey(row.sink())) {
        LOG.warn("{} batch {} waits for anchor sink '{}', which is no longer configured; its receipts stay pending",
            options.gatewayId(), row.batch(), row.sink());
      }
    }
    if (!anchoring.isEmpty()) {
      LOG.info("{} {} sealed batches still wait for anchoring; resuming", options.gatewayId(), anchoring.size());
    }
    this.kept = new KeptJournal(journal.connection(), this::submitWork);
    this.writer = new Thread(this::write, "cairn-journal");
    this.writer.setDaemon(true);
  }

  public static AnchorService open(AnchorOptions options, Clock clock) {
    GatewayKey key = GatewayKey.loadOrCreate(options.dataDir());
    Journal journal = Journal.open(options.dataDir(), options.gatewayId(), key.publicKey());
    try {
      DefaultAnchorService s = new DefaultAnchorService(options, clock, key, journal);
      s.writer.start();
      return s;
    } catch (SQLException e) {
      journal.close();
      throw new AnchorException(AnchorErrorCode.JOURNAL_IO, "journal could not be read: " + e.getMessage(), e);
    }
  }

  @Override
  public CompletionStage<SealedLeaf> append(LeafInput in) {
    CompletableFuture<SealedLeaf> refused = admit();
    if (refused != null) {
      return refused;
    }
    byte[] salt = new byte[16];
    RANDOM.get().nextBytes(salt);
    byte[] outputs = Cbor.outputBytes(in.outputs());
    byte[] commitment = Hashes.sha256(salt, outputs);
    Cbor.Metered metered = new Cbor.Metered(in.inputBytes(), outputs.length, in.queueMicros(), in.cpuMicros(),
        in.runMicros());
    byte[] leaf = Cbor.leaf(options.gatewayId(), in.deviceId(), in.jobId(), in.kernel(), in.kernelVersion(),
        in.inputDigest(), commitment, in.backend(), in.receivedMillis(), in.completedMillis(), metered);
    Pending p = new Pending(in.deviceId(), in.jobId(), leaf, Merkle.leafHash(leaf), salt, clock.millis());
    p.outputBytes = outputs.length;
    return enqueue(p);
  }

  @Override
  public CompletionStage<SealedLeaf> appendLeaf(String lookupDevice, String lookupJob, byte[] leaf) {
    CompletableFuture<SealedLeaf> refused = admit();
    if (refused != null) {
      return refused;
    }
    return enqueue(new Pending(lookupDevice, lookupJob, leaf.clone(), Merkle.leafHash(leaf), new byte[0], clock.millis()));
  }

  @Override
  public byte[] signStatement(String domain, byte[] body) {
    return key.sign(Statements.message(domain, body));
  }

  @Override
  public long scanLeaves(long createdFromMs, java.util.function.ObjLongConsumer<byte[]> leaves) {
    return LeafScan.scan(options.dataDir(), createdFromMs, leaves);
  }

  /** Null when a leaf may be appended (and is counted as pending), else the refusal. */
  private CompletableFuture<SealedLeaf> admit() {
    if (closing) {
      return CompletableFuture.failedFuture(closedError());
    }
    if (pendingLeaves.incrementAndGet() > options.maxPendingLeaves()) {
      pendingLeaves.decrementAndGet();
      return CompletableFuture.failedFuture(new AnchorException(AnchorErrorCode.OVERLOADED,
          options.maxPendingLeaves() + " leaves are already waiting for the journal; the disk is not keeping up"));
    }
    return null;
  }

  private CompletionStage<SealedLeaf> enqueue(Pending p) {
    commands.add(p);
    if (closed.isDone()) {
      // Raced with close() or the writer's stop: the writer is gone and will never take it.
      p.done.completeExceptionally(closedError());
    }
    return p.done;
  }

  @Override
  public CompletionStage<Long> sealNow() {
    return control(Control.SEAL_NOW);
  }

  /** Makes the writer look at the clock now (tests advance an injected clock, then tick). */
  public CompletionStage<Long> tick() {
    return control(Control.TICK);
  }

  private CompletionStage<Long> control(Control c) {
    if (closing && c != Control.CLOSE) {
      return CompletableFuture.failedFuture(closedError());
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    commands.add(new Command(c, done));
    return done;
  }

  @Override
  public AnchorStats stats() {
    return stats;
  }

  @Override
  public byte[] publicKey() {
    return key.publicKey();
  }

  @Override
  public byte[] signForPeers(dev.cairn.anchor.PeerSignature domain, byte[] body) {
    return key.sign(domain.message(body));
  }

  @Override
  public synchronized CompletionStage<Void> close() {
    if (!closing) {
      closing = true;
      commands.add(new Command(Control.CLOSE, new CompletableFuture<>()));
    }
    return closed.copy();
  }

  /** New options for the writer thread to take. */
  private record Reconfigure(AnchorOptions next, CompletableFuture<Void> done) {}

  @Override
  public CompletionStage<Void> reconfigure(AnchorOptions next) {
    if (!next.dataDir().equals(options.dataDir()) || !next.gatewayId().equals(options.gatewayId())) {
      throw new IllegalArgumentException("the data directory and gateway id change only with a restart");
    }
    if (closed.isDone()) {
      return CompletableFuture.failedFuture(closedError());
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    commands.add(new Reconfigure(next, done));
    return done;
  }

  /**
   * The writer thread. An unexpected error (out of memory, a bug) stops it; rather than leave every
   * append and lookup waiting forever, everything waiting and everything after fails with the reason.
   */
  private void write() {
    try {
      writeUntilClosed();
    } catch (Throwable t) {
      stopAfter(t);
    }
  }

  /** Why the service takes nothing more: closed, or its writer stopped. */
  private AnchorException closedError() {
    AnchorException why = stopped;
    return why != null ? why : new AnchorException(AnchorErrorCode.CLOSED, "the anchor service is closed");
  }

  private void stopAfter(Throwable t) {
    AnchorException e = new AnchorException(AnchorErrorCode.JOURNAL_IO, "the journal writer stopped after an unexpected error ("
        + t + "); no more results can be made durable: restart the gateway (every result already released is in the journal)", t);
    stopped = e;
    closing = true;
    LOG.error("{} {}", options.gatewayId(), e.getMessage(), t);
    List<Object> rest = new ArrayList<>(inHand);
    commands.drainTo(rest);
    failAll(rest, e);
    try {
      journal.close();
    } catch (Throwable ignored) {
      // The leaf log already holds every leaf whose append completed.
    }
    closed.complete(null);
    // Appends that came in meanwhile; any later one sees the service closed.
    rest.clear();
    commands.drainTo(rest);
    failAll(rest, e);
  }

  private static void failAll(List<Object> commands, AnchorException e) {
    for (Object o : commands) {
      if (o instanceof Pending p) {
        p.done.completeExceptionally(e);
      } else if (o instanceof Command c) {
        c.done().completeExceptionally(e);
      } else if (o instanceof Lookup l) {
        l.done().completeExceptionally(e);
      } else if (o instanceof Remember m) {
        m.done().completeExceptionally(e);
      } else if (o instanceof Reconfigure r) {
        r.done().completeExceptionally(e);
      } else if (o instanceof Work w) {
        w.done().completeExceptionally(e);
      }
    }
  }

  private void writeUntilClosed() {
    List<Object> batch = inHand;
    while (true) {
      batch.clear();
      try {
        Object first = commands.poll(Math.min(MAX_POLL_MS, options.batchMaxDelayMs()), TimeUnit.MILLISECONDS);
        if (first != null) {
          batch.add(first);
          commands.drainTo(batch, MAX_GROUP - 1);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      List<Pending> leaves = new ArrayList<>(batch.size());
      List<Command> controls = new ArrayList<>(1);
      List<Work> works = new ArrayList<>();
      for (Object o : batch) {
        if (o instanceof Pending p) {
          leaves.add(p);
        } else if (o instanceof Work w) {
          works.add(w);
        } else if (o instanceof Command c) {
          controls.add(c);
        } else if (o instanceof AnchorResult r) {
          anchored(r);
        } else if (o instanceof Remember m) {
          remember(m);
        } else if (o instanceof Reconfigure r) {
          options = r.next();
          sinks.clear();
          r.next().sinks().forEach(s -> sinks.put(s.name(), s));
          LOG.info("{} anchoring reconfigured: batches of {} leaves or {} ms, sinks {}", options.gatewayId(),
              options.batchMaxLeaves(), options.batchMaxDelayMs(), sinks.keySet());
          r.done().complete(null);
        } else if (o instanceof Lookup l) {
          try {
            l.done().complete(lookup(l.deviceId(), l.jobId()));
          } catch (RuntimeException e) {
            LOG.error("{} receipt lookup of {} from {} failed", options.gatewayId(), l.jobId(), l.deviceId(), e);
            l.done().completeExceptionally(e);
          }
        }
      }
      if (!leaves.isEmpty()) {
        commit(leaves);
      }
      if (!works.isEmpty()) {
        runWorks(works);
      }
      flushDue();
      sealDue();
      dispatchAnchors();
      for (Command c : controls) {
        switch (c.control()) {
          case TICK -> c.done().complete(0L);
          case SEAL_NOW -> c.done().complete(sealAll());
          case CLOSE -> {
            // Leaves appended before close() are all in this drain or already committed.
            List<Object> rest = new ArrayList<>();
            commands.drainTo(rest);
            List<Pending> late = new ArrayList<>();
            rest.forEach(o -> {
              if (o instanceof Pending p) {
                late.add(p);
              } else if (o instanceof Command other) {
                other.done().completeExceptionally(new AnchorException(AnchorErrorCode.CLOSED, "closed"));
              } else if (o instanceof Lookup l) {
                l.done().completeExceptionally(new AnchorException(AnchorErrorCode.CLOSED, "closed"));
              } else if (o instanceof Work w) {
                w.done().completeExceptionally(new AnchorException(AnchorErrorCode.CLOSED, "closed"));
              } else if (o instanceof Remember m) {
                remember(m);
              }
              // Late sink answers are dropped: the outbox still says pending, so they are retried after restart.
            });
            if (!late.isEmpty()) {
              commit(late);
            }
            long sealed = sealAll();
            // Sinks that answer at once (local) finish now; slower ones resume from the outbox after restart.
            dispatchAnchors();
            List<Object> answers = new ArrayList<>();
            commands.drainTo(answers);
            answers.forEach(o -> {
              if (o instanceof AnchorResult r) {
                anchored(r);
              }
            });
            journal.close();
            LOG.info("{} journal closed; sealed {} leaves at close", options.gatewayId(), sealed);
            c.done().complete(sealed);
            closed.complete(null);
            return;
          }
          default -> throw new IllegalStateException();
        }
      }
    }
  }

  @Override
  public dev.cairn.anchor.kept.KeptStore kept() {
    return kept;
  }

  @SuppressWarnings("unchecked")
  private <T> CompletionStage<T> submitWork(Journal.SqlWork<T> work) {
    if (closing) {
      return CompletableFuture.failedFuture(closedError());
    }
    CompletableFuture<Object> done = new CompletableFuture<>();
    commands.add(new Work((Journal.SqlWork<Object>) work, done));
    if (closed.isDone()) {
      done.completeExceptionally(closedError());
    }
    return (CompletionStage<T>) done;
  }

  /**
   * Runs the kept-store work of one drain in one transaction; if it fails, each piece again alone, so one
   * bad piece fails only itself.
   */
  private void runWorks(List<Work> works) {
    List<Object> out;
    try {
      out = journal.inTransaction(() -> {
        List<Object> results = new ArrayList<>(works.size());
        for (Work w : works) {
          results.add(w.work().run());
        }
        return results;
      });
    } catch (SQLException | RuntimeException e) {
      for (Work w : works) {
        try {
          w.done().complete(journal.inTransaction(w.work()));
        } catch (SQLException | RuntimeException one) {
          LOG.error("{} kept results or sessions could not be written", options.gatewayId(), one);
          w.done().completeExceptionally(new AnchorException(AnchorErrorCode.JOURNAL_IO,
              "the journal could not be written: " + one.getMessage(), one));
        }
      }
      return;
    }
    for (int i = 0; i < works.size(); i++) {
      works.get(i).done().complete(out.get(i));
    }
  }

  private void commit(List<Pending> leaves) {
    for (Pending p : leaves) {
      p.seq = nextSeq++;
    }
    long syncStart = System.nanoTime();
    try {
      journal.appendLeaves(leaves, clock.millis());
    } catch (SQLException e) {
      nextSeq -= leaves.size();
      pendingLeaves.addAndGet(-leaves.size());
      LOG.error("{} could not commit {} leaves to the journal", options.gatewayId(), leaves.size(), e);
      AnchorException failure = new AnchorException(AnchorErrorCode.JOURNAL_IO,
          "the journal could not be written: " + e.getMessage(), e);
      leaves.forEach(p -> p.done.completeExceptionally(failure));
      return;
    }
    pendingLeaves.addAndGet(-leaves.size());
    leafSyncs++;
    syncNanos += System.nanoTime() - syncStart;
    for (Pending p : leaves) {
      unsealed.add(new Journal.Unsealed(p.seq, p.leafHash, p.createdMs));
    }
    updateStats();
    for (Pending p : leaves) {
      p.done.complete(new SealedLeaf(p.seq, p.leafHash, p.salt, p.outputBytes));
    }
  }

  /** Leaves are durable in the leaf log; SQLite takes them in larger groups, off the results' path. */
  private void flushDue() {
    try {
      journal.flushIfDue(clock.millis());
      if (flushFailing) {
        flushFailing = false;
        LOG.info("{} SQLite takes leaves from the leaf log again", options.gatewayId());
      }
    } catch (SQLException e) {
      if (!flushFailing) {
        flushFailing = true;
        LOG.error("{} SQLite cannot take the leaves waiting in the leaf log (they are durable there); retrying, "
            + "and new leaves are refused once too many wait", options.gatewayId(), e);
      }
    }
  }

  private void sealDue() {
    while (unsealed.size() >= options.batchMaxLeaves()) {
      if (!seal(options.batchMaxLeaves())) {
        return;
      }
    }
    if (!unsealed.isEmpty() && clock.millis() - unsealed.peekFirst().createdMs() >= options.batchMaxDelayMs()) {
      seal(unsealed.size());
    }
  }

  private long sealAll() {
    long n = 0;
    while (!unsealed.isEmpty()) {
      int size = Math.min(unsealed.size(), options.batchMaxLeaves());
      if (!seal(size)) {
        break;
      }
      n += size;
    }
    return n;
  }

  /** Seals the oldest {@code size} unsealed leaves into one batch; false if the journal refused. */
  private boolean seal(int size) {
    List<byte[]> hashes = new ArrayList<>(size);
    var it = unsealed.iterator();
    long first = unsealed.peekFirst().seq();
    for (int i = 0; i < size; i++) {
      hashes.add(it.next().leafHash());
    }
    byte[] root = Merkle.root(hashes);
    long batchNo = last == null ? 1 : last.batch() + 1;
    byte[] prev = last == null ? new byte[32] : last.hash();
    Checkpoint unsigned = new Checkpoint(options.gatewayId(), batchNo, size, first, root, prev, clock.millis(), new byte[0]);
    Checkpoint signed = new Checkpoint(unsigned.origin(), batchNo, size, first, root, prev, unsigned.timeMillis(),
        key.sign(unsigned.body()));
    try {
      journal.storeCheckpoint(signed, List.copyOf(sinks.keySet()), clock.millis());
    } catch (SQLException e) {
      LOG.error("{} could not store checkpoint {}; its leaves stay unsealed and are retried", options.gatewayId(), batchNo, e);
      return false;
    }
    for (int i = 0; i < size; i++) {
      unsealed.pollFirst();
    }
    last = signed;
    Anchoring a = new Anchoring(signed);
    for (String name : sinks.keySet()) {
      SinkState s = new SinkState();
      s.nextAttemptMs = clock.millis();
      a.sinks.put(name, s);
    }
    anchoring.put(batchNo, a);
    updateStats();
    LOG.debug("{} sealed batch {}: {} leaves, root {}", options.gatewayId(), batchNo, size, HEX.formatHex(root));
    return true;
  }

  /** Hands every due sink submission to its sink; answers come back as commands. */
  private void dispatchAnchors() {
    long now = clock.millis();
    for (Anchoring a : anchoring.values()) {
      for (Map.Entry<String, SinkState> e : a.sinks.entrySet()) {
        SinkState s = e.getValue();
        AnchorSink sink = sinks.get(e.getKey());
        if (sink == null || s.inFlight || s.nextAttemptMs > now) {
          continue;
        }
        s.inFlight = true;
        long batchNo = a.checkpoint.batch();
        CompletionStage<AnchorProof> stage;
        try {
          stage = sink.anchor(a.checkpoint, a.commitment, memo(batchNo, sink.name(), s.memo));
        } catch (RuntimeException ex) {
          stage = CompletableFuture.failedFuture(ex);
        }
        stage.whenComplete((proof, err) -> commands.add(new AnchorResult(batchNo, sink.name(), proof, err)));
      }
    }
  }

  private AnchorSink.Memo memo(long batch, String sink, String recalled) {
    return new AnchorSink.Memo() {
      @Override
      public String recalled() {
        return recalled;
      }

      @Override
      public CompletionStage<Void> remember(String note) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        commands.add(new Remember(batch, sink, note, done));
        return done;
      }
    };
  }

  private void remember(Remember m) {
    try {
      journal.remember(m.batch(), m.sink(), m.memo());
      Anchoring a = anchoring.get(m.batch());
      if (a != null && a.sinks.get(m.sink()) != null) {
        a.sinks.get(m.sink()).memo = m.memo();
      }
      m.done().complete(null);
    } catch (SQLException e) {
      m.done().completeExceptionally(new AnchorException(AnchorErrorCode.JOURNAL_IO, "memo could not be stored: " + e.getMessage(), e));
    }
  }

  private void anchored(AnchorResult r) {
    Anchoring a = anchoring.get(r.batch());
    SinkState s = a == null ? null : a.sinks.get(r.sink());
    if (s == null) {
      return;
    }
    s.inFlight = false;
    if (r.error() != null) {
      s.attempts++;
      long base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS << Math.min(20, s.attempts - 1));
      long delay = (long) (base * (0.5 + ThreadLocalRandom.current().nextDouble()));
      s.nextAttemptMs = clock.millis() + delay;
      s.lastError = rootMessage(r.error());
      // Offline for long, every batch retries: say it on the first failure and then every tenth.
      if (s.attempts == 1 || s.attempts % 10 == 0) {
        LOG.warn("{} anchoring batch {} to {} failed (attempt {}): {}; retrying in {} ms", options.gatewayId(), r.batch(),
            r.sink(), s.attempts, s.lastError, delay);
      } else {
        LOG.debug("{} anchoring batch {} to {} failed (attempt {}): {}", options.gatewayId(), r.batch(), r.sink(),
            s.attempts, s.lastError);
      }
      try {
        journal.recordFailure(r.batch(), r.sink(), s.attempts, s.nextAttemptMs, s.lastError);
      } catch (SQLException e) {
        LOG.error("{} could not record the failed attempt for batch {}", options.gatewayId(), r.batch(), e);
      }
      return;
    }
    try {
      journal.markAnchored(r.batch(), r.sink(), JSON.writeValueAsString(r.proof()));
    } catch (SQLException | JsonProcessingException e) {
      LOG.error("{} could not record the anchor of batch {} by {}; it will be submitted again", options.gatewayId(),
          r.batch(), r.sink(), e);
      s.nextAttemptMs = clock.millis() + BACKOFF_BASE_MS;
      return;
    }
    a.sinks.remove(r.sink());
    LOG.debug("{} batch {} anchored by {}", options.gatewayId(), r.batch(), r.sink());
    if (a.sinks.isEmpty()) {
      anchoring.remove(r.batch());
      updateStats();
      if (!listeners.isEmpty()) {
        notifyAnchored(a.checkpoint);
      }
    }
  }

  private void notifyAnchored(Checkpoint c) {
    try {
      List<Journal.StoredLeaf> leaves = journal.leavesOfBatch(c);
      List<AnchorProof> proofs = proofs(c.batch());
      List<List<byte[]>> paths = Merkle.inclusionPaths(leaves.stream().map(Journal.StoredLeaf::leafHash).toList());
      List<AnchoredBatch.Entry> entries = new ArrayList<>(leaves.size());
      for (int i = 0; i < leaves.size(); i++) {
        Journal.StoredLeaf l = leaves.get(i);
        entries.add(new AnchoredBatch.Entry(l.device(), l.job(),
            new Receipt(Receipt.VERSION, l.leaf(), i, paths.get(i), c, proofs, key.publicKey())));
      }
      AnchoredBatch batch = new AnchoredBatch(c.batch(), entries);
      for (Consumer<AnchoredBatch> listener : listeners) {
        try {
          listener.accept(batch);
        } catch (RuntimeException e) {
          LOG.error("{} a listener of anchored batches failed", options.gatewayId(), e);
        }
      }
    } catch (SQLException | JsonProcessingException e) {
      LOG.error("{} receipts of batch {} could not be built for publishing", options.gatewayId(), c.batch(), e);
    }
  }

  private List<AnchorProof> proofs(long batch) throws SQLException, JsonProcessingException {
    List<AnchorProof> out = new ArrayList<>();
    for (String json : journal.proofs(batch)) {
      out.add(JSON.readValue(json, AnchorProof.class));
    }
    return out;
  }

  private ReceiptLookup lookup(String deviceId, String jobId) {
    try {
      var found = journal.findLeaf(deviceId, jobId);
      if (found.isEmpty()) {
        return new ReceiptLookup(ReceiptLookup.Status.NOT_FOUND, null,
            "no result of job '" + jobId + "' from device '" + deviceId + "' is in this gateway's journal");
      }
      Journal.StoredLeaf leaf = found.get();
      if (leaf.batch() == null) {
        return new ReceiptLookup(ReceiptLookup.Status.PENDING, null,
            "job '" + jobId + "' is durable but its batch is not sealed yet (batches close every "
                + options.batchMaxLeaves() + " leaves or " + options.batchMaxDelayMs() + " ms)");
      }
      Anchoring a = anchoring.get(leaf.batch());
      if (a != null) {
        StringBuilder why = new StringBuilder("job '" + jobId + "' is in batch " + leaf.batch() + ", waiting for anchor sinks:");
        a.sinks.forEach((name, s) -> why.append(' ').append(name).append(" (").append(s.attempts).append(" attempts")
            .append(s.lastError == null ? "" : ", last error: " + s.lastError).append(')'));
        return new ReceiptLookup(ReceiptLookup.Status.PENDING, null, why.toString());
      }
      Checkpoint c = journal.checkpoint(leaf.batch()).orElseThrow();
      List<byte[]> hashes = journal.leafHashes(c.firstSequence(), c.treeSize());
      int index = (int) (leaf.seq() - c.firstSequence());
      Receipt r = new Receipt(Receipt.VERSION, leaf.leaf(), index, Merkle.inclusionPath(index, hashes), c,
          proofs(leaf.batch()), key.publicKey());
      return new ReceiptLookup(ReceiptLookup.Status.READY, r, "anchored");
    } catch (SQLException | JsonProcessingException e) {
      throw new AnchorException(AnchorErrorCode.JOURNAL_IO, "receipt could not be read: " + e.getMessage(), e);
    }
  }

  @Override
  public CompletionStage<ReceiptLookup> receipt(String deviceId, String jobId) {
    if (closing) {
      return CompletableFuture.failedFuture(closedError());
    }
    CompletableFuture<ReceiptLookup> done = new CompletableFuture<>();
    commands.add(new Lookup(deviceId, jobId, done));
    return done;
  }

  @Override
  public void onAnchored(Consumer<AnchoredBatch> listener) {
    listeners.add(listener);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private void updateStats() {
    // After every group commit: most of the time no batch waits for a sink and nothing is built.
    Map<String, AnchorStats.Backlog> backlog = anchoring.isEmpty() ? Map.of() : new java.util.TreeMap<>();
    for (Anchoring a : anchoring.values()) {
      for (String sink : a.sinks.keySet()) {
        AnchorStats.Backlog b = backlog.get(sink);
        backlog.put(sink, b == null ? new AnchorStats.Backlog(1, a.checkpoint.timeMillis())
            : new AnchorStats.Backlog(b.batches() + 1, Math.min(b.oldestMillis(), a.checkpoint.timeMillis())));
      }
    }
    stats = new AnchorStats(nextSeq, last == null ? 0 : last.batch(), last == null ? 0 : last.treeSize(),
        last == null ? null : HEX.formatHex(last.root()), leafSyncs, syncNanos, backlog);
  }
}
