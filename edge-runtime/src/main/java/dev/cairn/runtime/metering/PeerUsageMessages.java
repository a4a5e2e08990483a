package dev.cairn.runtime.metering;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageStatement;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * The JSON of usage between gateways on {@code cairn/net/usage/{peer}}: {@code {"v": 1, "type": ..., "from",
 * "to", "statement": {"body", "signature"}}} with, for {@code countersign}, {@code "countersignature"}, and
 * for {@code dispute}, {@code "requesterVersion": {"body", "signature"}} and {@code "differences"}. Bodies and
 * signatures are base64; a body is a statement's canonical CBOR, so what is signed travels as it is.
 */
final class PeerUsageMessages {
  static final String STATEMENT = "statement";
  static final String COUNTERSIGN = "countersign";
  static final String DISPUTE = "dispute";
  static final int MAX_BYTES = 4 * UsageStatement.MAX_BODY_BYTES;
  private static final Set<String> TYPES = Set.of(STATEMENT, COUNTERSIGN, DISPUTE);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getEncoder();

  private PeerUsageMessages() {}

  /**
   * A message as read: {@code statement} is the executing gateway's signed statement; {@code countersignature}
   * and {@code requesterVersion} are null unless the type carries them.
   */
  record Message(String type, String from, String to, SignedUsage statement, byte[] countersignature,
      SignedUsage requesterVersion, List<String> differences) {}

  static byte[] statement(String from, String to, SignedUsage u) {
    return bytes(head(STATEMENT, from, to, u));
  }

  static byte[] countersign(String from, String to, SignedUsage u, byte[] countersignature) {
    return bytes(head(COUNTERSIGN, from, to, u).put("countersignature", B64.encodeToString(countersignature)));
  }

  static byte[] dispute(String from, String to, SignedUsage u, SignedUsage ours, List<String> differences) {
    ObjectNode o = head(DISPUTE, from, to, u);
    o.putObject("requesterVersion").put("body", B64.encodeToString(ours.body())).put("signature", B64.encodeToString(ours.signature()));
    differences.forEach(o.putArray("differences")::add);
    return bytes(o);
  }

  private static ObjectNode head(String type, String from, String to, SignedUsage u) {
    ObjectNode o = JSON.createObjectNode().put("v", 1).put("type", type).put("from", from).put("to", to);
    o.putObject("statement").put("body", B64.encodeToString(u.body())).put("signature", B64.encodeToString(u.signature()));
    return o;
  }

  private static byte[] bytes(ObjectNode o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** @throws IllegalArgumentException saying what is wrong */
  static Message parse(byte[] payload) {
    if (payload.length > MAX_BYTES) {
      throw new IllegalArgumentException("a usage message has " + payload.length + " bytes, at most " + MAX_BYTES);
    }
    JsonNode o;
    try {
      o = JSON.readTree(payload);
    } catch (IOException e) {
      throw new IllegalArgumentException("a usage message is not JSON: " + e.getMessage());
    }
    if (o == null || !o.isObject() || o.path("v").asInt() != 1) {
      throw new IllegalArgumentException("a usage message must be a version 1 JSON object");
    }
    String type = text(o, "type");
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("a usage message's type must be one of " + TYPES + ", was '" + type + "'");
    }
    SignedUsage statement = signed(o.path("statement"), "statement");
    byte[] countersignature = COUNTERSIGN.equals(type) ? base64(text(o, "countersignature"), "countersignature") : null;
    SignedUsage ours = DISPUTE.equals(type) ? signed(o.path("requesterVersion"), "requesterVersion") : null;
    List<String> differences = new ArrayList<>();
    o.path("differences").forEach(d -> differences.add(d.asText()));
    return new Message(type, text(o, "from"), text(o, "to"), statement, countersignature, ours, List.copyOf(differences));
  }

  private static SignedUsage signed(JsonNode n, String where) {
    byte[] body = base64(text(n, "body"), where + ".body");
    UsageStatement s;
    try {
      s = UsageStatement.parse(body);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    return new SignedUsage(s, body, base64(text(n, "signature"), where + ".signature"), null, null, null);
  }

  private static String text(JsonNode o, String field) {
    JsonNode v = o.path(field);
    if (!v.isTextual()) {
      throw new IllegalArgumentException("a usage message's field '" + field + "' is missing or not text");
    }
    return v.asText();
  }

  private static byte[] base64(String s, String field) {
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a usage message's " + field + " is not base64");
    }
  }
}
