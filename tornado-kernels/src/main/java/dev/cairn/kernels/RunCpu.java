package dev.cairn.kernels;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of a kernel run, for usage metering: the running thread's own CPU time plus what helper
 * threads spent on its chunks (a parallel loop's helpers report theirs to the thread that called it).
 * Where the JVM has no thread CPU clock, every figure reads 0.
 */
public final class RunCpu {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final boolean SUPPORTED = supported();
  private static final ThreadLocal<long[]> HELPED = ThreadLocal.withInitial(() -> new long[1]);

  private RunCpu() {}

  /** CPU nanoseconds the calling thread has used, or 0 when it cannot be read. */
  public static long threadNanos() {
    return SUPPORTED ? THREADS.getCurrentThreadCpuTime() : 0;
  }

  /** Starts a measurement on the calling thread; pass the result to {@link #since}. */
  public static long start() {
    return threadNanos() + HELPED.get()[0];
  }

  /** CPU nanoseconds used by the calling thread and its helpers since {@code start}. */
  public static long since(long start) {
    return Math.max(0, threadNanos() + HELPED.get()[0] - start);
  }

  /** Called on the thread whose loop helpers ran for {@code nanos} of CPU on its behalf. */
  public static void addHelped(long nanos) {
    HELPED.get()[0] += nanos;
  }

  private static boolean supported() {
    try {
      if (THREADS.isCurrentThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
        THREADS.setThreadCpuTimeEnabled(true);
      }
      return THREADS.isCurrentThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
    } catch (UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }
}
