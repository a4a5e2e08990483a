package dev.cairn.scheduler;

import java.util.Map;

/** Counters since start, for the admin API and the demo summary. */
public record SchedulerStats(
    long accepted, long completed, long failed, int queued, int running, Map<ErrorCode, Long> refusals) {}
