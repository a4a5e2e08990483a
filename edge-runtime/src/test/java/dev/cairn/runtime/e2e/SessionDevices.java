package dev.cairn.runtime.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Sleeping devices in tests: real Paho v3 and v5 clients that keep their session across connections. */
public final class SessionDevices {
  static final ObjectMapper JSON = new ObjectMapper();

  private SessionDevices() {}

  /** What arrived on a connection, as JSON. */
  public static final class Inbox {
    final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();

    void add(byte[] payload) {
      try {
        messages.add(JSON.readTree(payload));
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + new String(payload), e);
      }
    }

    /** The next message, waiting at most 10 s. */
    public JsonNode next() throws InterruptedException {
      JsonNode m = messages.poll(10, TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("nothing arrived within 10 s");
      }
      return m;
    }
  }

  /** An MQTT 3.1.1 connection of device {@code user} with client id {@code clientId}, clean session as given. */
  public static final class V3 implements AutoCloseable {
    final org.eclipse.paho.client.mqttv3.MqttClient client;
    public final Inbox inbox = new Inbox();
    public final boolean sessionPresent;

    public V3(int port, String user, String clientId, boolean clean) throws Exception {
      client = new org.eclipse.paho.client.mqttv3.MqttClient("tcp://127.0.0.1:" + port, clientId,
          new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
      client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
        @Override
        public void connectionLost(Throwable cause) {}

        @Override
        public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
          inbox.add(message.getPayload());
        }

        @Override
        public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {}
      });
      org.eclipse.paho.client.mqttv3.MqttConnectOptions o = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
      o.setMqttVersion(org.eclipse.paho.client.mqttv3.MqttConnectOptions.MQTT_VERSION_3_1_1);
      o.setCleanSession(clean);
      o.setUserName(user);
      o.setAutomaticReconnect(false);
      sessionPresent = client.connectWithResult(o).getSessionPresent();
    }

    public V3 subscribe(String filter) throws Exception {
      client.subscribe(filter, 1);
      return this;
    }

    public void publish(String topic, String json) throws Exception {
      client.publish(topic, json.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, false);
    }

    @Override
    public void close() throws Exception {
      if (client.isConnected()) {
        client.disconnect();
      }
      client.close();
    }
  }

  /** An MQTT 5 connection of device {@code user}: clean start and session expiry as given. */
  public static final class V5 implements AutoCloseable {
    final org.eclipse.paho.mqttv5.client.MqttClient client;
    public final Inbox inbox = new Inbox();
    public final boolean sessionPresent;

    public V5(int port, String user, String clientId, boolean cleanStart, long expirySeconds) throws Exception {
      client = new org.eclipse.paho.mqttv5.client.MqttClient("tcp://127.0.0.1:" + port, clientId,
          new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
      client.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
        @Override
        public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse response) {}

        @Override
        public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException exception) {}

        @Override
        public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage message) {
          inbox.add(message.getPayload());
        }

        @Override
        public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {}

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {}

        @Override
        public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties properties) {}
      });
      org.eclipse.paho.mqttv5.client.MqttConnectionOptions o = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
      o.setCleanStart(cleanStart);
      o.setSessionExpiryInterval(expirySeconds);
      o.setUserName(user);
      o.setAutomaticReconnect(false);
      sessionPresent = client.connectWithResult(o).getSessionPresent();
    }

    public V5 subscribe(String filter) throws Exception {
      client.subscribe(filter, 1);
      return this;
    }

    /** Publishes at QoS 1, with an MQTT 5 message expiry interval when not null. */
    public void publish(String topic, String json, Long messageExpirySeconds) throws Exception {
      org.eclipse.paho.mqttv5.common.packet.MqttProperties props = new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
      if (messageExpirySeconds != null) {
        props.setMessageExpiryInterval(messageExpirySeconds);
      }
      org.eclipse.paho.mqttv5.common.MqttMessage m =
          new org.eclipse.paho.mqttv5.common.MqttMessage(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, false, props);
      client.publish(topic, m);
    }

    @Override
    public void close() throws Exception {
      if (client.isConnected()) {
        client.disconnect();
      }
      client.close();
    }
  }
}
