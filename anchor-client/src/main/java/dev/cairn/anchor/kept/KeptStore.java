package dev.cairn.anchor.kept;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Results and MQTT sessions kept in the gateway's journal. Every operation runs on the journal's writer
 * thread, grouped with the other work waiting there into one transaction; a completed stage means the
 * change is committed (SQLite WAL: it survives a restart and a killed process). Times are milliseconds of
 * the caller's clock, so tests move them with an injected clock.
 */
public interface KeptStore {

  /** Keeps a device's result of a job until {@code expiresMs}; a result kept before for the same job is replaced. */
  CompletionStage<Void> keepResult(String deviceId, String jobId, byte[] result, long expiresMs);

  /** The kept result of a device's job, empty when there is none or it expired by {@code nowMs}. */
  CompletionStage<Optional<byte[]>> result(String deviceId, String jobId, long nowMs);

  /** {@link #key} of every result kept past {@code nowMs}, to rebuild an index of kept jobs at start. */
  CompletionStage<long[]> resultKeys(long nowMs);

  /** Removes the results expired by {@code nowMs}; completes with how many. */
  CompletionStage<Integer> expireResults(long nowMs);

  /** Results kept now and the bytes of their rows (result bytes plus the device and job ids). */
  CompletionStage<Usage> resultUsage();

  /** A session's state: its device, subscriptions (opaque) and when it expires (Long.MAX_VALUE: never). */
  record Session(String clientId, String deviceId, byte[] subscriptions, long expiresMs) {}

  /** A message queued for a session, in order of {@code seq}; {@code expiresMs} Long.MAX_VALUE: never. */
  record Queued(long seq, byte[] message, long expiresMs) {}

  /** Counts and bytes of what is kept. */
  record Usage(long count, long bytes) {}

  /** A stored session with what its queue holds. */
  record Stored(Session session, Usage queued) {}

  /** Every stored session with its queue's size, to take them up again at start. */
  CompletionStage<List<Stored>> sessions();

  /** Creates or replaces a session (its queue stays). */
  CompletionStage<Void> putSession(Session session);

  /** The session of a client id, empty when there is none. */
  CompletionStage<Optional<Session>> session(String clientId);

  /** Removes a session and its queue. */
  CompletionStage<Void> removeSession(String clientId);

  /** Removes every session expired by {@code nowMs} with its queue; completes with the removed sessions. */
  CompletionStage<List<Session>> expireSessions(long nowMs);

  /** Appends a message to a session's queue; completes with its sequence number. */
  CompletionStage<Long> enqueue(String clientId, byte[] message, long expiresMs);

  /** A session's queued messages not expired by {@code nowMs}, oldest first (expired ones are removed). */
  CompletionStage<List<Queued>> queued(String clientId, long nowMs);

  /** Removes queued messages once delivered. */
  CompletionStage<Void> dequeue(String clientId, List<Long> seqs);

  /** What the sessions of a device hold queued now (messages and their bytes), for its bounds. */
  CompletionStage<Usage> queuedOf(String deviceId);

  /** A 64-bit key of (device, job), the same for the same pair in every run. */
  static long key(String deviceId, String jobId) {
    return ((long) deviceId.hashCode() << 32) ^ (jobId.hashCode() & 0xffffffffL) ^ ((long) jobId.length() << 20);
  }
}
