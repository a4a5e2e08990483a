package dev.cairn.runtime.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.runtime.demo.NoDelaySocketFactory;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/** A device in tests: a real Paho MQTT 5 client that collects what arrives on its subscriptions. */
public final class Mqtt5Device implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One message received, with its MQTT 5 properties. */
  public record Received(String topic, MqttMessage message) {
    public JsonNode json() {
      try {
        return JSON.readTree(message.getPayload());
      } catch (IOException e) {
        throw new AssertionError("result is not JSON: " + new String(message.getPayload()), e);
      }
    }
  }

  final MqttClient client;
  final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  final String deviceId;

  Mqtt5Device(int port, String userName, String clientId) throws MqttException {
    this.deviceId = userName != null ? userName : clientId;
    client = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
    MqttConnectionOptions options = new MqttConnectionOptions();
    if (userName != null) {
      options.setUserName(userName);
    }
    options.setSocketFactory(new NoDelaySocketFactory());
    options.setCleanStart(true);
    client.connect(options);
  }

  /** A device over a client that is connected already (over TLS, with a password, ...). */
  public Mqtt5Device(MqttClient connected, String deviceId) {
    this.client = connected;
    this.deviceId = deviceId;
  }

  /**
   * A connected Paho MQTT 5 client over {@code sockets} (plain or TLS), with a user name and password when given
   * (null: none); the client id is made unique.
   */
  public static MqttClient client(String serverUri, javax.net.SocketFactory sockets, String user, String password)
      throws MqttException {
    MqttClient client = new MqttClient(serverUri, (user == null ? "anonymous" : user) + "-" + System.nanoTime(), new MemoryPersistence());
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setSocketFactory(sockets);
    o.setConnectionTimeout(10);
    if (user != null) {
      o.setUserName(user);
    }
    if (password != null) {
      o.setPassword(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    client.connect(o);
    return client;
  }

  public static Mqtt5Device connect(int port, String device) throws MqttException {
    return new Mqtt5Device(port, device, device + "-" + System.nanoTime());
  }

  public Mqtt5Device subscribe(String filter) throws MqttException {
    client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)},
        new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(t, m) -> received.add(new Received(t, m))});
    return this;
  }

  void publish(String topic, byte[] payload, int qos) throws MqttException {
    publish(topic, payload, qos, new MqttProperties());
  }

  void publish(String topic, byte[] payload, int qos, MqttProperties properties) throws MqttException {
    MqttMessage m = new MqttMessage(payload, qos, false, properties);
    client.publish(topic, m);
  }

  public void publishJson(String topic, String json) throws MqttException {
    publish(topic, json.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1);
  }

  /**
   * Publishes a job to the device's jobs topic and returns the next message as JSON. A refused job's
   * PUBACK may carry an error reason code, which Paho reports by throwing; the result says why.
   */
  public JsonNode runJob(String json) throws Exception {
    try {
      publishJson("cairn/" + deviceId + "/jobs", json);
    } catch (MqttException e) {
      if (e.getReasonCode() < 0x80 || !isConnected()) {
        throw e;
      }
    }
    return next().json();
  }

  /** The next message, waiting at most 10 s. */
  public Received next() throws InterruptedException {
    Received r = received.poll(10, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError(deviceId + " received nothing within 10 s");
    }
    return r;
  }

  public boolean isConnected() {
    return client.isConnected();
  }

  @Override
  public void close() throws MqttException {
    if (client.isConnected()) {
      client.disconnect();
    }
    client.close();
  }
}
