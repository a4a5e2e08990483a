package dev.cairn.kernels.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.Backends;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * TornadoVM compiles kernels while other threads keep the JVM busy, as a gateway's workers do. Without
 * the JDK's signal chaining, PoCL's LLVM replaces the JVM's SIGSEGV handler when it compiles, and the
 * next safepoint can kill the JVM with a plain "Segmentation fault" and no crash report: this loop, run
 * without libjsig and past the check in {@link Backends#tornado()}, died in 5 runs of 5 within its first
 * compilations. The profile preloads libjsig (without it, {@code Backends.tornado()} refuses to start).
 */
class TornadoSignalsTest {
  static volatile Object sink;

  @Test
  void compilingKernelsWhileOtherThreadsAllocateKeepsTheJvmAlive() throws Exception {
    Backend tornado = Backends.tornado();
    Kernel saxpy = KernelCatalog.builtIn().find("vector.saxpy").orElseThrow();
    AtomicBoolean busy = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread thread = new Thread(() -> {
        long s = 0;
        while (busy.get()) {
          sink = new byte[4096];
          for (int i = 0; i < 1000; i++) {
            s += i * 31L;
          }
        }
        sink = s;
      });
      thread.start();
      threads.add(thread);
    }
    try {
      for (int shape = 0; shape < 24; shape++) {
        int n = 4096 + 16 * shape;
        float[] x = new float[n];
        float[] y = new float[n];
        java.util.Arrays.fill(x, 1f);
        Map<String, Object> out = tornado.execute(saxpy, saxpy.check(new KernelArgs(Map.of("a", 2.0), Map.of("x", x, "y", y))));
        assertEquals(2f, ((float[]) out.get("y"))[n - 1], "shape " + n);
        System.gc();
      }
    } finally {
      busy.set(false);
      for (Thread thread : threads) {
        thread.join();
      }
      tornado.close();
    }
  }
}
