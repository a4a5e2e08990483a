package dev.cairn.runtime.network;

import dev.cairn.anchor.Canonical;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobResult;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The answers of the replicas of one job: the result is delivered as soon as {@code quorum} of them have
 * the same outputs, bit for bit (their canonical bytes, as receipts commit to them). When every replica has
 * answered (or failed) without a quorum, the job fails over: it is sent to as many more distinct gateways as
 * would make a quorum if they agreed with the largest group, as long as the replicas stay within
 * {@code bound} and there are such gateways ({@link FailOver}). Once every replica sent has answered, the
 * {@link Verdict} says who agreed and who did not, with their signed answers (given when there was a quorum
 * or a disagreement). Still no quorum: an {@code INTERNAL} result saying what each replica answered and why
 * no more were asked.
 */
final class Quorum {
  /** One replica's answer: its result and, for evidence, the signed bytes it came in (null for failures). */
  record Answer(String gateway, JobResult result, byte[] body, byte[] signature) {}

  /**
   * Who agreed with the delivered outputs ({@code agreeing}, this gateway first; empty without a quorum) and
   * who answered otherwise.
   *
   * @param disagreed whether some outputs differed from others: evidence to publish
   */
  record Verdict(List<Answer> agreeing, List<Answer> dissenting, boolean disagreed) {}

  /** Where more replicas come from when those asked do not reach the quorum. */
  interface FailOver {
    /** Up to {@code n} gateways that may run the job now, none of {@code used}, best first. */
    List<String> more(int n, Set<String> used);

    /** Runs the job on {@code gateway}; a failure is an answer too (an error result). */
    CompletableFuture<Answer> run(String gateway);

    /** What {@link #more} could not find, for the device's failure: "no other gateway is up with ...". */
    String exhausted();
  }

  private final String jobId;
  private final String deviceId;
  private final int quorum;
  private final int bound;
  private final String self;
  private final FailOver failOver;
  private final Consumer<Verdict> verdict;
  private final CompletableFuture<JobResult> result = new CompletableFuture<>();
  private final Set<String> used = new LinkedHashSet<>();
  private final List<Answer> answers = new ArrayList<>();
  private final Map<String, List<Answer>> byOutputs = new LinkedHashMap<>();
  private int expected;
  private String delivered;

  private Quorum(String jobId, String deviceId, int quorum, int bound, String self, FailOver failOver, Consumer<Verdict> verdict) {
    this.jobId = jobId;
    this.deviceId = deviceId;
    this.quorum = quorum;
    this.bound = bound;
    this.self = self;
    this.failOver = failOver;
    this.verdict = verdict;
  }

  /** Collects {@code replicas}, without fail-over; {@code self}'s answer is the one delivered when it is among the agreeing. */
  static CompletableFuture<JobResult> collect(String jobId, String deviceId, List<CompletableFuture<Answer>> replicas, int quorum,
      String self, Consumer<Verdict> verdict) {
    Quorum q = new Quorum(jobId, deviceId, quorum, replicas.size(), self, null, verdict);
    q.expected = replicas.size();
    replicas.forEach(q::await);
    return q.result;
  }

  /**
   * Runs the job on {@code targets} through {@code failOver}, and on more gateways, up to {@code bound} in
   * all, while the answers do not reach {@code quorum}.
   */
  static CompletableFuture<JobResult> run(String jobId, String deviceId, List<String> targets, int quorum, int bound, String self,
      FailOver failOver, Consumer<Verdict> verdict) {
    Quorum q = new Quorum(jobId, deviceId, quorum, Math.max(bound, targets.size()), self, failOver, verdict);
    synchronized (q) {
      q.used.addAll(targets);
      q.expected = targets.size();
    }
    targets.forEach(t -> q.await(failOver.run(t)));
    return q.result;
  }

  private void await(CompletableFuture<Answer> replica) {
    replica.whenComplete((a, e) -> add(e == null ? a
        : new Answer(null, JobResult.error(jobId, deviceId, ErrorCode.INTERNAL, String.valueOf(e.getMessage())), null, null)));
  }

  static String outputsKey(JobResult r) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Canonical.outputBytes(r.outputs())));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void add(Answer a) {
    List<String> extra = List.of();
    Verdict v = null;
    synchronized (this) {
      answers.add(a);
      if (a.result().isOk()) {
        String key = outputsKey(a.result());
        List<Answer> group = byOutputs.computeIfAbsent(key, k -> new ArrayList<>());
        group.add(a);
        if (delivered == null && group.size() >= quorum) {
          delivered = key;
          Answer chosen = group.stream().filter(g -> self.equals(g.gateway())).findFirst().orElse(group.get(0));
          result.complete(chosen.result().forDevice(deviceId, jobId).withExecutedBy(selfFirst(group).stream().map(Answer::gateway).toList()));
        }
      }
      if (answers.size() < expected) {
        return;
      }
      if (delivered == null) {
        extra = failOver();
      }
      if (extra.isEmpty()) {
        List<Answer> agreeing = delivered == null ? List.of() : selfFirst(byOutputs.get(delivered));
        List<Answer> dissenting = answers.stream().filter(x -> x.result().isOk() && !agreeing.contains(x)).toList();
        boolean disagreed = !dissenting.isEmpty() && (delivered != null || byOutputs.size() > 1);
        if (delivered != null || disagreed) {
          v = new Verdict(agreeing, dissenting, disagreed);
        }
      }
    }
    // Outside the lock: a replica that completes at once (a refusal) comes back into add.
    extra.forEach(g -> await(failOver.run(g)));
    if (v != null) {
      verdict.accept(v);
    }
  }

  /** The gateways to ask next, counted as expected; none (and the device's failure) when no quorum can be made. */
  private List<String> failOver() {
    int largest = byOutputs.values().stream().mapToInt(List::size).max().orElse(0);
    int needed = quorum - largest;
    String why;
    if (failOver == null || used.size() + needed > bound) {
      why = failOver == null ? null : "network.maxReplicas allows no more than " + bound + " replicas";
    } else {
      List<String> more = failOver.more(needed, Set.copyOf(used));
      if (more.size() >= needed) {
        more = List.copyOf(more.subList(0, needed));
        used.addAll(more);
        expected += more.size();
        return more;
      }
      why = failOver.exhausted();
    }
    result.complete(JobResult.error(jobId, deviceId, ErrorCode.INTERNAL, "job '" + jobId + "': " + quorum + " of " + answers.size()
        + " replicas had to give the same outputs and did not: " + answers.stream().map(this::describe).collect(Collectors.joining(", "))
        + (why == null ? "" : "; " + why)));
    return List.of();
  }

  private List<Answer> selfFirst(List<Answer> group) {
    return group.stream().sorted(Comparator.comparing(g -> !self.equals(g.gateway()))).toList();
  }

  private String describe(Answer a) {
    String who = a.gateway() == null ? "a replica" : a.gateway();
    return a.result().isOk() ? who + " outputs " + outputsKey(a.result()).substring(0, 12)
        : who + " " + a.result().code() + " (" + a.result().message() + ")";
  }
}
