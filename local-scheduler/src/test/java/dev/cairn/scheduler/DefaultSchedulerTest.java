package dev.cairn.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DefaultSchedulerTest {
  static final float[] ONE = {1};

  final TestKernels kernels = new TestKernels();
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  final Ticker ticker = nanos::get;
  final Clock clock = Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC);
  Scheduler scheduler;

  Scheduler start(SchedulerOptions options, ResultSealer sealer) {
    scheduler = Scheduler.create(options, kernels, TestKernels.backend(), sealer, clock, ticker);
    return scheduler;
  }

  Scheduler start() {
    return start(options(1, 100, 100), job -> CompletableFuture.completedFuture(new ResultSealer.Seal("ab", "cd")));
  }

  static SchedulerOptions options(int workers, int queue, int perDevice) {
    return new SchedulerOptions(1024, 1000, perDevice, queue, workers, 1000);
  }

  @AfterEach
  void stop() throws Exception {
    kernels.gate.countDown();
    if (scheduler != null) {
      scheduler.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  static JobRequest add(String device, String id) {
    return new JobRequest(device, id, "test.add", Map.of(), Map.of("x", new float[] {1, 2}, "y", new float[] {3, 4}), 5, 0, 10);
  }

  static JobRequest job(String device, String id, String kernel, int priority, long deadlineMs, String tag) {
    return new JobRequest(device, id, kernel, Map.of("tag", tag), Map.of("x", ONE, "y", ONE), priority, deadlineMs, 10);
  }

  static JobResult get(CompletionStage<JobResult> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static void assertRefused(ErrorCode code, String fragment, JobResult r) {
    assertFalse(r.isOk(), r.toString());
    assertEquals(code, r.code(), r.toString());
    assertTrue(r.message().contains(fragment), r.message());
  }

  /** Blocks the single worker on the gate kernel, so later jobs stay queued. */
  void holdWorker() throws Exception {
    scheduler.submit(job("holder", "h", "test.gate", 5, 0, "h"));
    assertTrue(kernels.gateReached.await(10, TimeUnit.SECONDS));
  }

  @Test
  void runsJobAndReturnsOutputsBackendTimesAndSeal() throws Exception {
    start();
    JobResult r = get(scheduler.submit(add("d1", "j1")));
    assertTrue(r.isOk(), r.toString());
    assertArrayEquals(new float[] {4, 6}, (float[]) r.outputs().get("y"));
    assertEquals("test", r.backend());
    assertEquals("ab", r.leaf());
    assertEquals("cd", r.salt());
    assertEquals("j1", r.id());
    assertEquals("d1", r.deviceId());
    assertTrue(r.queueMicros() >= 0 && r.runMicros() >= 0);
  }

  @Test
  void kernelsNeverRunOnTheSubmittingThread() throws Exception {
    start();
    get(scheduler.submit(add("d1", "j1")));
    String t = kernels.threads.peek();
    assertTrue(t.startsWith("cairn-worker-"), t);
  }

  /**
   * Found by CoapFuzzTest: the refusal of an unknown kernel repeated its name whole, so a job naming a
   * kernel of 3000 characters got a refusal longer than a CoAP block (a device's client may keep only the
   * first). It repeats at most 40 characters now, saying how long the name was.
   */
  @Test
  void refusalsRepeatAShortPieceOfALongName() throws Exception {
    start();
    JobResult r = get(scheduler.submit(new JobRequest("d", "long", "k".repeat(3000), Map.of(), Map.of(), 5, 0, 10)));
    assertRefused(ErrorCode.UNKNOWN_KERNEL, "no kernel '" + "k".repeat(40) + "... (3000 characters)' is installed", r);
    assertTrue(r.message().length() < 200, r.message());
  }

  /**
   * Found by CoapFuzzTest: the refusal of an id longer than 128 characters repeated the id whole in the
   * result, so a 3000-character id made a refusal longer than a CoAP block. The result names no id then.
   */
  @Test
  void theRefusalOfAnOverlongIdDoesNotRepeatIt() throws Exception {
    start();
    JobResult r = get(scheduler.submit(new JobRequest("d", "k".repeat(3000), "test.add", Map.of(), Map.of(), 5, 0, 10)));
    assertRefused(ErrorCode.BAD_REQUEST, "job id must be 1 to 128 characters, was 3000", r);
    assertNull(r.id());
  }

  @Test
  void refusesEachBadAdmissionWithItsCode() throws Exception {
    start();
    assertRefused(ErrorCode.UNKNOWN_KERNEL, "test.add", get(scheduler.submit(
        new JobRequest("d", "a", "nope", Map.of(), Map.of(), 5, 0, 10))));
    assertRefused(ErrorCode.TOO_LARGE, "2000 bytes", get(scheduler.submit(
        new JobRequest("d", "b", "test.add", Map.of(), Map.of(), 5, 0, 2000))));
    assertRefused(ErrorCode.TOO_LARGE, "1001 elements", get(scheduler.submit(
        new JobRequest("d", "c", "test.add", Map.of(), Map.of("x", new float[1001], "y", ONE), 5, 0, 10))));
    assertRefused(ErrorCode.BAD_REQUEST, "priority", get(scheduler.submit(
        new JobRequest("d", "e", "test.add", Map.of(), Map.of("x", ONE, "y", ONE), 10, 0, 10))));
    assertRefused(ErrorCode.BAD_REQUEST, "deadlineMs", get(scheduler.submit(
        new JobRequest("d", "f", "test.add", Map.of(), Map.of("x", ONE, "y", ONE), 5, -1, 10))));
    assertRefused(ErrorCode.BAD_REQUEST, "job id", get(scheduler.submit(
        new JobRequest("d", "", "test.add", Map.of(), Map.of("x", ONE, "y", ONE), 5, 0, 10))));
    assertRefused(ErrorCode.BAD_REQUEST, "needs inputs x and y", get(scheduler.submit(
        new JobRequest("d", "g", "test.add", Map.of(), Map.of("x", ONE), 5, 0, 10))));
    Map<ErrorCode, Long> refusals = scheduler.stats().refusals();
    assertEquals(4L, refusals.get(ErrorCode.BAD_REQUEST));
    assertEquals(2L, refusals.get(ErrorCode.TOO_LARGE));
  }

  @Test
  void repeatedIdFromSameDeviceIsDuplicateButOtherDevicesMayUseIt() throws Exception {
    start();
    assertTrue(get(scheduler.submit(add("d1", "same"))).isOk());
    assertRefused(ErrorCode.DUPLICATE, "'same'", get(scheduler.submit(add("d1", "same"))));
    assertTrue(get(scheduler.submit(add("d2", "same"))).isOk());
  }

  @Test
  void jobRefusedAsBusyMayBeSentAgain() throws Exception {
    start(options(1, 1, 100), ResultSealer.none());
    holdWorker();
    CompletionStage<JobResult> queued = scheduler.submit(job("d1", "q", "test.add", 5, 0, "q"));
    assertRefused(ErrorCode.BUSY, "queue is full", get(scheduler.submit(add("d1", "again"))));
    kernels.gate.countDown();
    assertTrue(get(queued).isOk());
    assertTrue(get(scheduler.submit(add("d1", "again"))).isOk());
  }

  @Test
  void deviceQuotaRefusesThatDeviceOnly() throws Exception {
    start(options(1, 100, 2), ResultSealer.none());
    holdWorker();
    List<CompletionStage<JobResult>> mine = new ArrayList<>();
    mine.add(scheduler.submit(job("d1", "1", "test.add", 5, 0, "1")));
    mine.add(scheduler.submit(job("d1", "2", "test.add", 5, 0, "2")));
    assertRefused(ErrorCode.BUSY, "already has 2 jobs", get(scheduler.submit(job("d1", "3", "test.add", 5, 0, "3"))));
    CompletionStage<JobResult> other = scheduler.submit(job("d2", "1", "test.add", 5, 0, "o"));
    kernels.gate.countDown();
    for (CompletionStage<JobResult> s : mine) {
      assertTrue(get(s).isOk());
    }
    assertTrue(get(other).isOk());
  }

  @Test
  void queueRunsHighPriorityFirstThenEarliestDeadlineThenArrival() throws Exception {
    start();
    holdWorker();
    List<CompletionStage<JobResult>> all = new ArrayList<>();
    all.add(scheduler.submit(job("d", "1", "test.add", 1, 0, "low")));
    all.add(scheduler.submit(job("d", "2", "test.add", 5, 0, "mid-no-deadline")));
    all.add(scheduler.submit(job("d", "3", "test.add", 5, 60_000, "mid-late")));
    all.add(scheduler.submit(job("d", "4", "test.add", 5, 30_000, "mid-early")));
    all.add(scheduler.submit(job("d", "5", "test.add", 9, 0, "high")));
    all.add(scheduler.submit(job("d", "6", "test.add", 5, 0, "mid-no-deadline-2")));
    kernels.gate.countDown();
    for (CompletionStage<JobResult> s : all) {
      assertTrue(get(s).isOk());
    }
    assertEquals(List.of("h", "high", "mid-early", "mid-late", "mid-no-deadline", "mid-no-deadline-2", "low"),
        List.copyOf(kernels.ran));
  }

  @Test
  void jobWhoseDeadlinePassedInTheQueueIsDeadlineExceeded() throws Exception {
    start();
    holdWorker();
    CompletionStage<JobResult> late = scheduler.submit(job("d", "late", "test.add", 5, 500, "late"));
    CompletionStage<JobResult> patient = scheduler.submit(job("d", "patient", "test.add", 5, 5_000, "patient"));
    nanos.addAndGet(812_000_000L);
    kernels.gate.countDown();
    assertRefused(ErrorCode.DEADLINE_EXCEEDED, "waited 812 ms in the queue, deadline was 500 ms", get(late));
    assertTrue(get(patient).isOk());
    assertFalse(kernels.ran.contains("late"));
  }

  @Test
  void kernelFailureIsInternalAndTheSchedulerGoesOn() throws Exception {
    start();
    JobResult r = get(scheduler.submit(new JobRequest("d", "f", "test.fail", Map.of(), Map.of("x", ONE), 5, 0, 10)));
    assertRefused(ErrorCode.INTERNAL, "boom", r);
    assertTrue(get(scheduler.submit(add("d", "next"))).isOk());
    assertEquals(1, scheduler.stats().failed());
  }

  @Test
  void sealerFailureIsInternal() throws Exception {
    start(options(1, 10, 10), job -> CompletableFuture.failedFuture(new IllegalStateException("disk full")));
    assertRefused(ErrorCode.INTERNAL, "result could not be made durable: disk full", get(scheduler.submit(add("d", "x"))));
  }

  @Test
  void resultIsReleasedOnlyAfterTheSealCompletes() throws Exception {
    CompletableFuture<ResultSealer.Seal> seal = new CompletableFuture<>();
    CompletableFuture<CompletedJob> sealed = new CompletableFuture<>();
    start(options(1, 10, 10), job -> {
      sealed.complete(job);
      return seal;
    });
    CompletableFuture<JobResult> result = scheduler.submit(add("d", "x")).toCompletableFuture();
    CompletedJob job = sealed.get(10, TimeUnit.SECONDS);
    assertEquals("x", job.request().id());
    assertEquals("0.1", job.kernelVersion());
    assertEquals(clock.instant(), job.completed());
    assertFalse(result.isDone(), "result released before its leaf was durable");
    seal.complete(new ResultSealer.Seal("leaf", "salt"));
    assertEquals("leaf", get(result).leaf());
  }

  @Test
  void stopDrainsQueuedJobsThenRefusesNewOnes() throws Exception {
    start();
    holdWorker();
    CompletionStage<JobResult> queued = scheduler.submit(add("d", "queued"));
    CompletableFuture<Void> stopped = scheduler.stop().toCompletableFuture();
    assertRefused(ErrorCode.BUSY, "shutting down", get(scheduler.submit(add("d", "late"))));
    assertFalse(stopped.isDone());
    kernels.gate.countDown();
    assertTrue(get(queued).isOk());
    stopped.get(10, TimeUnit.SECONDS);
    assertEquals(0, scheduler.stats().queued());
    assertNull(scheduler.stop().toCompletableFuture().get(10, TimeUnit.SECONDS));
  }
}
