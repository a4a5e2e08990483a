package dev.cairn.scheduler;

/** Why a job was refused or failed. Part of the public device contract: names never change. */
public enum ErrorCode {
  /** The request is malformed or does not fit the kernel (shapes, types, NaN). */
  BAD_REQUEST,
  /** No kernel of that name is installed on this gateway. */
  UNKNOWN_KERNEL,
  /** The payload or an input is over a configured limit. */
  TOO_LARGE,
  /** The queue is full, or the device is at its in-flight limit or over its rate quota; retry later. */
  BUSY,
  /** The job's deadline passed before it could run. */
  DEADLINE_EXCEEDED,
  /** The device may not do this (another device's topic or job, or a kernel its policy does not allow). */
  FORBIDDEN,
  /** The device already sent a job with this id. */
  DUPLICATE,
  /** No result of that job id is kept for the device (never run here, or past {@code results.retention}). */
  NOT_FOUND,
  /** The gateway failed; the message says what happened. */
  INTERNAL
}
