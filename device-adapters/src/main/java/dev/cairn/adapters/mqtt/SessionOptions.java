package dev.cairn.adapters.mqtt;

/**
 * Persistent MQTT sessions ({@code mqtt.sessions}): what a sleeping device's sessions may hold. A session is
 * kept for an MQTT 3.1.1 client that connects with clean session 0, and for an MQTT 5 client with a session
 * expiry interval above 0; its subscriptions and undelivered QoS 1 results live in the journal.
 *
 * @param maxQueuedResults results at most waiting (or about to) in one device's sessions; past it new jobs of
 *     the device are refused with BUSY, and no kept result is ever dropped
 * @param maxQueuedBytes bytes of results at most waiting in one device's sessions, the same way
 * @param maxExpirySeconds the longest a session outlives its connection: an MQTT 5 client asking more is told
 *     this in its CONNACK, an MQTT 3.1.1 session (which asks for no limit) gets this
 */
public record SessionOptions(int maxQueuedResults, long maxQueuedBytes, long maxExpirySeconds) {
  public static final int DEFAULT_MAX_QUEUED_RESULTS = 1000;
  public static final long DEFAULT_MAX_QUEUED_BYTES = 16L * 1024 * 1024;
  /** A week: a device asleep longer is gone, its results still fetchable by id for results.retention. */
  public static final long DEFAULT_MAX_EXPIRY_SECONDS = 7L * 24 * 3600;

  public SessionOptions {
    if (maxQueuedResults < 1) {
      throw new IllegalArgumentException("mqtt.sessions.maxQueuedResults must be at least 1, was " + maxQueuedResults);
    }
    if (maxQueuedBytes < 1024) {
      throw new IllegalArgumentException("mqtt.sessions.maxQueuedBytes must be at least 1024, was " + maxQueuedBytes);
    }
    if (maxExpirySeconds < 1 || maxExpirySeconds > 0xFFFFFFFEL) {
      throw new IllegalArgumentException("mqtt.sessions.maxExpirySeconds must be 1 to 4294967294, was " + maxExpirySeconds);
    }
  }

  public static SessionOptions defaults() {
    return new SessionOptions(DEFAULT_MAX_QUEUED_RESULTS, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_EXPIRY_SECONDS);
  }
}
