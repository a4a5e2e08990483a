package dev.cairn.adapters.mqtt;

import dev.cairn.scheduler.Scheduler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The device-facing MQTT server (MQTT 3.1.1 and 5) of the device contract: jobs on
 * {@code {prefix}/{deviceId}/jobs}, results on {@code {prefix}/{deviceId}/results} (or the MQTT 5
 * Response Topic with its Correlation Data). A device reaches only its own topics.
 */
public interface MqttEndpoint {

  static MqttEndpoint create(Vertx vertx, MqttEndpointOptions options, Scheduler scheduler) {
    return new dev.cairn.adapters.mqtt.impl.VertxMqttEndpoint(vertx, options, scheduler);
  }

  /**
   * An endpoint that also answers {@code {"id": "..."}} on {@code {prefix}/{deviceId}/results/get} with the
   * kept result of that job.
   */
  static MqttEndpoint create(Vertx vertx, MqttEndpointOptions options, Scheduler scheduler, dev.cairn.scheduler.KeptResults kept) {
    return new dev.cairn.adapters.mqtt.impl.VertxMqttEndpoint(vertx, options, scheduler, kept);
  }

  /**
   * An endpoint with persistent sessions (MQTT 3.1.1 clean session 0, MQTT 5 session expiry above 0) whose
   * subscriptions and undelivered QoS 1 results are kept in {@code store}, bounded by {@code sessions}, and
   * expire on {@code clock}.
   */
  static MqttEndpoint create(Vertx vertx, MqttEndpointOptions options, Scheduler scheduler, dev.cairn.scheduler.KeptResults kept,
      SessionOptions sessions, dev.cairn.anchor.kept.KeptStore store, java.time.Clock clock) {
    return new dev.cairn.adapters.mqtt.impl.VertxMqttEndpoint(vertx, options, scheduler, kept, sessions, store, clock);
  }

  /** Persistent sessions now, removed after their expiry since start, and jobs refused for a full session. */
  record SessionStats(int sessions, long expired, long refusedJobs) {}

  /** Removes the persistent sessions past their expiry now (also done every second); completes with how many. */
  default Future<Integer> expireSessions() {
    return Future.succeededFuture(0);
  }

  default SessionStats sessionStats() {
    return new SessionStats(0, 0, 0);
  }

  /** Binds and completes with the bound port. */
  Future<Integer> start();

  /** The bound port of plain MQTT, or -1 before {@link #start()} completed or when plain MQTT is off. */
  int actualPort();

  /** The bound port of MQTT over TLS, or -1 before {@link #start()} completed or when TLS is off. */
  int actualTlsPort();

  /**
   * Checks a device's password against the password file, with the same work for every answer and the same
   * slow-down of an address that keeps failing as a CONNECT gets (for other doors, such as the admin API).
   * Completes with false when no password file is configured.
   */
  Future<Boolean> authenticate(String deviceId, byte[] password, String remoteAddress);

  /** Whether devices have passwords here ({@code mqtt.auth} password or password+certificate). */
  boolean passwordsConfigured();

  /**
   * Publishes {@code payload} at QoS 1 to {@code {prefix}/{deviceId}/{subtopic}}, to every connection of
   * the device subscribed to it (e.g. receipts). Callable from any thread. Returns false when no
   * connection of the device is subscribed (nothing is kept for later); the payload is then never made.
   */
  boolean publishToDevice(String deviceId, String subtopic, java.util.function.Supplier<byte[]> payload, String contentType);

  /** Number of open TCP connections, plain and TLS, including those that have not sent CONNECT yet. */
  int connections();

  /**
   * Stops accepting connections and jobs, waits for the results of jobs already accepted to be sent,
   * then closes every connection.
   */
  Future<Void> stop();
}
