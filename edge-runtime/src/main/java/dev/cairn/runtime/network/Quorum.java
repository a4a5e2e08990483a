package dev.cairn.runtime.network;

import dev.cairn.anchor.Canonical;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobResult;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The answers of the replicas of one job: the result is delivered as soon as {@code quorum} of them have
 * the same outputs, bit for bit (their canonical bytes, as receipts commit to them); when every replica
 * has answered (or failed), the {@link Verdict} says who agreed and who did not, with their signed answers
 * (given when there was a quorum or a disagreement).
 * No quorum: an {@code INTERNAL} result saying what each replica answered.
 */
final class Quorum {
  /** One replica's answer: its result and, for evidence, the signed bytes it came in (null for failures). */
  record Answer(String gateway, JobResult result, byte[] body, byte[] signature) {}

  /**
   * Who agreed with the delivered outputs ({@code agreeing}, empty without a quorum) and who answered otherwise.
   *
   * @param disagreed whether some outputs differed from others: evidence to publish
   */
  record Verdict(List<Answer> agreeing, List<Answer> dissenting, boolean disagreed) {}

  private final String jobId;
  private final String deviceId;
  private final int replicas;
  private final int quorum;
  private final String self;
  private final Consumer<Verdict> verdict;
  private final CompletableFuture<JobResult> result = new CompletableFuture<>();
  private final List<Answer> answers = new ArrayList<>();
  private final Map<String, List<Answer>> byOutputs = new LinkedHashMap<>();
  private String delivered;

  private Quorum(String jobId, String deviceId, int replicas, int quorum, String self, Consumer<Verdict> verdict) {
    this.jobId = jobId;
    this.deviceId = deviceId;
    this.replicas = replicas;
    this.quorum = quorum;
    this.self = self;
    this.verdict = verdict;
  }

  /** Collects {@code replicas}; {@code self}'s answer is the one delivered when it is among the agreeing. */
  static CompletableFuture<JobResult> collect(String jobId, String deviceId, List<CompletableFuture<Answer>> replicas, int quorum,
      String self, Consumer<Verdict> verdict) {
    Quorum q = new Quorum(jobId, deviceId, replicas.size(), quorum, self, verdict);
    replicas.forEach(f -> f.whenComplete((a, e) -> q.add(e == null ? a
        : new Answer(null, JobResult.error(jobId, deviceId, ErrorCode.INTERNAL, String.valueOf(e.getMessage())), null, null))));
    return q.result;
  }

  static String outputsKey(JobResult r) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Canonical.outputBytes(r.outputs())));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private synchronized void add(Answer a) {
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
    if (answers.size() < replicas) {
      return;
    }
    if (delivered == null) {
      result.complete(JobResult.error(jobId, deviceId, ErrorCode.INTERNAL, "job '" + jobId + "': " + quorum + " of " + replicas
          + " replicas had to give the same outputs and did not: " + answers.stream().map(this::describe).collect(Collectors.joining(", "))));
    }
    // In the order of executedBy: this gateway first, then the peers as they answered.
    List<Answer> agreeing = delivered == null ? List.of() : selfFirst(byOutputs.get(delivered));
    List<Answer> dissenting = answers.stream().filter(x -> x.result().isOk() && !agreeing.contains(x)).toList();
    boolean disagreed = !dissenting.isEmpty() && (delivered != null || byOutputs.size() > 1);
    if (delivered != null || disagreed) {
      verdict.accept(new Verdict(agreeing, dissenting, disagreed));
    }
  }

  private List<Answer> selfFirst(List<Answer> group) {
    return group.stream().sorted(java.util.Comparator.comparing(g -> !self.equals(g.gateway()))).toList();
  }

  private String describe(Answer a) {
    String who = a.gateway() == null ? "a replica" : a.gateway();
    return a.result().isOk() ? who + " outputs " + outputsKey(a.result()).substring(0, 12)
        : who + " " + a.result().code() + " (" + a.result().message() + ")";
  }
}
