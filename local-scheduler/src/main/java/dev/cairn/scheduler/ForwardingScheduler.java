package dev.cairn.scheduler;

import dev.cairn.kernels.KernelCatalog;
import java.util.concurrent.CompletionStage;

/** A scheduler that hands everything to another; subclasses change what they need (usually {@link #submit}). */
public abstract class ForwardingScheduler implements Scheduler {
  protected final Scheduler inner;

  protected ForwardingScheduler(Scheduler inner) {
    this.inner = inner;
  }

  @Override
  public CompletionStage<JobResult> submit(JobRequest request) {
    return inner.submit(request);
  }

  @Override
  public void refusedBeforeSubmit(String deviceId, String jobId, ErrorCode code, String message) {
    inner.refusedBeforeSubmit(deviceId, jobId, code, message);
  }

  @Override
  public SchedulerOptions options() {
    return inner.options();
  }

  @Override
  public void reconfigure(SchedulerOptions options, KernelCatalog kernels) {
    inner.reconfigure(options, kernels);
  }

  @Override
  public CompletionStage<Void> calibrated() {
    return inner.calibrated();
  }

  @Override
  public KernelCatalog catalog() {
    return inner.catalog();
  }

  @Override
  public SchedulerStats stats() {
    return inner.stats();
  }

  @Override
  public CompletionStage<Void> stop() {
    return inner.stop();
  }
}
