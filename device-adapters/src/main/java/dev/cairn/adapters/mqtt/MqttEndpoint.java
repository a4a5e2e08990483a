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

  /** Binds and completes with the bound port. */
  Future<Integer> start();

  /** The bound port, or -1 before {@link #start()} completed. */
  int actualPort();

  /**
   * Publishes {@code payload} at QoS 1 to {@code {prefix}/{deviceId}/{subtopic}}, to every connection of
   * the device subscribed to it (e.g. receipts). Callable from any thread. Returns false when no
   * connection of the device is subscribed (nothing is kept for later); the payload is then never made.
   */
  boolean publishToDevice(String deviceId, String subtopic, java.util.function.Supplier<byte[]> payload, String contentType);

  /** Number of open device connections. */
  int connections();

  /**
   * Stops accepting connections and jobs, waits for the results of jobs already accepted to be sent,
   * then closes every connection.
   */
  Future<Void> stop();
}
