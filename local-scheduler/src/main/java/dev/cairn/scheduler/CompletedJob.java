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
 */
public record CompletedJob(
    JobRequest request,
    String kernelVersion,
    Map<String, Object> params,
    byte[] inputDigest,
    Map<String, Object> outputs,
    String backend,
    Instant received,
    Instant completed) {}
