package dev.cairn.scheduler;

import java.time.Instant;
import java.util.Map;

/**
 * A job that ran, handed to the {@link ResultSealer} before its result goes back to the device.
 *
 * @param kernelVersion version of the kernel that ran
 * @param params the checked params, defaults filled in
 * @param inputDigest {@link ResultSealer#inputDigest} of the inputs, taken before the kernel ran (which may
 *     have overwritten the request's input arrays since)
 * @param outputs as in {@link JobResult#outputs()}
 * @param queueMicros time from arrival to the start of its run
 * @param runMicros wall time of the run (of the whole batch, when it ran in one)
 * @param cpuMicros CPU time of the run, the worker's and its helper threads' (its share, when it ran in a
 *     batch), 0 where the JVM cannot measure thread CPU time
 */
public record CompletedJob(
    JobRequest request,
    String kernelVersion,
    Map<String, Object> params,
    byte[] inputDigest,
    Map<String, Object> outputs,
    String backend,
    Instant received,
    Instant completed,
    long queueMicros,
    long runMicros,
    long cpuMicros) {

  /** A completed job without timings (tests and callers that do not meter). */
  public CompletedJob(JobRequest request, String kernelVersion, Map<String, Object> params, byte[] inputDigest,
      Map<String, Object> outputs, String backend, Instant received, Instant completed) {
    this(request, kernelVersion, params, inputDigest, outputs, backend, received, completed, 0, 0, 0);
  }
}
