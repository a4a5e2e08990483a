package dev.cairn.scheduler;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.KernelCatalog;
import java.time.Clock;
import java.util.concurrent.CompletionStage;

/**
 * Admits, queues and runs jobs. Kernels run on the scheduler's worker threads, never on the caller's
 * (an adapter's event loop calls {@link #submit} and gets a stage back at once).
 *
 * <p>Admission: kernel installed and allowed for the device, params and input shapes valid, sizes
 * within limits, no repeated (device, id), the device under its in-flight and rate quotas
 * ({@link DevicePolicy}), the queue not full. A refusal completes the returned stage before
 * {@code submit} returns. The queue orders by priority
 * (high first), then earliest deadline, then arrival. A job whose deadline passed before it could start
 * gets {@code DEADLINE_EXCEEDED}.
 */
public interface Scheduler {

  static Scheduler create(
      SchedulerOptions options, KernelCatalog catalog, Backend backend, ResultSealer sealer, Clock clock,
      Ticker ticker) {
    return create(options, catalog, java.util.List.of(backend), sealer, clock, ticker);
  }

  /**
   * A scheduler over several backends: the CPU backend first (it runs every kernel), then accelerators;
   * each job goes where the cost model predicts it finishes first.
   */
  static Scheduler create(
      SchedulerOptions options, KernelCatalog catalog, java.util.List<Backend> backends, ResultSealer sealer, Clock clock,
      Ticker ticker) {
    return new dev.cairn.scheduler.impl.DefaultScheduler(options, catalog, backends, sealer, clock, ticker);
  }

  /**
   * Submits a job. The stage never fails: refusals and failures complete it with an error
   * {@link JobResult}. A successful result is completed only after its leaf is sealed.
   */
  CompletionStage<JobResult> submit(JobRequest request);

  SchedulerOptions options();

  /**
   * Told by an adapter of a job it refused itself, before {@link #submit} (a payload it could not decode,
   * a wrong topic, too large), so that metrics and the refusal log count every refusal. Does nothing by
   * default.
   *
   * @param jobId the job's id if the adapter could read one, else null
   */
  default void refusedBeforeSubmit(String deviceId, String jobId, ErrorCode code, String message) {}

  /**
   * Changes limits, device policies and installed kernels while running: new jobs are admitted under the
   * new ones; jobs already accepted finish as they are. A device's rate keeps what it has left, up to
   * its new burst.
   *
   * @throws IllegalArgumentException for the settings that need a restart (worker threads, the
   *     duplicate-id window)
   */
  void reconfigure(SchedulerOptions options, KernelCatalog kernels);

  /** Completes when placement's start-up calibration is done (at once with a single backend). */
  default CompletionStage<Void> calibrated() {
    return java.util.concurrent.CompletableFuture.completedFuture(null);
  }

  KernelCatalog catalog();

  SchedulerStats stats();

  /** Stops taking jobs ({@code BUSY} from now on), lets queued and running jobs finish, then stops the workers. */
  CompletionStage<Void> stop();
}
