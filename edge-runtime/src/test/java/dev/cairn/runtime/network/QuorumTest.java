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
}
