package dev.cairn.runtime.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.anchor.impl.GatewayKey;
import dev.cairn.runtime.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The fleet operator's word that gateway {@code gatewayId} holds {@code gatewayKey}: an Ed25519 signature by
 * the operator's key of {@code "cairn-gateway-key" 0x00 gatewayId 0x00 gatewayKey}. A gateway announces its
 * endorsement, and a peer that trusts the operator ({@code network.operatorKeyFile}) knows it without a pin
 * in {@code network.peers}. Made by {@code cairn fleet endorse}; kept as JSON ({@code network.endorsementFile}):
 * {@code {"v":1, "gatewayId", "gatewayKey": hex, "operatorKey": hex, "signature": base64}}.
 */
public record Endorsement(String gatewayId, byte[] gatewayKey, byte[] operatorKey, byte[] signature) {
  static final int VERSION = 1;
  private static final byte[] DOMAIN = "cairn-gateway-key\0".getBytes(StandardCharsets.US_ASCII);
  private static final HexFormat HEX = HexFormat.of();

  public Endorsement {
    gatewayKey = gatewayKey.clone();
    operatorKey = operatorKey.clone();
    signature = signature.clone();
  }

  /** The bytes the operator signs for {@code gatewayId} and its key. */
  static byte[] message(String gatewayId, byte[] gatewayKey) {
    byte[] id = gatewayId.getBytes(StandardCharsets.UTF_8);
    byte[] m = Arrays.copyOf(DOMAIN, DOMAIN.length + id.length + 1 + gatewayKey.length);
    System.arraycopy(id, 0, m, DOMAIN.length, id.length);
    System.arraycopy(gatewayKey, 0, m, DOMAIN.length + id.length + 1, gatewayKey.length);
    return m;
  }

  /** The operator's endorsement of {@code gatewayKey} for {@code gatewayId}. */
  public static Endorsement sign(Ed25519PrivateKeyParameters operator, String gatewayId, byte[] gatewayKey) {
    if (!Announcement.ID.matcher(gatewayId).matches()) {
      throw new IllegalArgumentException("'" + gatewayId + "' is not a gateway id (1 to 64 letters, digits or '_.:-')");
    }
    if (gatewayKey.length != 32) {
      throw new IllegalArgumentException("a gateway key is 32 bytes (Ed25519), was " + gatewayKey.length);
    }
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, operator);
    byte[] m = message(gatewayId, gatewayKey);
    s.update(m, 0, m.length);
    return new Endorsement(gatewayId, gatewayKey, operator.generatePublicKey().getEncoded(), s.generateSignature());
  }

  /** True when the operator key it names signed this gateway id and key. */
  public boolean verifies() {
    return GatewayKey.verify(operatorKey, message(gatewayId, gatewayKey), signature);
  }

  /**
   * Why this endorsement does not let {@code id} with {@code key} in under {@code trusted} (the operator key
   * this gateway trusts), or null when it does.
   */
  String refusal(String id, byte[] key, byte[] trusted) {
    if (!Arrays.equals(operatorKey, trusted)) {
      return "it is endorsed by operator key " + HEX.formatHex(operatorKey) + ", not the one in network.operatorKeyFile";
    }
    if (!gatewayId.equals(id) || !Arrays.equals(gatewayKey, key)) {
      return "its endorsement is for '" + gatewayId + "' with another key";
    }
    return verifies() ? null : "its endorsement's signature does not verify with the operator key";
  }

  public ObjectNode toJson() {
    return Announcement.JSON.createObjectNode().put("v", VERSION).put("gatewayId", gatewayId)
        .put("gatewayKey", HEX.formatHex(gatewayKey)).put("operatorKey", HEX.formatHex(operatorKey))
        .put("signature", Base64.getEncoder().encodeToString(signature));
  }

  /**
   * Reads an endorsement (from a file or an announcement: untrusted), checking its form; whether it
   * verifies is {@link #verifies}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static Endorsement parse(JsonNode o) {
    if (o == null || !o.isObject() || o.path("v").asInt() != VERSION) {
      throw new IllegalArgumentException("an endorsement is a version " + VERSION + " JSON object");
    }
    String id = o.path("gatewayId").asText();
    if (!Announcement.ID.matcher(id).matches()) {
      throw new IllegalArgumentException("endorsement gatewayId is not a gateway id");
    }
    try {
      byte[] key = HEX.parseHex(o.path("gatewayKey").asText());
      byte[] op = HEX.parseHex(o.path("operatorKey").asText());
      byte[] sig = Base64.getDecoder().decode(o.path("signature").asText());
      if (key.length != 32 || op.length != 32 || sig.length != 64) {
        throw new IllegalArgumentException("endorsement keys are 32 bytes (64 hex digits) and its signature 64 bytes (base64)");
      }
      return new Endorsement(id, key, op, sig);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().startsWith("endorsement") ? e.getMessage()
          : "endorsement gatewayKey and operatorKey must be hex, its signature base64: " + e.getMessage());
    }
  }

  /** Reads {@code network.endorsementFile}. */
  public static Endorsement read(Path file) {
    try {
      return parse(Announcement.JSON.readTree(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new ConfigException("network.endorsementFile " + file + " cannot be read: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("network.endorsementFile " + file + ": " + e.getMessage()
          + " (cairn fleet endorse makes one)", e);
    }
  }

  /** This gateway's endorsement ({@code network.endorsementFile}), checked to be of its own id and key. */
  static Endorsement own(Path file, String self, byte[] key) {
    Endorsement e = read(file);
    if (!e.gatewayId().equals(self) || !Arrays.equals(e.gatewayKey(), key)) {
      throw new ConfigException("network.endorsementFile " + file + " endorses '" + e.gatewayId() + "' with key "
          + HEX.formatHex(e.gatewayKey()) + "; this gateway is '" + self + "' with key " + HEX.formatHex(key)
          + " (its gateway.pub): endorse that one");
    }
    if (!e.verifies()) {
      throw new ConfigException("network.endorsementFile " + file + ": its signature does not verify with the operator key it names");
    }
    return e;
  }

  public void write(Path file) throws IOException {
    Files.writeString(file, Announcement.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()) + "\n");
  }
}
