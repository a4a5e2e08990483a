package dev.cairn.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** The floors of {@code bench kernels} do the work they are described as doing, over every element. */
class KernelBenchFloorTest {
  @Test
  void sqrtAndDivideCoversEveryElementAcrossTheThreads() {
    float[] x = new float[1001];
    for (int i = 0; i < x.length; i++) {
      x[i] = 1 + i * 0.5f;
    }
    float[] out = new float[x.length];
    ExecutorService threads = Executors.newFixedThreadPool(KernelBench.THREADS);
    try {
      KernelBench.parallel(x, out, KernelBench::sqrtAndDivide, threads);
    } finally {
      threads.shutdown();
    }
    for (int i = 0; i < x.length; i++) {
      assertEquals(x[i] / (float) Math.sqrt(x[i]), out[i], "element " + i);
    }
  }

  @Test
  void countOnlyIncrementsOneCounterPerElement() {
    // Low six bits 0: every element lands in counter 0 of one of the four tables.
    float[] x = new float[1003];
    java.util.Arrays.fill(x, Float.intBitsToFloat(0x3f800000));
    float[] out = new float[x.length];
    KernelBench.countOnly(x, out, 0, x.length);
    assertEquals(1003f, out[0]);
    KernelBench.countOnly(x, out, 500, 1003);
    assertEquals(503f, out[500]);
  }
}
