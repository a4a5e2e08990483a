package dev.cairn.kernels.impl;

import dev.cairn.kernels.Parallel;
import dev.cairn.kernels.RunCpu;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs a loop's chunks on the calling thread and {@code threads - 1} helper threads. Chunks are taken
 * in turn from a counter, so which thread runs a chunk varies but the chunks do not.
 *
 * <p>Kernel calls are short (a 1024x1024 dense layer takes about 0.1 ms), so waking a parked thread
 * would cost as much as the call: a helper spins for {@link #SPIN_NANOS} after its last chunk before it
 * parks, and back-to-back calls find it awake. One loop at a time uses the helpers; a loop that starts
 * while they are busy runs all its chunks on its own thread (same chunks, same bytes), which is what
 * the cores are best used for when several jobs run at once.
 */
final class ChunkRunner implements Parallel, AutoCloseable {
  /** How long an idle helper spins before parking. */
  static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  private final Thread[] helpers;
  private final ReentrantLock helpersInUse = new ReentrantLock();
  /** The loop the helpers work on, or null between loops. */
  private volatile Loop current;
  private volatile boolean closed;

  ChunkRunner(int threads, String namePrefix) {
    helpers = new Thread[threads - 1];
    for (int i = 0; i < helpers.length; i++) {
      helpers[i] = new Thread(this::help, namePrefix + (i + 1));
      helpers[i].setDaemon(true);
      helpers[i].start();
    }
  }

  @Override
  public void forRange(int size, int grain, RangeBody body) {
    int chunks = Parallel.chunkCount(size, grain);
    if (chunks <= 1 || helpers.length == 0 || !helpersInUse.tryLock()) {
      Parallel.sequential().forRange(size, grain, body);
      return;
    }
    Loop loop = new Loop(size, grain, chunks, body, Thread.currentThread());
    try {
      current = loop;
      for (Thread h : helpers) {
        LockSupport.unpark(h);
      }
      loop.work(false);
      loop.awaitDone();
    } finally {
      current = null;
      helpersInUse.unlock();
    }
    RunCpu.addHelped(loop.helperCpuNanos.get());
    Throwable failure = loop.failure.get();
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
  }

  private void help() {
    while (!closed) {
      Loop loop = current;
      if (loop != null && loop.hasChunksLeft()) {
        loop.work(true);
        continue;
      }
      spinThenPark(() -> closed || workWaiting());
    }
  }

  /**
   * Waits until {@code ready}: spinning for {@link #SPIN_NANOS}, then parked (whoever makes it ready
   * unparks the waiting thread; a spurious wake-up only checks again).
   */
  private static void spinThenPark(BooleanSupplier ready) {
    long spinUntil = System.nanoTime() + SPIN_NANOS;
    while (!ready.getAsBoolean()) {
      if (System.nanoTime() < spinUntil) {
        Thread.onSpinWait();
      } else {
        LockSupport.park();
      }
    }
  }

  private boolean workWaiting() {
    Loop loop = current;
    return loop != null && loop.hasChunksLeft();
  }

  @Override
  public void close() {
    closed = true;
    for (Thread h : helpers) {
      LockSupport.unpark(h);
    }
  }

  /** One call of {@link #forRange}: who takes which chunk, how many are done, the first failure. */
  private static final class Loop {
    final int size;
    final int grain;
    final int chunks;
    final RangeBody body;
    final Thread caller;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** CPU the helpers spent on this loop's chunks, for {@link RunCpu}. */
    final AtomicLong helperCpuNanos = new AtomicLong();

    Loop(int size, int grain, int chunks, RangeBody body, Thread caller) {
      this.size = size;
      this.grain = grain;
      this.chunks = chunks;
      this.body = body;
      this.caller = caller;
    }

    boolean hasChunksLeft() {
      return next.get() < chunks;
    }

    /** Runs chunks until none are left; a helper adds its CPU time before it counts a chunk done. */
    void work(boolean helper) {
      for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
        long cpu = helper ? RunCpu.threadNanos() : 0;
        try {
          if (failure.get() == null) {
            int from = c * grain;
            body.run(from, Math.min(size, from + grain));
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        } finally {
          if (helper) {
            helperCpuNanos.addAndGet(RunCpu.threadNanos() - cpu);
          }
          if (done.incrementAndGet() == chunks) {
            LockSupport.unpark(caller);
          }
        }
      }
    }

    /** Waits for the helpers' last chunks; the last one unparks the caller. */
    void awaitDone() {
      spinThenPark(() -> done.get() >= chunks);
    }
  }
}
