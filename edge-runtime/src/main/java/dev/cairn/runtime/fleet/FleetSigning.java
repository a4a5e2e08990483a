package dev.cairn.runtime.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.runtime.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * {@code FILE.signed}: every gateway's signed settings, made by {@code cairn fleet sign} beside the
 * manifest, with the manifest's SHA-256 so that {@code cairn fleet apply} refuses a manifest changed
 * after signing; and the publishing of those settings.
 */
public final class FleetSigning {
  private FleetSigning() {}

  public static Path signedFile(Path manifest) {
    return manifest.resolveSibling(manifest.getFileName() + ".signed");
  }

  public static String configTopic(String gatewayId) {
    return "cairn/fleet/" + gatewayId + "/config";
  }

  public static String statusTopic(String gatewayId) {
    return "cairn/fleet/" + gatewayId + "/status";
  }

  public static Path write(Path manifest, FleetManifest m, Ed25519PrivateKeyParameters key) throws IOException {
    ObjectNode out = FleetManifest.JSON.createObjectNode();
    out.put("fleet", m.name()).put("version", m.version()).put("manifestSha256", SignedConfig.sha256Hex(Files.readAllBytes(manifest)));
    ObjectNode configs = out.putObject("configs");
    for (String id : m.gatewayIds()) {
      SignedConfig c = SignedConfig.sign(m.name(), m.version(), id, m.resolve(id), key);
      configs.put(id, Base64.getEncoder().encodeToString(c.toMessage()));
    }
    Path file = signedFile(manifest);
    Files.writeString(file, out.toPrettyString(), StandardCharsets.UTF_8);
    return file;
  }

  /** The messages to publish, by gateway id, after checking they were signed from this very manifest. */
  public static Map<String, byte[]> read(Path manifest, FleetManifest m) throws IOException {
    Path file = signedFile(manifest);
    if (!Files.exists(file)) {
      throw new ConfigException(manifest + " is not signed: run cairn fleet sign " + manifest + " --key OPERATOR_KEY first");
    }
    JsonNode s = FleetManifest.JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    if (!SignedConfig.sha256Hex(Files.readAllBytes(manifest)).equals(s.path("manifestSha256").asText())) {
      throw new ConfigException(manifest + " changed after it was signed (" + file + " is for another text): sign it again");
    }
    Map<String, byte[]> messages = new LinkedHashMap<>();
    for (String id : m.gatewayIds()) {
      String b64 = s.path("configs").path(id).asText(null);
      if (b64 == null) {
        throw new ConfigException(file + " has no signed settings for gateway " + id + ": sign the manifest again");
      }
      messages.put(id, Base64.getDecoder().decode(b64));
    }
    return messages;
  }

  /**
   * Publishes each message retained at QoS 1 on its gateway's config topic; with {@code waitSeconds > 0},
   * then waits for each gateway's retained status to report {@code version} (or an error).
   *
   * @return the last status seen per gateway
   */
  public static Map<String, JsonNode> publish(String broker, Map<String, byte[]> messages, long version, int waitSeconds)
      throws MqttException, InterruptedException {
    Map<String, JsonNode> statuses = new ConcurrentHashMap<>();
    CountDownLatch answered = new CountDownLatch(messages.size());
    java.util.Set<String> finished = ConcurrentHashMap.newKeySet();
    MqttClient client = new MqttClient(broker, "cairn-fleet-" + UUID.randomUUID(), new MemoryPersistence());
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(true);
    o.setConnectionTimeout(10);
    try {
      client.connect(o);
    } catch (MqttException e) {
      throw new ConfigException("cannot connect to the broker " + broker + ": " + e.getMessage());
    }
    try {
      if (waitSeconds > 0) {
        org.eclipse.paho.mqttv5.common.MqttSubscription[] topics = messages.keySet().stream()
            .map(id -> new org.eclipse.paho.mqttv5.common.MqttSubscription(statusTopic(id), 1))
            .toArray(org.eclipse.paho.mqttv5.common.MqttSubscription[]::new);
        org.eclipse.paho.mqttv5.client.IMqttMessageListener[] listeners = new org.eclipse.paho.mqttv5.client.IMqttMessageListener[topics.length];
        java.util.Arrays.fill(listeners, (org.eclipse.paho.mqttv5.client.IMqttMessageListener) (topic, msg) -> {
          String id = topic.split("/")[2];
          JsonNode status = FleetManifest.JSON.readTree(msg.getPayload());
          statuses.put(id, status);
          // Done when the gateway applied this version, or refused it (rolled back, bad signature...).
          boolean done = status.path("appliedVersion").asLong() >= version || status.path("rejectedVersion").asLong() == version;
          if (done && finished.add(id)) {
            answered.countDown();
          }
        });
        // The MqttSubscription[] form: Paho 1.2.5's subscribe(String[], int[], ...) overflows the stack.
        client.subscribe(topics, listeners);
      }
      for (Map.Entry<String, byte[]> e : messages.entrySet()) {
        MqttMessage msg = new MqttMessage(e.getValue());
        msg.setQos(1);
        msg.setRetained(true);
        client.publish(configTopic(e.getKey()), msg);
      }
      if (waitSeconds > 0) {
        answered.await(waitSeconds, TimeUnit.SECONDS);
      }
    } finally {
      client.disconnect();
      client.close();
    }
    return statuses;
  }
}
