package dev.cairn.kernels.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ChunkRunnerTest {

  @Test
  void everyIndexRunsExactlyOnceWhateverTheThreads() {
    for (int threads = 1; threads <= 4; threads++) {
      try (ChunkRunner runner = new ChunkRunner(threads, "test-")) {
        for (int size : new int[] {0, 1, 7, 1000, 100_003}) {
          AtomicIntegerArray seen = new AtomicIntegerArray(size);
          runner.forRange(size, 1000, (from, to) -> {
            for (int i = from; i < to; i++) {
              seen.incrementAndGet(i);
            }
          });
          for (int i = 0; i < size; i++) {
            assertEquals(1, seen.get(i), "index " + i + " of " + size + " on " + threads + " threads");
          }
        }
      }
    }
  }

  @Test
  void concurrentLoopsEachRunAllTheirChunks() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try (ChunkRunner runner = new ChunkRunner(2, "test-")) {
      List<CompletableFuture<long[]>> sums = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        sums.add(CompletableFuture.supplyAsync(() -> {
          long[] partial = new long[100];
          for (int round = 0; round < 200; round++) {
            runner.forRange(100 * 64, 64, (from, to) -> partial[from / 64] += to - from);
          }
          return partial;
        }, callers));
      }
      for (CompletableFuture<long[]> f : sums) {
        for (long p : f.get()) {
          assertEquals(200 * 64, p);
        }
      }
    } finally {
      callers.shutdown();
    }
  }

  @Test
  void aFailingChunkFailsTheLoopWithItsException() {
    try (ChunkRunner runner = new ChunkRunner(2, "test-")) {
      IllegalStateException boom = new IllegalStateException("chunk 37");
      for (int round = 0; round < 50; round++) {
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
            () -> runner.forRange(64 * 100, 64, (from, to) -> {
              if (from == 37 * 64) {
                throw boom;
              }
            }));
        assertSame(boom, thrown);
      }
      // The runner still works after failures.
      AtomicIntegerArray seen = new AtomicIntegerArray(1);
      runner.forRange(640, 64, (from, to) -> seen.addAndGet(0, to - from));
      assertEquals(640, seen.get(0));
    }
  }

  @Test
  void closingStopsTheHelpers() throws Exception {
    ChunkRunner runner = new ChunkRunner(3, "closing-test-");
    runner.forRange(1000, 10, (from, to) -> { });
    runner.close();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("closing-test-")) {
        t.join(10_000);
        assertTrue(!t.isAlive(), t.getName() + " still runs after close");
      }
    }
  }
}
