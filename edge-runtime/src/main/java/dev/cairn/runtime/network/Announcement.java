package dev.cairn.runtime.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a gateway says of itself on {@code cairn/net/gateways/{id}} (JSON; its signature travels in the
 * MQTT 5 user property {@code cairn-sig}).
 *
 * @param kernels installed kernel names to their versions
 * @param freeCapacity jobs its queue can still take
 * @param queueLength jobs waiting in its queue
 * @param atMillis when it was made, on the announcing gateway's clock: each peer's announcements only go forward
 * @param endorsement the fleet operator's endorsement of its id and key, or null
 */
public record Announcement(
    String id, byte[] publicKey, Map<String, String> kernels, List<String> backends, int freeCapacity, int queueLength,
    int running, Map<String, String> labels, String software, long atMillis, Endorsement endorsement) {

  static final int VERSION = 1;
  /** Longest announcement read, in bytes. */
  static final int MAX_BYTES = 64 * 1024;
  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_.+:-]{1,64}");

  public Announcement {
    publicKey = publicKey.clone();
    kernels = Map.copyOf(kernels);
    backends = List.copyOf(backends);
    labels = Map.copyOf(labels);
  }

  /** An announcement without an endorsement: its gateway is known only where it is pinned. */
  public Announcement(String id, byte[] publicKey, Map<String, String> kernels, List<String> backends, int freeCapacity,
      int queueLength, int running, Map<String, String> labels, String software, long atMillis) {
    this(id, publicKey, kernels, backends, freeCapacity, queueLength, running, labels, software, atMillis, null);
  }

  byte[] toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("v", VERSION).put("id", id).put("publicKey", HexFormat.of().formatHex(publicKey));
    ArrayNode ks = o.putArray("kernels");
    kernels.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> ks.addObject().put("name", e.getKey()).put("version", e.getValue()));
    ArrayNode bs = o.putArray("backends");
    backends.forEach(bs::add);
    o.put("freeCapacity", freeCapacity).put("queueLength", queueLength).put("running", running);
    ObjectNode ls = o.putObject("labels");
    new java.util.TreeMap<>(labels).forEach(ls::put);
    o.put("software", software).put("at", atMillis);
    if (endorsement != null) {
      o.set("endorsement", endorsement.toJson());
    }
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads an announcement from a peer: untrusted, so bounded and checked field by field.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static Announcement parse(byte[] payload) {
    if (payload.length > MAX_BYTES) {
      throw new IllegalArgumentException("announcement of " + payload.length + " bytes; at most " + MAX_BYTES);
    }
    JsonNode o;
    try {
      o = JSON.readTree(payload);
    } catch (IOException e) {
      throw new IllegalArgumentException("announcement is not JSON: " + e.getMessage());
    }
    if (o == null || !o.isObject() || o.path("v").asInt() != VERSION) {
      throw new IllegalArgumentException("announcement is not a version " + VERSION + " JSON object");
    }
    Map<String, String> kernels = new LinkedHashMap<>();
    for (JsonNode k : array(o, "kernels", 256)) {
      kernels.put(word(k, "name"), word(k, "version"));
    }
    List<String> backends = new ArrayList<>();
    for (JsonNode b : array(o, "backends", 16)) {
      backends.add(checked(b.asText(), "backends"));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    JsonNode ls = o.path("labels");
    if (!ls.isObject() || ls.size() > 32) {
      throw new IllegalArgumentException("announcement labels must be an object of at most 32 labels");
    }
    ls.fields().forEachRemaining(e -> labels.put(checked(e.getKey(), "labels"), checked(e.getValue().asText(), "labels")));
    byte[] key;
    try {
      key = HexFormat.of().parseHex(o.path("publicKey").asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("announcement publicKey is not hex");
    }
    String id = o.path("id").asText();
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("announcement id is not a gateway id");
    }
    Endorsement endorsement = o.has("endorsement") ? Endorsement.parse(o.get("endorsement")) : null;
    return new Announcement(id, key, kernels, backends, count(o, "freeCapacity"), count(o, "queueLength"),
        count(o, "running"), labels, word(o, "software"), o.path("at").asLong(), endorsement);
  }

  private static Iterable<JsonNode> array(JsonNode o, String field, int max) {
    JsonNode a = o.path(field);
    if (!a.isArray() || a.size() > max) {
      throw new IllegalArgumentException("announcement " + field + " must be an array of at most " + max);
    }
    return a;
  }

  private static String word(JsonNode o, String field) {
    return checked(o.path(field).asText(), field);
  }

  private static String checked(String s, String field) {
    if (!WORD.matcher(s).matches()) {
      throw new IllegalArgumentException("announcement " + field + " holds '" + s.substring(0, Math.min(64, s.length()))
          + "', not 1 to 64 letters, digits or '_.+:-'");
    }
    return s;
  }

  private static int count(JsonNode o, String field) {
    JsonNode n = o.path(field);
    if (!n.canConvertToInt() || n.asInt() < 0) {
      throw new IllegalArgumentException("announcement " + field + " must be a count");
    }
    return n.asInt();
  }
}
