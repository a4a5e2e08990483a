package dev.cairn.runtime.bench;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The minimal responder behind a broker: subscribes to {@code cairn/+/jobs} and answers each job on
 * {@code cairn/{device}/results} with a small result carrying its id, doing no work. With Mosquitto in
 * between, this is the relay a user could build instead of Cairn.
 */
public final class MqttResponder {
  private MqttResponder() {}

  public static void main(String[] args) throws Exception {
    MqttLoad.Args a = MqttLoad.Args.parse(args);
    int port = a.integer("port", 1883);
    MqttQoS qos = MqttQoS.valueOf(a.integer("qos", 1));
    Vertx vertx = Vertx.vertx();
    MqttClientOptions o = new MqttClientOptions().setClientId("responder").setMaxInflightQueue(65_535).setCleanSession(true);
    o.setTcpNoDelay(true);
    MqttClient client = MqttClient.create(vertx, o);
    client.publishHandler(m -> {
      String topic = m.topicName();
      String device = topic.substring(6, topic.length() - 5);
      client.publish("cairn/" + device + "/results", Buffer.buffer(BareMqttServer.reply(m.payload()), StandardCharsets.UTF_8.name()),
          qos, false, false);
    });
    client.connect(port, "127.0.0.1").compose(ack -> client.subscribe("cairn/+/jobs", qos.value()))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("responder ready");
    System.out.flush();
  }
}
