/**
 * The job model shared by every adapter ({@link dev.cairn.scheduler.JobRequest},
 * {@link dev.cairn.scheduler.JobResult}, {@link dev.cairn.scheduler.ErrorCode}) and the
 * {@link dev.cairn.scheduler.Scheduler}: admission, a bounded priority queue, and execution on worker
 * threads. A job's result is released only after the {@link dev.cairn.scheduler.ResultSealer} has made
 * its receipt leaf durable.
 */
package dev.cairn.scheduler;
