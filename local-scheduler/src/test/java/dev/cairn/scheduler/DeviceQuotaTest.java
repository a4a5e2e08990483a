package dev.cairn.scheduler;

import static dev.cairn.scheduler.DefaultSchedulerTest.assertRefused;
import static dev.cairn.scheduler.DefaultSchedulerTest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-device policies at admission: allowed kernels, job and byte rates on a fake ticker, in-flight limits. */
class DeviceQuotaTest {
  final TestKernels kernels = new TestKernels();
  final AtomicLong nanos = new AtomicLong(5_000_000_000L);
  final Clock clock = Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC);
  final AtomicInteger ids = new AtomicInteger();
  Scheduler scheduler;

  void start(DevicePolicy defaults, Map<String, DevicePolicy> devices) {
    start(DefaultSchedulerTest.options(1, 100, 100).withDevicePolicies(new DevicePolicies(defaults, devices)));
  }

  void start(SchedulerOptions options) {
    scheduler = Scheduler.create(options, kernels, TestKernels.backend(), ResultSealer.none(), clock, nanos::get);
  }

  @AfterEach
  void stop() throws Exception {
    kernels.gate.countDown();
    if (scheduler != null) {
      scheduler.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** A test.add job of {@code bytes} encoded bytes, with a fresh id. */
  JobRequest add(String device, int bytes) {
    return new JobRequest(device, "j" + ids.incrementAndGet(), "test.add", Map.of(),
        Map.of("x", DefaultSchedulerTest.ONE, "y", DefaultSchedulerTest.ONE), 5, 0, bytes);
  }

  /** Submits and returns the result of a refusal, which must already be there: refusals are synchronous. */
  JobResult refused(JobRequest r) throws Exception {
    CompletionStage<JobResult> stage = scheduler.submit(r);
    assertTrue(stage.toCompletableFuture().isDone(), "a refusal must complete the stage before submit returns");
    JobResult result = get(stage);
    assertTrue(!result.isOk(), result.toString());
    return result;
  }

  void accepted(JobRequest r) throws Exception {
    JobResult result = get(scheduler.submit(r));
    assertTrue(result.isOk(), result.toString());
  }

  void advanceMs(long ms) {
    nanos.addAndGet(ms * 1_000_000L);
  }

  @Test
  void kernelNotAllowedForTheDeviceIsForbiddenNamingWhatItMayRun() throws Exception {
    start(DevicePolicy.none(), Map.of("dev1", DevicePolicy.none().withKernels(Set.of("test.gate", "test.add", "vector.gone"))));
    JobRequest fail = new JobRequest("dev1", "f", "test.fail", Map.of(), Map.of("x", DefaultSchedulerTest.ONE), 5, 0, 10);
    assertRefused(ErrorCode.FORBIDDEN, "device 'dev1' may run only test.add, test.gate here; 'test.fail' is not allowed for it",
        refused(fail));
    accepted(add("dev1", 10));
    // Another device has no list: every enabled kernel.
    assertRefused(ErrorCode.INTERNAL, "boom", get(scheduler.submit(
        new JobRequest("dev2", "f", "test.fail", Map.of(), Map.of("x", DefaultSchedulerTest.ONE), 5, 0, 10))));
    // Allowed but not installed here: the kernel is unknown, as for any device.
    assertRefused(ErrorCode.UNKNOWN_KERNEL, "no kernel 'vector.gone'",
        refused(new JobRequest("dev1", "g", "vector.gone", Map.of(), Map.of(), 5, 0, 10)));
    assertEquals(1L, scheduler.stats().refusals().get(ErrorCode.FORBIDDEN));
  }

  @Test
  void jobsOverTheRateAreBusyWithTheQuotaAndWhenToRetryThenRefillOverTime() throws Exception {
    start(DevicePolicy.none().withJobsPerSecond(10), Map.of());
    for (int i = 0; i < 10; i++) {
      accepted(add("dev1", 10)); // the burst: one second's worth
    }
    assertRefused(ErrorCode.BUSY, "device 'dev1' is over its quota of 10 jobs per second; retry in 100 ms", refused(add("dev1", 10)));
    advanceMs(40);
    assertRefused(ErrorCode.BUSY, "retry in 60 ms", refused(add("dev1", 10)));
    advanceMs(60);
    accepted(add("dev1", 10));
    assertRefused(ErrorCode.BUSY, "retry in 100 ms", refused(add("dev1", 10)));
    // A long pause refills the bucket to one second's worth, no more.
    advanceMs(60_000);
    for (int i = 0; i < 10; i++) {
      accepted(add("dev1", 10));
    }
    assertRefused(ErrorCode.BUSY, "quota of 10 jobs per second", refused(add("dev1", 10)));
    // Each device has its own bucket.
    accepted(add("dev2", 10));
  }

  @Test
  void bytesOverTheRateAreBusyAndARefusedJobTakesNoTokens() throws Exception {
    start(DevicePolicy.none().withBytesPerSecond(100), Map.of());
    accepted(add("dev1", 80));
    assertRefused(ErrorCode.BUSY, "device 'dev1' is over its quota of 100 bytes per second (this job is 30 bytes); retry in 100 ms",
        refused(add("dev1", 30)));
    accepted(add("dev1", 20)); // the refused 30 bytes were not taken
    assertRefused(ErrorCode.BUSY, "retry in 10 ms", refused(add("dev1", 1)));
    advanceMs(10);
    accepted(add("dev1", 1));
  }

  @Test
  void aJobLargerThanOneSecondOfBytesIsTooLargeNotBusy() throws Exception {
    start(DevicePolicy.none().withBytesPerSecond(100), Map.of());
    assertRefused(ErrorCode.TOO_LARGE, "job is 101 bytes, more than device 'dev1' may send in one second (its quota is 100 bytes"
        + " per second), so it could never be admitted; send jobs of at most 100 bytes", refused(add("dev1", 101)));
    accepted(add("dev1", 100));
  }

  @Test
  void aJobRefusedForAnotherReasonTakesNoTokens() throws Exception {
    start(new SchedulerOptions(1024, 1000, 100, 1, 1, 1000,
        new DevicePolicies(DevicePolicy.none(), Map.of("dev1", DevicePolicy.none().withJobsPerSecond(1)))));
    scheduler.submit(new JobRequest("holder", "h", "test.gate", Map.of(), Map.of("x", DefaultSchedulerTest.ONE), 5, 0, 10));
    assertTrue(kernels.gateReached.await(10, TimeUnit.SECONDS));
    CompletionStage<JobResult> queued = scheduler.submit(add("other", 10));
    assertRefused(ErrorCode.BUSY, "queue is full", refused(add("dev1", 10)));
    assertRefused(ErrorCode.BAD_REQUEST, "needs inputs x and y",
        refused(new JobRequest("dev1", "bad", "test.add", Map.of(), Map.of(), 5, 0, 10)));
    kernels.gate.countDown();
    assertTrue(get(queued).isOk());
    accepted(add("dev1", 10)); // its one token is still there
    assertRefused(ErrorCode.BUSY, "quota of 1 job per second; retry in 1000 ms", refused(add("dev1", 10)));
  }

  @Test
  void aDeviceInFlightLimitReplacesTheGatewaysEitherWay() throws Exception {
    start(DevicePolicy.none(), Map.of("tight", DevicePolicy.none().withMaxInFlight(1), "wide", DevicePolicy.none().withMaxInFlight(3)));
    scheduler.submit(new JobRequest("holder", "h", "test.gate", Map.of(), Map.of("x", DefaultSchedulerTest.ONE), 5, 0, 10));
    assertTrue(kernels.gateReached.await(10, TimeUnit.SECONDS));
    List<CompletionStage<JobResult>> queued = new ArrayList<>();
    queued.add(scheduler.submit(add("tight", 10)));
    assertRefused(ErrorCode.BUSY, "device 'tight' already has 1 jobs queued or running, the most allowed", refused(add("tight", 10)));
    scheduler.reconfigure(DefaultSchedulerTest.options(1, 100, 2).withDevicePolicies(scheduler.options().devicePolicies()),
        scheduler.catalog());
    for (int i = 0; i < 3; i++) {
      queued.add(scheduler.submit(add("wide", 10)));
    }
    assertRefused(ErrorCode.BUSY, "device 'wide' already has 3 jobs", refused(add("wide", 10)));
    queued.add(scheduler.submit(add("plain", 10)));
    queued.add(scheduler.submit(add("plain", 10)));
    assertRefused(ErrorCode.BUSY, "device 'plain' already has 2 jobs", refused(add("plain", 10)));
    kernels.gate.countDown();
    for (CompletionStage<JobResult> s : queued) {
      assertTrue(get(s).isOk());
    }
  }

  @Test
  void aDeviceEntryBuiltFromTheDefaultOverridesItFieldByField() throws Exception {
    DevicePolicy defaults = new DevicePolicy(Set.of("test.add"), 1, 50, 0);
    start(defaults, Map.of("dev1", defaults.withJobsPerSecond(3)));
    for (int i = 0; i < 3; i++) {
      accepted(add("dev1", 10));
    }
    assertRefused(ErrorCode.BUSY, "quota of 3 jobs per second", refused(add("dev1", 10)));
    assertRefused(ErrorCode.TOO_LARGE, "its quota is 50 bytes per second", refused(add("dev1", 51)));
    assertRefused(ErrorCode.FORBIDDEN, "may run only test.add",
        refused(new JobRequest("dev1", "g", "test.gate", Map.of(), Map.of("x", DefaultSchedulerTest.ONE), 5, 0, 10)));
    accepted(add("dev2", 10));
    assertRefused(ErrorCode.BUSY, "device 'dev2' is over its quota of 1 job per second", refused(add("dev2", 10)));
  }

  @Test
  void reconfigureAppliesNewPoliciesLiveAndARateKeepsOnlyWhatIsLeft() throws Exception {
    start(DevicePolicy.none(), Map.of());
    for (int i = 0; i < 20; i++) {
      accepted(add("dev1", 10));
    }
    SchedulerOptions base = scheduler.options();
    scheduler.reconfigure(base.withDevicePolicies(new DevicePolicies(DevicePolicy.none().withJobsPerSecond(5), Map.of())),
        scheduler.catalog());
    for (int i = 0; i < 4; i++) {
      accepted(add("dev1", 10));
    }
    // Raised to 100 per second: the one job left stays one job, not a fresh burst of 100.
    scheduler.reconfigure(base.withDevicePolicies(new DevicePolicies(DevicePolicy.none().withJobsPerSecond(100), Map.of())),
        scheduler.catalog());
    accepted(add("dev1", 10));
    assertRefused(ErrorCode.BUSY, "quota of 100 jobs per second; retry in 10 ms", refused(add("dev1", 10)));
    scheduler.reconfigure(base.withDevicePolicies(new DevicePolicies(DevicePolicy.none().withKernels(Set.of("test.gate")), Map.of())),
        scheduler.catalog());
    assertRefused(ErrorCode.FORBIDDEN, "may run only test.gate", refused(add("dev1", 10)));
    scheduler.reconfigure(base, scheduler.catalog());
    accepted(add("dev1", 10));
    assertEquals(DevicePolicies.none(), scheduler.options().devicePolicies());
  }
}
