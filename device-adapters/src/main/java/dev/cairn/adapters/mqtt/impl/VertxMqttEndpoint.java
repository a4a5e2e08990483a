package dev.cairn.adapters.mqtt.impl;

import dev.cairn.adapters.mqtt.MqttEndpoint;
import dev.cairn.adapters.mqtt.MqttEndpointOptions;
import dev.cairn.scheduler.Scheduler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Stub. */
public final class VertxMqttEndpoint implements MqttEndpoint {
  public VertxMqttEndpoint(Vertx vertx, MqttEndpointOptions options, Scheduler scheduler) {}

  @Override
  public Future<Integer> start() {
    throw new UnsupportedOperationException();
  }

  @Override
  public int actualPort() {
    return -1;
  }

  @Override
  public int connections() {
    return 0;
  }

  @Override
  public Future<Void> stop() {
    throw new UnsupportedOperationException();
  }
}
