package dev.cairn.scheduler;

import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Not a test: measures {@link Scheduler#submit} of admitted jobs while the one worker is held (nothing
 * runs beside the submitting thread), 200,000 jobs of 1,000 devices a round, in ns per job, for each kind
 * of device policy. Run with the module's classes and test classes on the class path:
 * {@code java -cp ... dev.cairn.scheduler.AdmissionCost none|entries|kernels|rates|all [rounds]}.
 */
final class AdmissionCost {
  static final int N = 200_000;

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    double[] ns = new double[rounds];
    for (int round = -5; round < rounds; round++) {
      double t = round(options(mode, N));
      if (round >= 0) {
        ns[round] = t;
      }
    }
    Arrays.sort(ns);
    System.out.printf("%-8s median %.0f ns/job, min %.0f, max %.0f (%d rounds of %d jobs)%n", mode, ns[rounds / 2], ns[0],
        ns[rounds - 1], rounds, N);
  }

  static double round(SchedulerOptions options) throws Exception {
    TestKernels kernels = new TestKernels();
    Scheduler s = Scheduler.create(options, kernels, TestKernels.backend(), ResultSealer.none(), Clock.systemUTC(), Ticker.system());
    s.submit(new JobRequest("holder", "h", "test.gate", Map.of(), Map.of("x", new float[] {1}), 5, 0, 10));
    kernels.gateReached.await(10, TimeUnit.SECONDS);
    Map<String, float[]> inputs = Map.of("x", new float[] {1, 2}, "y", new float[] {3, 4});
    JobRequest[] jobs = new JobRequest[N];
    for (int i = 0; i < N; i++) {
      jobs[i] = new JobRequest("dev" + (i % 1000), "j" + i, "test.add", Map.of(), inputs, 5, 0, 100);
    }
    long t0 = System.nanoTime();
    for (JobRequest j : jobs) {
      s.submit(j);
    }
    long t = System.nanoTime() - t0;
    long refused = s.stats().refusals().values().stream().mapToLong(Long::longValue).sum();
    if (refused != 0) {
      throw new IllegalStateException("refusals: " + s.stats().refusals());
    }
    kernels.gate.countDown();
    s.stop().toCompletableFuture().get(120, TimeUnit.SECONDS);
    return (double) t / N;
  }

  /** Options for {@code mode}: none, entries (10,000 other devices have one), kernels, rates (high), all. */
  static SchedulerOptions options(String mode, int n) {
    SchedulerOptions base = new SchedulerOptions(1024, 1000, n, n + 10, 1, n + 10);
    DevicePolicy lots = DevicePolicy.none().withJobsPerSecond(DevicePolicy.MAX_JOBS_PER_SECOND).withBytesPerSecond(Integer.MAX_VALUE);
    Map<String, DevicePolicy> others = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      others.put("other" + i, lots);
    }
    return switch (mode) {
      case "none" -> base;
      case "entries" -> base.withDevicePolicies(new DevicePolicies(DevicePolicy.none(), others));
      case "kernels" -> base.withDevicePolicies(new DevicePolicies(DevicePolicy.none().withKernels(Set.of("test.add", "test.gate")), Map.of()));
      case "rates" -> base.withDevicePolicies(new DevicePolicies(lots, Map.of()));
      case "all" -> base.withDevicePolicies(new DevicePolicies(lots.withKernels(Set.of("test.add", "test.gate")).withMaxInFlight(n), others));
      default -> throw new IllegalArgumentException(mode);
    };
  }
}
