package dev.cairn.runtime.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class QuorumTest {
  static Quorum.Answer ok(String gateway, float y) {
    return new Quorum.Answer(gateway, JobResult.ok("j", "d", Map.of("y", new float[] {y}), "jvm", 0, 0, gateway + "-leaf", null),
        new byte[0], new byte[0]);
  }

  @Test
  void deliversAsSoonAsTheQuorumAgreesAndNamesTheDissenterOnceAllAnswered() {
    List<CompletableFuture<Quorum.Answer>> replicas = List.of(new CompletableFuture<>(), new CompletableFuture<>(), new CompletableFuture<>());
    List<Quorum.Verdict> verdicts = new ArrayList<>();
    CompletableFuture<JobResult> result = Quorum.collect("j", "d", replicas, 2, "gw-1", verdicts::add);
    replicas.get(1).complete(ok("gw-2", 1));
    assertFalse(result.isDone());
    replicas.get(0).complete(ok("gw-1", 1));
    assertTrue(result.isDone(), "two of three agree: no need to wait for the third");
    assertEquals(List.of("gw-1", "gw-2"), result.join().executedBy(), "this gateway first");
    assertEquals("gw-1-leaf", result.join().leaf(), "this gateway's own leaf");
    assertTrue(verdicts.isEmpty());
    replicas.get(2).complete(ok("gw-3", 2));
    assertEquals(1, verdicts.size());
    assertEquals("gw-3", verdicts.get(0).dissenting().get(0).gateway());
    assertEquals(2, verdicts.get(0).agreeing().size());
  }

  @Test
  void aFailedReplicaIsNoDissentAndTooFewAgreeingIsAnError() {
    List<CompletableFuture<Quorum.Answer>> replicas = List.of(new CompletableFuture<>(), new CompletableFuture<>());
    List<Quorum.Verdict> verdicts = new ArrayList<>();
    CompletableFuture<JobResult> result = Quorum.collect("j", "d", replicas, 2, "gw-1", verdicts::add);
    replicas.get(0).complete(ok("gw-1", 1));
    replicas.get(1).complete(new Quorum.Answer("gw-2", JobResult.error("j", "d", ErrorCode.BUSY, "no answer"), null, null));
    assertEquals(ErrorCode.INTERNAL, result.join().code());
    assertTrue(result.join().message().contains("gw-2 BUSY (no answer)"), result.join().message());
    assertTrue(verdicts.isEmpty(), "one answer and one failure: nothing to compare");
  }

  /** Replicas answered by the test: each gateway's future, made when the quorum runs the job there. */
  static final class Replicas implements Quorum.FailOver {
    final java.util.Map<String, CompletableFuture<Quorum.Answer>> started = new java.util.LinkedHashMap<>();
    final List<String> spare;

    Replicas(String... spare) {
      this.spare = new ArrayList<>(List.of(spare));
    }

    @Override
    public List<String> more(int n, java.util.Set<String> used) {
      return spare.stream().filter(g -> !used.contains(g)).limit(n).toList();
    }

    @Override
    public CompletableFuture<Quorum.Answer> run(String gateway) {
      return started.computeIfAbsent(gateway, g -> new CompletableFuture<>());
    }

    @Override
    public String exhausted() {
      return "no other gateway to ask";
    }
  }

  @Test
  void aDisagreementFailsOverToAnotherReplicaAndTheQuorumIsDelivered() {
    Replicas replicas = new Replicas("gw-2", "gw-4");
    List<Quorum.Verdict> verdicts = new ArrayList<>();
    CompletableFuture<JobResult> result = Quorum.run("j", "d", List.of("gw-1", "gw-3"), 2, 5, "gw-1", replicas, verdicts::add);
    replicas.started.get("gw-1").complete(ok("gw-1", 1));
    replicas.started.get("gw-3").complete(ok("gw-3", 2));
    assertFalse(result.isDone(), "one against one: no quorum yet");
    assertEquals(List.of("gw-1", "gw-3", "gw-2"), List.copyOf(replicas.started.keySet()), "one more replica makes a quorum if it agrees");
    replicas.started.get("gw-2").complete(ok("gw-2", 1));
    assertEquals(List.of("gw-1", "gw-2"), result.join().executedBy());
    assertEquals(1, verdicts.size());
    assertTrue(verdicts.get(0).disagreed());
    assertEquals("gw-3", verdicts.get(0).dissenting().get(0).gateway());
    assertEquals(List.of("gw-1", "gw-2"), verdicts.get(0).agreeing().stream().map(Quorum.Answer::gateway).toList());
  }

  @Test
  void pastTheBoundTheDeviceGetsAFailureNamingTheDisagreement() {
    Replicas replicas = new Replicas("gw-2", "gw-4", "gw-5");
    List<Quorum.Verdict> verdicts = new ArrayList<>();
    CompletableFuture<JobResult> result = Quorum.run("j", "d", List.of("gw-1", "gw-3"), 2, 3, "gw-1", replicas, verdicts::add);
    replicas.started.get("gw-1").complete(ok("gw-1", 1));
    replicas.started.get("gw-3").complete(ok("gw-3", 2));
    replicas.started.get("gw-2").complete(ok("gw-2", 3));
    assertEquals(ErrorCode.INTERNAL, result.join().code());
    String message = result.join().message();
    assertTrue(message.contains("2 of 3 replicas had to give the same outputs and did not: gw-1 outputs "), message);
    assertTrue(message.contains("gw-3 outputs ") && message.contains("gw-2 outputs "), message);
    assertTrue(message.endsWith("network.maxReplicas allows no more than 3 replicas"), message);
    assertEquals(3, replicas.started.size(), "gw-4 was never asked");
    assertTrue(verdicts.get(0).disagreed() && verdicts.get(0).agreeing().isEmpty());
  }

  @Test
  void aFailedReplicaIsReplacedAndNoGatewayLeftEndsTheJob() {
    Replicas replicas = new Replicas("gw-2");
    CompletableFuture<JobResult> result = Quorum.run("j", "d", List.of("gw-1", "gw-3"), 2, 5, "gw-1", replicas, v -> {});
    replicas.started.get("gw-3").complete(new Quorum.Answer("gw-3", JobResult.error("j", "d", ErrorCode.BUSY, "no answer"), null, null));
    replicas.started.get("gw-1").complete(ok("gw-1", 1));
    replicas.started.get("gw-2").complete(new Quorum.Answer("gw-2", JobResult.error("j", "d", ErrorCode.BUSY, "full"), null, null));
    assertEquals(ErrorCode.INTERNAL, result.join().code());
    assertTrue(result.join().message().endsWith("; no other gateway to ask"), result.join().message());
  }
}
