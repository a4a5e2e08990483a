package dev.cairn.scheduler.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.BackendException;
import dev.cairn.kernels.Backends;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.ResultSealer;
import dev.cairn.scheduler.SchedulerOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Placement between the JVM backend and an accelerator: the cost model's choice, live measurements,
 * compiling a new shape in the background, batching queued jobs of one shape into one launch, and the
 * fall-back to the CPU when the accelerator fails. The accelerator here runs the JVM kernels under its
 * own name, so results can be checked exactly.
 */
class PlacementTest {
  static final Kernel SAXPY = KernelCatalog.builtIn().find("vector.saxpy").orElseThrow();
  final Backend jvm = Backends.jvm(2);
  final Accelerator accel = new Accelerator();
  final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    accel.gate.countDown();
    for (AutoCloseable c : open) {
      c.close();
    }
    jvm.close();
  }

  /** A backend named "accel" that runs the JVM kernels, batches, and can be held, failed or unprepared. */
  final class Accelerator implements Backend {
    final Queue<Integer> launches = new ConcurrentLinkedQueue<>();
    final CountDownLatch started = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(0);
    volatile boolean failing;
    volatile boolean ready = true;
    final CountDownLatch preparedOnce = new CountDownLatch(1);

    @Override
    public String name() {
      return "accel";
    }

    @Override
    public Map<String, Object> execute(Kernel kernel, KernelArgs args) {
      return executeBatch(kernel, List.of(args)).get(0);
    }

    @Override
    public List<Map<String, Object>> executeBatch(Kernel kernel, List<KernelArgs> calls) {
      started.countDown();
      try {
        assertTrue(gate.await(10, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (failing) {
        throw new BackendException("accel cannot compile " + kernel.spec().name(), null);
      }
      launches.add(calls.size());
      List<Map<String, Object>> out = new ArrayList<>();
      for (KernelArgs a : calls) {
        out.add(jvm.execute(kernel, a));
      }
      return out;
    }

    @Override
    public boolean supports(Kernel kernel) {
      return kernel == SAXPY;
    }

    @Override
    public String batchKey(Kernel kernel, KernelArgs args) {
      return kernel.spec().name() + " n=" + args.input("x").length;
    }

    @Override
    public int maxBatch() {
      return 8;
    }

    @Override
    public boolean prepared(Kernel kernel, KernelArgs args) {
      return ready;
    }

    @Override
    public void prepare(Kernel kernel, KernelArgs args) {
      ready = true;
      preparedOnce.countDown();
    }

    @Override
    public void close() {}
  }

  static KernelArgs saxpy(int n) {
    return SAXPY.check(new KernelArgs(Map.of("a", 2.0), Map.of("x", new float[n], "y", new float[n])));
  }

  Placement placement() {
    Placement p = new Placement(List.of(jvm, accel));
    open.add(p);
    return p;
  }

  @Test
  void smallJobsStayOnTheCpuAndLargeOnesGoWhereTheyFinishFirst() {
    Placement p = placement();
    // The CPU grows with the size; the accelerator costs a fixed 1 ms (copies and launch) up to 2^20.
    p.record(SAXPY, jvm, 1 << 10, 5_000);
    p.record(SAXPY, jvm, 1 << 20, 5_000_000);
    p.record(SAXPY, accel, 1 << 10, 1_000_000);
    p.record(SAXPY, accel, 1 << 20, 1_200_000);
    assertEquals("jvm", p.choose(SAXPY, saxpy(512)).backend().name());
    assertEquals("accel", p.choose(SAXPY, saxpy(1 << 19)).backend().name());
    // Between measured sizes the CPU's figure scales with the size: 2^16 elements take about 320 us there.
    assertEquals("jvm", p.choose(SAXPY, saxpy(1 << 15)).backend().name());
  }

  @Test
  void anAcceleratorMustBeClearlyFasterToTakeAJob() {
    Placement p = placement();
    p.record(SAXPY, jvm, 1 << 16, 300_000);
    p.record(SAXPY, accel, 1 << 16, 250_000);
    assertEquals("jvm", p.choose(SAXPY, saxpy(1 << 15)).backend().name(), "17% faster alone is not enough");
    p.record(SAXPY, accel, 1 << 18, 100_000);
    p.record(SAXPY, jvm, 1 << 18, 1_000_000);
    assertEquals("accel", p.choose(SAXPY, saxpy(1 << 17)).backend().name(), "10 times faster is");
  }

  @Test
  void liveMeasurementsMoveTheChoice() {
    Placement p = placement();
    p.record(SAXPY, jvm, 1 << 16, 300_000);
    p.record(SAXPY, accel, 1 << 16, 150_000);
    assertEquals("accel", p.choose(SAXPY, saxpy(1 << 15)).backend().name());
    for (int i = 0; i < 20; i++) {
      p.record(SAXPY, accel, 1 << 16, 900_000);
    }
    assertEquals("jvm", p.choose(SAXPY, saxpy(1 << 15)).backend().name());
  }

  @Test
  void oneStalledCallDoesNotSendAKernelElsewhereButALastingSlowdownDoes() {
    Placement p = placement();
    p.record(SAXPY, jvm, 1 << 16, 300_000);
    p.record(SAXPY, accel, 1 << 16, 1_000_000);
    // A call stalled for 70 ms (a pause, or vector code back in the interpreter) counts as 1.2 ms.
    p.record(SAXPY, jvm, 1 << 16, 70_000_000);
    assertEquals(300_000 * 0.8 + 1_200_000 * 0.2, p.predict("vector.saxpy", jvm, Placement.bucket(1 << 16)), 1e-6);
    assertEquals("jvm", p.choose(SAXPY, saxpy(1 << 15)).backend().name());
    for (int i = 0; i < 5; i++) {
      p.record(SAXPY, jvm, 1 << 16, 70_000_000);
    }
    assertEquals("accel", p.choose(SAXPY, saxpy(1 << 15)).backend().name());
  }

  @Test
  void everySixtyFourthJobOfAKindReMeasuresABackendThatCameCloseWithinItsBudget() {
    Placement p = placement();
    p.record(SAXPY, jvm, 1 << 10, 5_000);
    p.record(SAXPY, accel, 1 << 10, 9_000);
    int accelChosen = 0;
    int decisions = 64 * 40;
    for (int i = 0; i < decisions; i++) {
      Placement.Choice c = p.choose(SAXPY, saxpy(1000));
      if (c.backend().name().equals("accel")) {
        accelChosen++;
        assertFalse(c.mayBatch(), "a re-measuring call runs alone");
      }
    }
    // Every 64th job may re-measure (40 chances), but at 9 µs against 5 µs the re-measuring jobs may take
    // only 2% of the predicted 5 µs of every job placed: 0.02 * 2,560 * 5,000 / 9,000 = 28 of them.
    assertEquals(28, accelChosen);
    // Far behind (here 200 times slower), a backend is not re-measured at all.
    p.record(SAXPY, jvm, 1 << 14, 5_000);
    p.record(SAXPY, accel, 1 << 14, 1_000_000);
    for (int i = 0; i < 128; i++) {
      assertEquals("jvm", p.choose(SAXPY, saxpy(1 << 13)).backend().name());
    }
  }

  @Test
  void anUncompiledShapeRunsOnTheCpuWhileItCompilesInTheBackground() throws Exception {
    Placement p = placement();
    accel.ready = false;
    // The CPU's figure is far above what the background's real measurements of the accelerator (which
    // runs the JVM kernel) can reach, even on a slow machine, so the choice after compiling is certain.
    p.record(SAXPY, jvm, 1 << 20, 2_000_000_000L);
    p.record(SAXPY, accel, 1 << 20, 1_000_000);
    assertEquals("jvm", p.choose(SAXPY, saxpy(1 << 19)).backend().name());
    assertTrue(accel.preparedOnce.await(10, TimeUnit.SECONDS), "the shape was compiled in the background");
    assertEquals("accel", p.choose(SAXPY, saxpy(1 << 19)).backend().name());
  }

  DefaultScheduler scheduler(Placement p) {
    DefaultScheduler s = new DefaultScheduler(new SchedulerOptions(1 << 20, 1 << 16, 100, 100, 1, 1000), KernelCatalog.builtIn(), p,
        job -> CompletableFuture.completedFuture(new ResultSealer.Seal("ab", "cd")), Clock.systemUTC(), System::nanoTime);
    open.add(() -> s.stop().toCompletableFuture().get(10, TimeUnit.SECONDS));
    return s;
  }

  static JobRequest job(String id, float a, int n) {
    float[] x = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
      y[i] = 1;
    }
    return new JobRequest("d1", id, "vector.saxpy", Map.of("a", (double) a), Map.of("x", x, "y", y), 5, 0, 8 * n);
  }

  @Test
  void queuedJobsOfOneShapeRunInOneLaunchAndSayWhereTheyRan() throws Exception {
    Placement p = placement();
    p.record(SAXPY, jvm, 1 << 12, 5_000_000);
    p.record(SAXPY, accel, 1 << 12, 1_000);
    accel.gate = new CountDownLatch(1);
    DefaultScheduler s = scheduler(p);
    List<CompletionStage<JobResult>> results = new ArrayList<>();
    results.add(s.submit(job("first", 1, 4000)));
    assertTrue(accel.started.await(10, TimeUnit.SECONDS));
    // The single worker is in the accelerator; these queue up behind it.
    for (int i = 0; i < 8; i++) {
      results.add(s.submit(job("q" + i, i, 4000)));
    }
    accel.gate.countDown();
    for (int i = 0; i < results.size(); i++) {
      JobResult r = results.get(i).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertTrue(r.isOk(), r.toString());
      assertEquals("accel", r.backend());
      float a = i == 0 ? 1 : i - 1;
      float[] y = (float[]) r.outputs().get("y");
      assertEquals(a * 3999 + 1, y[3999]);
    }
    assertEquals(List.of(1, 8), List.copyOf(accel.launches), "one launch for the first job, one for the 8 queued");
    assertEquals(9L, s.stats().backends().get("accel"));
    assertEquals(1L, s.stats().batches());
  }

  @Test
  void whenTheAcceleratorFailsTheJobsRunOnTheCpuAndSaySo() throws Exception {
    Placement p = placement();
    p.record(SAXPY, jvm, 1 << 12, 5_000_000);
    p.record(SAXPY, accel, 1 << 12, 1_000);
    accel.failing = true;
    DefaultScheduler s = scheduler(p);
    JobResult r = s.submit(job("f", 3, 4000)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertTrue(r.isOk(), r.toString());
    assertEquals("jvm", r.backend());
    float[] want = new float[4000];
    for (int i = 0; i < 4000; i++) {
      want[i] = 3f * i + 1;
    }
    assertArrayEquals(want, (float[]) r.outputs().get("y"));
  }
}
