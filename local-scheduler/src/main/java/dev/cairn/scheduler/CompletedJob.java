package dev.cairn.scheduler;

import java.time.Instant;
import java.util.Map;

/**
 * A job that ran, handed to the {@link ResultSealer} before its result goes back to the device.
 *
 * @param kernelVersion version of the kernel that ran
 * @param params the checked params, defaults filled in (the inputs are the request's)
 * @param outputs as in {@link JobResult#outputs()}
 */
public record CompletedJob(
    JobRequest request,
    String kernelVersion,
    Map<String, Object> params,
    Map<String, Object> outputs,
    String backend,
    Instant received,
    Instant completed) {}
