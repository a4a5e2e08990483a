package dev.cairn.runtime.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.AnchoredBatch;
import dev.cairn.anchor.ChainLeaf;
import dev.cairn.anchor.Merkle;
import dev.cairn.anchor.PeerSignature;
import dev.cairn.anchor.Receipt;
import dev.cairn.anchor.ReceiptCodec;
import dev.cairn.anchor.ReceiptLookup;
import dev.cairn.anchor.ReceiptVerifier;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receipts that chain two gateways' checkpoints. When a peer ran a device's job, this gateway journals its own
 * {@link ChainLeaf} naming the peer's leaf by hash before the device gets the result; the peer, once its batch
 * is anchored, sends its receipt of that leaf, signed ({@link PeerSignature#RECEIPT}), on
 * {@code cairn/net/receipts/{requester}}. It is taken only when signed by the sender's pinned key, its own
 * checkpoint verifies against that key, and its leaf is one this gateway waits for; it is kept in the data
 * directory ({@code peer-receipts/}). The device's receipt is ready, and published, once both are here: this
 * gateway's receipt with the peer's under {@code executed}.
 */
public final class ReceiptChain {
  private static final Logger LOG = LoggerFactory.getLogger(ReceiptChain.class);
  private static final HexFormat HEX = HexFormat.of();
  /** A receipt is a leaf, a path of about 10 hashes, a checkpoint and anchors (an RFC 3161 token is a few KB). */
  static final int MAX_RECEIPT_BYTES = 64 * 1024;
  /** Leaves of peers waited for, and device receipts waiting for them, at most. */
  static final int MAX_WAITING = 65_536;
  private static final Set<String> MUST_PASS = Set.of("leaf", "inclusion", "checkpoint signature");

  private final String self;
  private final AnchorService anchor;
  private final NetworkNode node;
  private final Vertx vertx;
  private final Clock clock;
  private final Path dir;
  private final BiConsumer<String, Receipt> toDevice;
  private final LogLimiter refused;
  private final java.util.concurrent.atomic.AtomicLong refusals = new java.util.concurrent.atomic.AtomicLong();
  private volatile String lastRefusal;
  /** Hex leaf hash of a peer's leaf -> the peer expected to send its receipt. */
  private final Map<String, String> awaited = bounded("peers' receipts awaited");
  /** Hex leaf hash of a peer's leaf -> this gateway's anchored receipt entry waiting for it. */
  private final Map<String, AnchoredBatch.Entry> deferred = bounded("device receipts waiting for a peer's");

  /** @param toDevice publishes a complete receipt on its device's receipts topic */
  public ReceiptChain(String self, AnchorService anchor, NetworkNode node, Vertx vertx, Clock clock, Path dataDir,
      BiConsumer<String, Receipt> toDevice) {
    this.self = self;
    this.anchor = anchor;
    this.node = node;
    this.vertx = vertx;
    this.clock = clock;
    this.dir = dataDir.resolve("peer-receipts");
    this.toDevice = toDevice;
    this.refused = new LogLimiter(LOG, clock);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("peer receipts directory " + dir + " cannot be created: " + e.getMessage(), e);
    }
    node.onReceipts(this::onReceipt);
  }

  private static <V> Map<String, V> bounded(String what) {
    return new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        if (size() <= MAX_WAITING) {
          return false;
        }
        LOG.warn("more than {} {}: the oldest ({}) is given up", MAX_WAITING, what, eldest.getKey());
        return true;
      }
    };
  }

  /**
   * Journals this gateway's leaf for {@code job}, which {@code a}'s gateway ran: the result, once it is durable,
   * names this leaf ({@code leaf}) and keeps the peer's salt, so the device checks either leaf's output commitment.
   */
  CompletionStage<JobResult> journal(JobRequest job, Quorum.Answer a) {
    JobResult r = a.result();
    if (!r.isOk()) {
      return CompletableFuture.completedFuture(r);
    }
    byte[] peerLeaf;
    byte[] salt;
    try {
      peerLeaf = HEX.parseHex(r.leaf());
      salt = HEX.parseHex(r.salt());
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(JobResult.error(job.id(), job.deviceId(), ErrorCode.INTERNAL,
          "job '" + job.id() + "': " + a.gateway() + "'s answer names no leaf hash and salt as hex"));
    }
    byte[] leaf = ChainLeaf.leaf(self, job.deviceId(), job.id(), job.kernel(), r.outputs(), salt, clock.millis(),
        List.of(new ChainLeaf.Link(a.gateway(), peerLeaf)));
    synchronized (this) {
      awaited.put(r.leaf(), a.gateway());
    }
    return anchor.appendLeaf(job.deviceId(), job.id(), leaf).handle((sealed, e) -> e != null
        ? JobResult.error(job.id(), job.deviceId(), ErrorCode.INTERNAL, "job '" + job.id() + "' ran on " + a.gateway()
            + ", and its leaf could not be journaled here: " + e.getMessage())
        : new JobResult(r.id(), r.deviceId(), r.status(), r.code(), r.message(), r.outputs(), r.backend(), r.queueMicros(),
            r.runMicros(), HEX.formatHex(sealed.leafHash()), r.salt(), r.replayed(), r.executedBy()));
  }

  /**
   * One receipt of a batch this gateway anchored (on a worker thread): the receipt to publish to its device now,
   * or null when it went to the peer whose device's job it is, or waits for the executing gateway's receipt.
   */
  public Receipt anchored(AnchoredBatch.Entry e) {
    int slash = e.deviceId().indexOf('/');
    if (slash > 0) {
      sendToPeer(e.deviceId().substring(0, slash), e.receipt());
      return null;
    }
    if (ChainLeaf.parse(e.receipt().leaf()).isEmpty()) {
      return e.receipt();
    }
    synchronized (this) {
      return complete(e);
    }
  }

  /** The receipt with every executing gateway's, or null after deferring it under the first one missing. */
  private Receipt complete(AnchoredBatch.Entry e) {
    List<Receipt.Executed> executed = executed(ChainLeaf.parse(e.receipt().leaf()).orElseThrow(),
        missing -> deferred.put(HEX.formatHex(missing.leafHash()), e));
    return executed == null ? null : e.receipt().withExecuted(executed);
  }

  /** The executing gateways' receipts kept here, or null after calling {@code missing} with the first one not here (worker thread). */
  private List<Receipt.Executed> executed(ChainLeaf.Parsed chain, java.util.function.Consumer<ChainLeaf.Link> missing) {
    List<Receipt.Executed> executed = new ArrayList<>();
    for (ChainLeaf.Link l : chain.executed()) {
      Receipt r = stored(HEX.formatHex(l.leafHash()));
      if (r == null) {
        missing.accept(l);
        return null;
      }
      executed.add(new Receipt.Executed(l.gateway(), r));
    }
    return executed;
  }

  /** The device's receipt: this gateway's, with the executing gateways' receipts when a peer ran the job. */
  public CompletionStage<ReceiptLookup> lookup(String device, String job) {
    return anchor.receipt(device, job).thenCompose(l -> {
      if (l.status() != ReceiptLookup.Status.READY) {
        return CompletableFuture.completedFuture(l);
      }
      ChainLeaf.Parsed chain = ChainLeaf.parse(l.receipt().leaf()).orElse(null);
      if (chain == null) {
        return CompletableFuture.completedFuture(l);
      }
      return vertx.executeBlocking(() -> {
        ChainLeaf.Link[] missing = new ChainLeaf.Link[1];
        List<Receipt.Executed> executed = executed(chain, m -> missing[0] = m);
        return executed != null ? new ReceiptLookup(ReceiptLookup.Status.READY, l.receipt().withExecuted(executed), null)
            : new ReceiptLookup(ReceiptLookup.Status.PENDING, null, self + "'s receipt is ready; the receipt of "
                + missing[0].gateway() + ", which ran the job (its leaf " + HEX.formatHex(missing[0].leafHash()) + "), has not arrived yet");
      }, false).toCompletionStage();
    });
  }

  private void sendToPeer(String peer, Receipt r) {
    ObjectNode o = Announcement.JSON.createObjectNode().put("v", 1).put("from", self).put("to", peer);
    try {
      o.set("receipt", Announcement.JSON.readTree(ReceiptCodec.toJson(r)));
      node.sendReceipt(peer, Announcement.JSON.writeValueAsBytes(o));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A receipt from the gateway that ran one of this gateway's devices' jobs, on Paho's thread. */
  private void onReceipt(byte[] payload, byte[] signature) {
    String from = "?";
    try {
      if (payload.length > MAX_RECEIPT_BYTES) {
        throw new IllegalArgumentException("it has " + payload.length + " bytes; at most " + MAX_RECEIPT_BYTES);
      }
      JsonNode o = Announcement.JSON.readTree(payload);
      if (o == null || !o.isObject() || o.path("v").asInt() != 1 || !o.path("from").isTextual() || !o.path("receipt").isObject()) {
        throw new IllegalArgumentException("it is not a version 1 JSON object with 'from' and 'receipt'");
      }
      from = o.path("from").asText();
      byte[] key = self.equals(from) ? anchor.publicKey() : node.peers().key(from);
      Receipt r = ReceiptCodec.read(Announcement.JSON.writeValueAsBytes(o.path("receipt")));
      String leaf = HEX.formatHex(Merkle.leafHash(r.leaf()));
      String problem = key == null ? "'" + from + "' is not a pinned peer"
          : signature == null || !PeerSignature.RECEIPT.verify(key, payload, signature) ? "it is not signed by " + from + "'s pinned key"
          : !self.equals(o.path("to").asText()) ? "it is addressed to '" + o.path("to").asText() + "'"
          : !from.equals(r.checkpoint().origin()) ? "its checkpoint is " + r.checkpoint().origin() + "'s"
          : !r.executed().isEmpty() ? "it names executing gateways of its own"
          : failed(r, key);
      synchronized (this) {
        if (problem == null && !from.equals(awaited.get(leaf))) {
          problem = "its leaf " + leaf + " is not one of a job " + from + " ran for this gateway that is awaited";
        }
        if (problem == null) {
          awaited.remove(leaf);
        }
      }
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      vertx.executeBlocking(() -> store(leaf, r), false)
          .onFailure(e -> LOG.error("{} could not keep {}'s receipt of leaf {}", self, o.path("from").asText(), leaf, e));
    } catch (IOException | IllegalArgumentException e) {
      lastRefusal = from + ": " + e.getMessage();
      refusals.incrementAndGet();
      refused.warn("receipt:" + from, "{} ignores a receipt from {}: {}", self, from, e.getMessage());
    }
  }

  /** Receipts refused from peers so far, and why the last one was. */
  public long refused() {
    return refusals.get();
  }

  public String lastRefusal() {
    return lastRefusal;
  }

  private static String failed(Receipt r, byte[] key) {
    List<String> failed = ReceiptVerifier.verify(r, key, null, null, null).stream()
        .filter(c -> !c.ok() && MUST_PASS.contains(c.name())).map(c -> c.name() + " (" + c.detail() + ")").toList();
    return failed.isEmpty() ? null : "its " + String.join(", ", failed) + " failed";
  }

  /** Keeps a peer's receipt, and publishes the device's receipt that waited for it (worker thread). */
  private Void store(String leaf, Receipt r) throws IOException {
    AnchoredBatch.Entry waiting;
    Receipt ready = null;
    synchronized (this) {
      Path tmp = dir.resolve(leaf + ".json.tmp");
      Files.write(tmp, ReceiptCodec.toJson(r));
      Files.move(tmp, dir.resolve(leaf + ".json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      waiting = deferred.remove(leaf);
      if (waiting != null) {
        ready = complete(waiting);
      }
    }
    LOG.debug("{} keeps {}'s receipt of leaf {}", self, r.checkpoint().origin(), leaf);
    if (ready != null) {
      toDevice.accept(waiting.deviceId(), ready);
    }
    return null;
  }

  /** A peer's receipt kept here, or null (worker thread). */
  private Receipt stored(String leaf) {
    Path p = dir.resolve(leaf + ".json");
    try {
      return Files.isRegularFile(p) ? ReceiptCodec.read(Files.readAllBytes(p)) : null;
    } catch (IOException e) {
      throw new UncheckedIOException("peer receipt " + p + " cannot be read: " + e.getMessage(), e);
    }
  }
}
