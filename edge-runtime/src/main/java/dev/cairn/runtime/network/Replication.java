package dev.cairn.runtime.network;

import dev.cairn.anchor.PeerSignature;
import dev.cairn.runtime.config.NetworkSettings;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.PlacementHint;
import dev.cairn.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs run on several gateways ({@code "replicas": k}, {@code "quorum": q}, or {@code network.replication}):
 * this one first when it has the kernel and the labels, then the best-ranked capable peers. The result is
 * delivered once q of them give the same outputs. When the k answers do not reach q (a replica disagreed or
 * failed), the job is sent to more distinct capable peers, up to {@code network.maxReplicas} replicas in all
 * ({@link Quorum}); past that, or with no capable peer left, the device gets {@code INTERNAL} naming what each
 * replica answered. Each agreeing peer's agreement counts in its score; a peer whose signed answer contradicts
 * the quorum is quarantined and the answers are published as evidence ({@link NetworkNode#evidence}).
 */
final class Replication {
  private static final Logger LOG = LoggerFactory.getLogger(Replication.class);

  private final Scheduler local;
  private final String self;
  private final NetworkNode node;
  private final NetworkSettings settings;
  private final FinishTimes finish;
  private final BiFunction<JobRequest, Map<String, String>, List<String>> capable;
  private final BiFunction<JobRequest, String, CompletableFuture<Quorum.Answer>> send;

  /**
   * @param capable the up peers with the job's kernel and the labels given, best first
   * @param send sends a job to one peer; its answer names the peer and holds its signed bytes
   */
  Replication(Scheduler local, String self, NetworkNode node, NetworkSettings settings, FinishTimes finish,
      BiFunction<JobRequest, Map<String, String>, List<String>> capable, BiFunction<JobRequest, String, CompletableFuture<Quorum.Answer>> send) {
    this.local = local;
    this.self = self;
    this.node = node;
    this.settings = settings;
    this.finish = finish;
    this.capable = capable;
    this.send = send;
  }

  CompletionStage<JobResult> replicate(JobRequest r, PlacementHint hint, boolean installed) {
    if (node == null) {
      return Offloader.refuse(r, ErrorCode.BAD_REQUEST, "replicas: " + hint.replicas()
          + " needs other gateways, and this gateway has no network section");
    }
    List<String> targets = new ArrayList<>();
    if (installed && settings.labels().entrySet().containsAll(hint.labels().entrySet())) {
      targets.add(self);
    }
    for (String p : capable.apply(r, hint.labels())) {
      if (targets.size() < hint.replicas()) {
        targets.add(p);
      }
    }
    if (targets.size() < hint.replicas()) {
      return Offloader.refuse(r, ErrorCode.BUSY, "replicas: " + hint.replicas() + " needs " + hint.replicas() + " gateways up with kernel '"
          + r.kernel() + "'" + labels(hint) + "; there are " + targets.size() + " " + targets + "; retry later");
    }
    // The local replica must leave the inputs as they are: the peers' requests are made from them too.
    JobRequest shared = new JobRequest(r.deviceId(), r.id(), r.kernel(), r.params(), r.inputs(), r.priority(), r.deadlineMs(),
        r.payloadBytes(), false, r.placement());
    LOG.debug("{} job {} of {} runs on {} (quorum {}, up to {} replicas)", self, r.id(), r.deviceId(), targets, hint.quorum(),
        settings.maxReplicas());
    return Quorum.run(r.id(), r.deviceId(), targets, hint.quorum(), settings.maxReplicas(), self, new Quorum.FailOver() {
      @Override
      public List<String> more(int n, Set<String> used) {
        List<String> more = capable.apply(r, hint.labels()).stream().filter(p -> !used.contains(p)).limit(n).toList();
        LOG.debug("{} job {} of {}: no quorum of {} among {}; failing over to {}", self, r.id(), r.deviceId(), hint.quorum(), used, more);
        return more;
      }

      @Override
      public CompletableFuture<Quorum.Answer> run(String gateway) {
        return gateway.equals(self) ? here(shared) : send.apply(shared, gateway);
      }

      @Override
      public String exhausted() {
        return "no other gateway is up with kernel '" + r.kernel() + "'" + labels(hint) + " to ask";
      }
    }, v -> judged(r, hint.quorum(), v));
  }

  private static String labels(PlacementHint hint) {
    return hint.labels().isEmpty() ? "" : " and labels " + hint.labels();
  }

  private CompletableFuture<Quorum.Answer> here(JobRequest shared) {
    return local.submit(shared).toCompletableFuture().thenApply(res -> {
      finish.ran(res);
      byte[] body = WorkMessages.reply(self, self, "local", res);
      return new Quorum.Answer(self, res, body, node.sign(PeerSignature.WORK_RESULT, body));
    });
  }

  /** Counts each agreeing peer's agreement in its score; a disagreement becomes evidence (and quarantines the dissenters). */
  private void judged(JobRequest r, int quorum, Quorum.Verdict v) {
    v.agreeing().stream().map(Quorum.Answer::gateway).filter(g -> !self.equals(g)).forEach(node.peers()::agreed);
    if (v.disagreed()) {
      node.evidence(r, quorum, v);
    }
  }
}
