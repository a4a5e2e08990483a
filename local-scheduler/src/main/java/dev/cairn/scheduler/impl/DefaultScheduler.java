package dev.cairn.scheduler.impl;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.ResultSealer;
import dev.cairn.scheduler.Scheduler;
import dev.cairn.scheduler.SchedulerOptions;
import dev.cairn.scheduler.SchedulerStats;
import dev.cairn.scheduler.Ticker;
import java.time.Clock;
import java.util.concurrent.CompletionStage;

/** Stub. */
public final class DefaultScheduler implements Scheduler {
  public DefaultScheduler(
      SchedulerOptions options, KernelCatalog catalog, Backend backend, ResultSealer sealer, Clock clock,
      Ticker ticker) {}

  @Override
  public CompletionStage<JobResult> submit(JobRequest request) {
    throw new UnsupportedOperationException();
  }

  @Override
  public SchedulerOptions options() {
    throw new UnsupportedOperationException();
  }

  @Override
  public KernelCatalog catalog() {
    throw new UnsupportedOperationException();
  }

  @Override
  public SchedulerStats stats() {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletionStage<Void> stop() {
    throw new UnsupportedOperationException();
  }
}
