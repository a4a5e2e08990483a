package dev.cairn.runtime.bench;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A bare Vert.x MQTT server that answers each request itself with no work: a PUBLISH on
 * {@code cairn/{device}/jobs} gets a small result on {@code cairn/{device}/results}, acknowledged as its
 * QoS asks. The ceiling of an embedded endpoint on the machine.
 */
public final class BareMqttServer {
  private BareMqttServer() {}

  /** {@code {"id":"...","status":"ok"}} with the request's id. */
  static String reply(Buffer request) {
    String body = request.toString(StandardCharsets.UTF_8);
    int i = body.indexOf("\"id\":\"");
    String id = i < 0 ? "" : body.substring(i + 6, body.indexOf('"', i + 6));
    return "{\"id\":\"" + id + "\",\"status\":\"ok\",\"outputs\":{}}";
  }

  public static void main(String[] args) throws Exception {
    MqttLoad.Args a = MqttLoad.Args.parse(args);
    int port = a.integer("port", 1883);
    Vertx vertx = Vertx.vertx();
    MqttServerOptions o = new MqttServerOptions().setHost("127.0.0.1").setPort(port);
    MqttServer server = MqttServer.create(vertx, o);
    server.endpointHandler(ep -> {
      ep.subscribeHandler(s -> ep.subscribeAcknowledge(s.messageId(),
          s.topicSubscriptions().stream().map(t -> t.qualityOfService()).toList()));
      ep.publishHandler(m -> {
        String topic = m.topicName();
        String device = topic.substring(6, topic.length() - 5);
        if (m.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
          ep.publishAcknowledge(m.messageId());
        }
        ep.publish("cairn/" + device + "/results", Buffer.buffer(reply(m.payload()), StandardCharsets.UTF_8.name()),
            m.qosLevel(), false, false);
      });
      ep.publishAcknowledgeHandler(id -> { });
      ep.pingHandler(v -> { });
      ep.accept(false);
    });
    server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("bare server ready on " + server.actualPort());
    System.out.flush();
  }
}
