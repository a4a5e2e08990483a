package dev.cairn.runtime.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * One gateway's resolved configuration as the operator signed it: what {@code cairn fleet apply}
 * publishes (retained) on {@code cairn/fleet/{gatewayId}/config}. The message is JSON:
 * <pre>{"kind":"SignedGatewayConfig","payload":"BASE64","signature":"BASE64"}</pre>
 * where the payload is the JSON {@code {"fleet","version","gatewayId","config"}} and the signature is
 * Ed25519 over the payload's bytes.
 *
 * @param fleet the manifest's metadata.name
 * @param version the manifest's metadata.version; a gateway applies only a higher one
 * @param config the gateway's effective settings (keys sorted)
 */
public record SignedConfig(String fleet, long version, String gatewayId, ObjectNode config, byte[] payload, byte[] signature) {
  public static final String KIND = "SignedGatewayConfig";

  static SignedConfig sign(String fleet, long version, String gatewayId, ObjectNode config, Ed25519PrivateKeyParameters key) {
    ObjectNode p = FleetManifest.JSON.createObjectNode();
    p.put("fleet", fleet).put("version", version).put("gatewayId", gatewayId).set("config", config);
    byte[] payload = p.toString().getBytes(StandardCharsets.UTF_8);
    return new SignedConfig(fleet, version, gatewayId, config, payload, OperatorKey.sign(key, payload));
  }

  /** The published message. */
  public byte[] toMessage() {
    ObjectNode m = FleetManifest.JSON.createObjectNode();
    m.put("kind", KIND)
        .put("payload", Base64.getEncoder().encodeToString(payload))
        .put("signature", Base64.getEncoder().encodeToString(signature));
    return m.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads a published message and checks its signature.
   *
   * @throws IllegalArgumentException saying what is wrong: not a signed configuration, a bad
   *     signature, a malformed payload
   */
  public static SignedConfig verify(byte[] message, Ed25519PublicKeyParameters operator) {
    JsonNode m;
    try {
      m = FleetManifest.JSON.readTree(message);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage());
    }
    if (m == null || !KIND.equals(m.path("kind").asText())) {
      throw new IllegalArgumentException("not a " + KIND + " message");
    }
    byte[] payload;
    byte[] signature;
    try {
      payload = Base64.getDecoder().decode(m.path("payload").asText());
      signature = Base64.getDecoder().decode(m.path("signature").asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("payload or signature is not base64");
    }
    if (signature.length != 64 || !OperatorKey.verify(operator, payload, signature)) {
      throw new IllegalArgumentException("bad signature: not signed by this gateway's operator key");
    }
    JsonNode p;
    try {
      p = FleetManifest.JSON.readTree(payload);
    } catch (IOException e) {
      throw new IllegalArgumentException("signed payload is not JSON");
    }
    if (!p.path("config").isObject() || !p.path("version").isIntegralNumber() || !p.path("gatewayId").isTextual()) {
      throw new IllegalArgumentException("signed payload lacks fleet, version, gatewayId or config");
    }
    return new SignedConfig(p.path("fleet").asText(), p.path("version").asLong(), p.path("gatewayId").asText(),
        (ObjectNode) p.get("config"), payload, signature);
  }

  /** SHA-256 of the configuration's canonical JSON: equal on every gateway with the same settings. */
  public String configSha256() {
    return sha256Of(config);
  }

  /** SHA-256 (hex) of settings' canonical JSON (keys sorted, as {@link FleetManifest#resolve} gives them). */
  static String sha256Of(ObjectNode settings) {
    return sha256Hex(settings.toString().getBytes(StandardCharsets.UTF_8));
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
