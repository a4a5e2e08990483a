package dev.cairn.runtime.network;

import dev.cairn.anchor.PeerSignature;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.runtime.config.NetworkSettings;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.PlacementHint;
import dev.cairn.scheduler.Scheduler;
import dev.cairn.scheduler.SchedulerOptions;
import dev.cairn.scheduler.SchedulerStats;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler devices see: each job runs here, or on a peer when the device names one
 * ({@code "placement": {"gateway": ...}} or labels), when only peers have its kernel, or when the local
 * queue is full and an up peer with the kernel has room (its announced load under 1), or when the job's
 * {@code deadlineMs} would be missed in the local queue and a peer is predicted to finish it in time
 * ({@link FinishTimes}, which also ranks the peers); jobs with replicas go through {@link Replication}. A job for a peer
 * waits at most {@code offload.timeoutMs} for its answer, then goes to the next capable peer (up to
 * {@code offload.attempts}) unless the device named the gateway; however many peers were asked, the device
 * gets exactly one result, naming the gateway that ran it ({@code executedBy}). At most
 * {@code offload.maxInFlight} jobs wait for peers; past that an offload is refused with {@code BUSY}.
 * Without a network section every job runs here.
 */
public final class Offloader implements Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(Offloader.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Scheduler local;
  private final String self;
  private final NetworkNode node;
  private final NetworkSettings settings;
  private final Vertx vertx;
  private final int maxReplyBytes;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final FinishTimes finish;
  private final Replication replication;
  /** Journals this gateway's leaf of a job a peer ran; null without a network. */
  private final ReceiptChain chain;

  /** One job waiting for a peer. */
  private final class Pending {
    final JobRequest job;
    final CompletableFuture<Quorum.Answer> result;
    final List<String> candidates;
    final List<String> tried = new ArrayList<>();
    /** Whether any of the candidates may run it (not one the device named): a busy answer moves it on. */
    boolean anyPeer;
    /** Offered first to whichever gateway the broker chooses ({@code cairn/net/work/{kernel}}), then addressed. */
    boolean sharedFirst;
    String peer;
    long sentNanos;
    long timer;

    Pending(JobRequest job, CompletableFuture<Quorum.Answer> result, List<String> candidates) {
      this.job = job;
      this.result = result;
      this.candidates = candidates;
    }
  }

  /**
   * @param node the network, or null when this gateway has none
   */
  public Offloader(Scheduler local, String self, NetworkNode node, NetworkSettings settings, Vertx vertx) {
    this(local, self, node, settings, vertx, null);
  }

  /** @param chain journals this gateway's leaf of each job a peer ran ({@link ReceiptChain}), or null */
  public Offloader(Scheduler local, String self, NetworkNode node, NetworkSettings settings, Vertx vertx, ReceiptChain chain) {
    this.chain = chain;
    this.local = local;
    this.self = self;
    this.node = node;
    this.settings = settings;
    this.vertx = vertx;
    this.maxReplyBytes = 16 * 1024 * 1024;
    this.finish = new FinishTimes(settings.offload().timeoutMs());
    this.replication = new Replication(local, self, node, settings, finish, this::capable, (r, peer) -> send(r, List.of(peer), false));
    if (node != null) {
      node.onReplies(this::onReply);
    }
  }

  @Override
  public CompletionStage<JobResult> submit(JobRequest r) {
    boolean installed = local.catalog().find(r.kernel()).isPresent();
    // The device's kernels (acl) at this gateway hold wherever its job runs: a peer is no way around them. The
    // local scheduler refuses (and counts) what it could have run; what only peers have is refused here.
    String forbidden = local.options().devicePolicies().forDevice(r.deviceId()).kernelRefusal(r.deviceId(), r.kernel(),
        local.catalog());
    if (forbidden != null) {
      return installed ? local.submit(r) : refuse(r, ErrorCode.FORBIDDEN, forbidden);
    }
    PlacementHint hint = r.placement();
    PlacementHint configured = settings.replication().get(r.kernel());
    if (configured != null && node != null && (hint == null || (hint.gateway() == null && hint.replicas() == 1))) {
      hint = new PlacementHint(null, hint == null ? Map.of() : hint.labels(), configured.replicas(), configured.quorum());
    }
    if (hint != null && hint.replicas() > 1) {
      return replication.replicate(r, hint, installed);
    }
    if (hint != null && hint.gateway() != null && !hint.gateway().equals(self)) {
      return offload(r, List.of(hint.gateway()), false);
    }
    if (hint != null && !hint.labels().isEmpty() && (hint.gateway() == null || !hint.gateway().equals(self))) {
      if (node == null) {
        return refuse(r, ErrorCode.BAD_REQUEST, "placement asks for labels " + hint.labels() + ", and this gateway has no network section");
      }
      if (!(installed && settings.labels().entrySet().containsAll(hint.labels().entrySet()))) {
        List<String> peers = capable(r, hint.labels());
        return peers.isEmpty()
            ? refuse(r, ErrorCode.BUSY, "no gateway with labels " + hint.labels() + " is up with kernel '" + r.kernel() + "' now; retry later")
            : offload(r, peers, true);
      }
    } else if (!installed && node != null && (hint == null || hint.gateway() == null)) {
      List<String> peers = capable(r, Map.of());
      if (!peers.isEmpty()) {
        return offload(r, peers, true);
      }
    }
    if (node != null && hint == null && installed && r.deadlineMs() > 0) {
      List<String> sooner = sooner(r);
      if (!sooner.isEmpty()) {
        // When no peer takes it after all, it runs here: late, maybe, but not refused.
        return offload(r, sooner, true).thenCompose(res -> res.code() == ErrorCode.BUSY ? here(r) : CompletableFuture.completedFuture(res));
      }
    }
    CompletionStage<JobResult> here = local.submit(r);
    if (node != null && hint == null) {
      // A refusal completes before submit returns: a full queue sends the job to an up peer with room.
      CompletableFuture<JobResult> done = here.toCompletableFuture();
      if (done.isDone() && done.join().code() == ErrorCode.BUSY && queueFull()) {
        List<String> peers = capable(r, Map.of()).stream().filter(p -> node.peers().peer(p).load() < 1).toList();
        if (!peers.isEmpty()) {
          LOG.debug("{} queue full: job {} of {} goes to {}", self, r.id(), r.deviceId(),
              settings.offload().shared() ? "the broker's choice" : peers.get(0));
          return send(r, peers, true, settings.offload().shared()).thenCompose(a -> journaled(r, a));
        }
      }
    }
    return ranHere(here);
  }

  private CompletionStage<JobResult> here(JobRequest r) {
    return ranHere(local.submit(r));
  }

  private CompletionStage<JobResult> ranHere(CompletionStage<JobResult> here) {
    return here.thenApply(result -> {
      finish.ran(result);
      return result.withExecutedBy(List.of(self));
    });
  }

  /**
   * The peers predicted to finish {@code r} within its deadline, best first, when this gateway's queue is
   * predicted to make it miss the deadline; empty when it is not, or when no peer is predicted to do better.
   * Only jobs with a deadline pay for the look at the queue, and only once a job has run here.
   */
  private List<String> sooner(JobRequest r) {
    if (finish.localRunMs() <= 0) {
      return List.of(); // nothing measured yet: no wait is predicted
    }
    double waitMs = finish.localWaitMs(local.stats(), local.options().workerThreads());
    if (waitMs <= r.deadlineMs()) {
      return List.of();
    }
    List<String> peers = finish.meeting(capablePeers(r, Map.of()), r.deadlineMs()).stream().map(PeerTable.Peer::id).toList();
    LOG.debug("{} job {} of {}: the queue here is predicted to take {} ms, over its deadline of {} ms; {}", self, r.id(), r.deviceId(),
        Math.round(waitMs), r.deadlineMs(), peers.isEmpty() ? "no peer is predicted sooner: it runs here" : "it goes to " + peers.get(0));
    return peers;
  }

  /** Whether the local queue is full now (checked only after a BUSY refusal: it takes a stats snapshot). */
  private boolean queueFull() {
    return local.stats().queued() >= local.options().queueCapacity();
  }

  static CompletionStage<JobResult> refuse(JobRequest r, ErrorCode code, String message) {
    return CompletableFuture.completedFuture(JobResult.error(r.id(), r.deviceId(), code, "job '" + r.id() + "': " + message));
  }

  /** Up peers that announce the job's kernel and {@code labels}, lowest predicted finish first ({@link FinishTimes}). */
  private List<String> capable(JobRequest r, Map<String, String> labels) {
    return finish.rank(capablePeers(r, labels)).stream().map(PeerTable.Peer::id).collect(Collectors.toList());
  }

  private List<PeerTable.Peer> capablePeers(JobRequest r, Map<String, String> labels) {
    return node.peers().peers().stream()
        .filter(p -> p.state() == PeerTable.State.UP && p.last().kernels().containsKey(r.kernel())
            && p.last().labels().entrySet().containsAll(labels.entrySet()))
        .toList();
  }

  /** Why {@code peer} cannot take the job now, or null when it can. */
  private String unfit(JobRequest r, String peer) {
    if (node == null) {
      return "placement names gateway '" + peer + "', and this gateway has no network section";
    }
    PeerTable.Peer p = node.peers().peer(peer);
    if (p == null) {
      return "placement names gateway '" + peer + "', which is not a pinned peer of " + self + " (network.peers: "
          + node.peers().peers().stream().map(PeerTable.Peer::id).collect(Collectors.joining(", ")) + ")";
    }
    if (p.state() != PeerTable.State.UP) {
      return "gateway '" + peer + "' is " + p.state().label() + " and takes no new work now";
    }
    if (!p.last().kernels().containsKey(r.kernel())) {
      return "gateway '" + peer + "' has no kernel '" + r.kernel() + "' (it has " + String.join(", ", p.last().kernels().keySet()) + ")";
    }
    return null;
  }

  private CompletionStage<JobResult> offload(JobRequest r, List<String> candidates, boolean anyPeer) {
    return send(r, candidates, anyPeer).thenCompose(a -> journaled(r, a));
  }

  /** A peer's answer, once this gateway's leaf naming the peer's is durable (when the job ran). */
  private CompletionStage<JobResult> journaled(JobRequest r, Quorum.Answer a) {
    return chain == null || a.body() == null ? CompletableFuture.completedFuture(a.result()) : chain.journal(r, a);
  }

  private static Quorum.Answer refused(JobRequest r, String peer, ErrorCode code, String message) {
    return new Quorum.Answer(peer, JobResult.error(r.id(), r.deviceId(), code, "job '" + r.id() + "': " + message), null, null);
  }

  /** Sends the job to the first of {@code candidates} that takes it; the answer names the peer and holds its signed bytes. */
  private CompletableFuture<Quorum.Answer> send(JobRequest r, List<String> candidates, boolean anyPeer) {
    return send(r, candidates, anyPeer, false);
  }

  private CompletableFuture<Quorum.Answer> send(JobRequest r, List<String> candidates, boolean anyPeer, boolean sharedFirst) {
    if (!anyPeer) {
      String why = unfit(r, candidates.get(0));
      if (why != null) {
        PeerTable.Peer p = node == null ? null : node.peers().peer(candidates.get(0));
        return CompletableFuture.completedFuture(refused(r, candidates.get(0),
            p == null || p.state() == PeerTable.State.UP ? ErrorCode.BAD_REQUEST : ErrorCode.BUSY, why));
      }
    }
    if (inFlight.incrementAndGet() > settings.offload().maxInFlight()) {
      inFlight.decrementAndGet();
      return CompletableFuture.completedFuture(refused(r, null, ErrorCode.BUSY, settings.offload().maxInFlight()
          + " jobs already wait for peers (network.offload.maxInFlight); retry later"));
    }
    CompletableFuture<Quorum.Answer> result = new CompletableFuture<>();
    result.whenComplete((x, e) -> inFlight.decrementAndGet());
    Pending p = new Pending(r, result, new ArrayList<>(anyPeer ? candidates.subList(0, Math.min(candidates.size(),
        settings.offload().attempts())) : candidates));
    p.anyPeer = anyPeer;
    p.sharedFirst = sharedFirst;
    next(p, null);
    return result;
  }

  /** Sends the job to its next candidate, or ends it with {@code failure} when none is left. */
  private void next(Pending p, String failure) {
    while (!p.candidates.isEmpty()) {
      boolean shared = p.sharedFirst && p.tried.isEmpty();
      String peer = shared ? NetworkNode.ANY : p.candidates.remove(0);
      if (!p.tried.isEmpty() && unfit(p.job, peer) != null) {
        continue;
      }
      byte[] corrBytes = new byte[16];
      RANDOM.nextBytes(corrBytes);
      String corr = HexFormat.of().formatHex(corrBytes);
      p.peer = peer;
      p.tried.add(peer);
      p.sentNanos = System.nanoTime();
      pending.put(corr, p);
      p.timer = vertx.setTimer(settings.offload().timeoutMs(), t -> onTimeout(corr));
      byte[] body = WorkMessages.work(self, peer, corr, p.job);
      long expiry = Math.max(1, settings.offload().timeoutMs() / 1000);
      if (shared ? node.sendShared(p.job.kernel(), body, corr.getBytes(StandardCharsets.US_ASCII), expiry)
          : node.send(peer, body, corr.getBytes(StandardCharsets.US_ASCII), expiry)) {
        LOG.debug("{} sent job {} of {} to {} ({})", self, p.job.id(), p.job.deviceId(), peer, corr);
        return;
      }
      pending.remove(corr);
      vertx.cancelTimer(p.timer);
      failure = "the broker did not take the job for " + peer;
    }
    p.result.complete(refused(p.job, p.peer, ErrorCode.BUSY,
        (failure == null ? "no peer could take it" : failure) + " (tried " + String.join(", ", p.tried) + "); retry later"));
  }

  private void onTimeout(String corr) {
    Pending p = pending.remove(corr);
    if (p == null) {
      return; // answered meanwhile
    }
    node.peers().timedOut(p.peer);
    LOG.warn("{} job {} of {}: no answer from {} within {} ms", self, p.job.id(), p.job.deviceId(), p.peer, settings.offload().timeoutMs());
    next(p, "no answer from " + p.peer + " within " + settings.offload().timeoutMs() + " ms");
  }

  /** An answer from a peer: counted once, when it is the one awaited from that peer and signed by it. */
  private void onReply(byte[] payload, byte[] signature, byte[] correlation) {
    String corr = correlation == null ? "" : new String(correlation, StandardCharsets.US_ASCII);
    Pending p = pending.get(corr);
    if (p == null) {
      LOG.debug("{} drops an answer it does not wait for ({})", self, corr);
      return;
    }
    WorkMessages.Reply reply;
    try {
      reply = WorkMessages.parseReply(payload, maxReplyBytes, p.job.deviceId(), p.job.id());
    } catch (IllegalArgumentException e) {
      LOG.warn("{} drops a malformed answer for job {}: {}", self, p.job.id(), e.getMessage());
      return;
    }
    // A job offered to any gateway may be answered by any pinned peer that is not quarantined, or by this one.
    String responder = reply.from();
    byte[] key = NetworkNode.ANY.equals(p.peer) ? node.answerKey(responder)
        : p.peer.equals(responder) ? node.peers().key(p.peer) : null;
    if (key == null || !self.equals(reply.to()) || !corr.equals(reply.correlation())
        || signature == null || !PeerSignature.WORK_RESULT.verify(key, payload, signature)) {
      LOG.warn("{} drops an answer for job {} that is not signed by {}, or not for this request", self, p.job.id(), p.peer);
      return;
    }
    if (!pending.remove(corr, p)) {
      return;
    }
    vertx.cancelTimer(p.timer);
    node.answered(responder, p.job, reply);
    node.peers().answered(responder, (System.nanoTime() - p.sentNanos) / 1e6,
        reply.result().isOk() ? reply.result().runMicros() / 1000.0 : -1);
    if (p.anyPeer && reply.result().code() == ErrorCode.BUSY && !p.candidates.isEmpty()) {
      LOG.debug("{} job {} of {}: {} is busy; trying the next gateway", self, p.job.id(), p.job.deviceId(), responder);
      next(p, responder + " was busy: " + reply.result().message());
      return;
    }
    p.result.complete(new Quorum.Answer(responder, reply.result().withExecutedBy(List.of(responder)), payload, signature));
  }

  /** Jobs waiting for peers now. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Ends the jobs still waiting for peers with {@code BUSY}: this gateway is stopping. */
  public void failPending() {
    for (String corr : List.copyOf(pending.keySet())) {
      Pending p = pending.remove(corr);
      if (p != null) {
        vertx.cancelTimer(p.timer);
        p.result.complete(refused(p.job, p.peer, ErrorCode.BUSY, self + " is stopping before " + p.peer + " answered; send it again"));
      }
    }
  }

  @Override
  public SchedulerOptions options() {
    return local.options();
  }

  @Override
  public void reconfigure(SchedulerOptions options, KernelCatalog kernels) {
    local.reconfigure(options, kernels);
  }

  @Override
  public CompletionStage<Void> calibrated() {
    return local.calibrated();
  }

  @Override
  public KernelCatalog catalog() {
    return local.catalog();
  }

  @Override
  public SchedulerStats stats() {
    return local.stats();
  }

  @Override
  public CompletionStage<Void> stop() {
    failPending();
    return local.stop();
  }
}
