package dev.cairn.anchor.impl;

import dev.cairn.anchor.AnchorErrorCode;
import dev.cairn.anchor.AnchorException;
import dev.cairn.anchor.AnchorOptions;
import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.AnchorStats;
import dev.cairn.anchor.Checkpoint;
import dev.cairn.anchor.LeafInput;
import dev.cairn.anchor.Merkle;
import dev.cairn.anchor.SealedLeaf;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leaves are built on the caller's thread (CBOR, salt, hashes), then handed to one writer thread
 * that owns the journal: it inserts everything waiting in one transaction (group commit), completes
 * the appends after the commit, and seals batches by size or age.
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

  private final AnchorOptions options;
  private final Clock clock;
  private final GatewayKey key;
  private final Journal journal;
  private final SecureRandom random = new SecureRandom();
  private final LinkedBlockingQueue<Object> commands = new LinkedBlockingQueue<>();
  private final AtomicInteger pendingLeaves = new AtomicInteger();
  private final ArrayDeque<Journal.Unsealed> unsealed = new ArrayDeque<>();
  private final Thread writer;
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile boolean closing;
  private long nextSeq;
  private Checkpoint last;
  private volatile AnchorStats stats;

  private DefaultAnchorService(AnchorOptions options, Clock clock, GatewayKey key, Journal journal) throws SQLException {
    this.options = options;
    this.clock = clock;
    this.key = key;
    this.journal = journal;
    this.nextSeq = journal.nextSequence();
    this.last = journal.lastCheckpoint().orElse(null);
    this.unsealed.addAll(journal.unsealed());
    this.stats = new AnchorStats(journal.leafCount(), journal.checkpointCount(),
        last == null ? 0 : last.treeSize(), last == null ? null : HEX.formatHex(last.root()));
    if (!unsealed.isEmpty()) {
      LOG.info("{} found {} leaves not yet sealed; they go into the next batch", options.gatewayId(), unsealed.size());
    }
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
    if (closing) {
      return CompletableFuture.failedFuture(new AnchorException(AnchorErrorCode.CLOSED, "the anchor service is closed"));
    }
    if (pendingLeaves.incrementAndGet() > options.maxPendingLeaves()) {
      pendingLeaves.decrementAndGet();
      return CompletableFuture.failedFuture(new AnchorException(AnchorErrorCode.OVERLOADED,
          options.maxPendingLeaves() + " leaves are already waiting for the journal; the disk is not keeping up"));
    }
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    byte[] commitment = Hashes.sha256(salt, Cbor.outputBytes(in.outputs()));
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("v", 1);
    fields.put("gw", options.gatewayId());
    fields.put("dev", in.deviceId());
    fields.put("job", in.jobId());
    fields.put("k", in.kernel());
    fields.put("kv", in.kernelVersion());
    fields.put("in", in.inputDigest());
    fields.put("out", commitment);
    fields.put("be", in.backend());
    fields.put("rx", in.receivedMillis());
    fields.put("done", in.completedMillis());
    byte[] leaf = Cbor.encode(fields);
    Pending p = new Pending(in.deviceId(), in.jobId(), leaf, Merkle.leafHash(leaf), salt, clock.millis());
    commands.add(p);
    if (closed.isDone()) {
      // Raced with close(): the writer is gone and will never take it.
      p.done.completeExceptionally(new AnchorException(AnchorErrorCode.CLOSED, "the anchor service is closed"));
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
      return CompletableFuture.failedFuture(new AnchorException(AnchorErrorCode.CLOSED, "the anchor service is closed"));
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
  public synchronized CompletionStage<Void> close() {
    if (!closing) {
      closing = true;
      commands.add(new Command(Control.CLOSE, new CompletableFuture<>()));
    }
    return closed.copy();
  }

  private void write() {
    List<Object> batch = new ArrayList<>();
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
      for (Object o : batch) {
        if (o instanceof Pending p) {
          leaves.add(p);
        } else {
          controls.add((Command) o);
        }
      }
      if (!leaves.isEmpty()) {
        commit(leaves);
      }
      sealDue();
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
              } else {
                ((Command) o).done().completeExceptionally(new AnchorException(AnchorErrorCode.CLOSED, "closed"));
              }
            });
            if (!late.isEmpty()) {
              commit(late);
            }
            long sealed = sealAll();
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

  private void commit(List<Pending> leaves) {
    for (Pending p : leaves) {
      p.seq = nextSeq++;
    }
    try {
      journal.appendLeaves(leaves);
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
    for (Pending p : leaves) {
      unsealed.add(new Journal.Unsealed(p.seq, p.leafHash, p.createdMs));
    }
    updateStats();
    for (Pending p : leaves) {
      p.done.complete(new SealedLeaf(p.seq, p.leafHash, p.salt));
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
      journal.storeCheckpoint(signed);
    } catch (SQLException e) {
      LOG.error("{} could not store checkpoint {}; its leaves stay unsealed and are retried", options.gatewayId(), batchNo, e);
      return false;
    }
    for (int i = 0; i < size; i++) {
      unsealed.pollFirst();
    }
    last = signed;
    updateStats();
    LOG.debug("{} sealed batch {}: {} leaves, root {}", options.gatewayId(), batchNo, size, HEX.formatHex(root));
    return true;
  }

  private void updateStats() {
    stats = new AnchorStats(nextSeq, last == null ? 0 : last.batch(), last == null ? 0 : last.treeSize(),
        last == null ? null : HEX.formatHex(last.root()));
  }
}
