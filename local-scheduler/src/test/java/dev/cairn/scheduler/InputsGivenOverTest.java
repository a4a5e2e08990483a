package dev.cairn.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.Backends;
import dev.cairn.kernels.KernelCatalog;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request whose arrays are its own lets {@code vector.saxpy} write into {@code y}; the receipt's
 * input digest is still that of the inputs as sent, because the scheduler takes it before the run.
 */
class InputsGivenOverTest {
  /** Digests the sealer was handed back at seal time, in job order. */
  final ConcurrentLinkedQueue<byte[]> sealedDigests = new ConcurrentLinkedQueue<>();
  /** A stand-in digest that is the input bytes themselves, so a test can read what the sealer saw. */
  final ResultSealer sealer = new ResultSealer() {
    @Override
    public byte[] inputDigest(JobRequest request, Map<String, Object> params) {
      return bytes(request.inputs().get("y"));
    }

    @Override
    public CompletionStage<Seal> seal(CompletedJob job) {
      sealedDigests.add(job.inputDigest());
      return CompletableFuture.completedFuture(new Seal("ab", "cd"));
    }
  };
  Backend jvm;
  Scheduler scheduler;

  @BeforeEach
  void start() {
    jvm = Backends.jvm(2);
    scheduler = Scheduler.create(new SchedulerOptions(1 << 20, 1 << 16, 64, 64, 1, 1 << 16), KernelCatalog.builtIn(),
        List.of(jvm), sealer, Clock.systemUTC(), Ticker.system());
  }

  @AfterEach
  void stop() throws Exception {
    scheduler.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    jvm.close();
  }

  JobResult saxpy(String id, float[] x, float[] y, boolean owned) throws Exception {
    JobRequest r = new JobRequest("dev1", id, "vector.saxpy", Map.of("a", 2.0), Map.of("x", x, "y", y), 5, 0, 0, owned);
    return scheduler.submit(r).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static byte[] bytes(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  @Test
  void anOwnedRequestsYBecomesTheOutputAfterItsDigestIsTaken() throws Exception {
    float[] x = {1, 2, 3};
    float[] y = {10, 20, 30};
    JobResult r = saxpy("j1", x, y, true);
    assertTrue(r.isOk(), r.toString());
    assertSame(y, r.outputs().get("y"));
    assertArrayEquals(new float[] {12, 24, 36}, y);
    assertArrayEquals(bytes(10, 20, 30), sealedDigests.poll(), "digest of y as sent, not as overwritten");
  }

  @Test
  void aRequestThatSharesItsArraysKeepsThem() throws Exception {
    float[] x = {1, 2, 3};
    float[] y = {10, 20, 30};
    JobResult r = saxpy("j1", x, y, false);
    assertTrue(r.isOk(), r.toString());
    assertNotSame(y, r.outputs().get("y"));
    assertArrayEquals(new float[] {12, 24, 36}, (float[]) r.outputs().get("y"));
    assertArrayEquals(new float[] {10, 20, 30}, y);
    assertEquals(1, sealedDigests.size());
  }
}
