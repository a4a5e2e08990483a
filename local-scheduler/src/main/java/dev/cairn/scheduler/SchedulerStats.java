package dev.cairn.scheduler;

import java.util.Map;

/**
 * Counters since start, for the admin API and the demo summary.
 *
 * @param backends jobs run per backend
 * @param batches launches that ran more than one job at once
 * @param costModel placement's model: "kernel backend" to {input elements: microseconds per call}
 */
public record SchedulerStats(
    long accepted, long completed, long failed, int queued, int running, Map<ErrorCode, Long> refusals,
    Map<String, Long> backends, long batches, Map<String, Map<Long, Long>> costModel) {}
