package dev.cairn.anchor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Receipts as JSON (byte fields in lowercase hex) or CBOR (byte fields as byte strings), with the same
 * field names:
 *
 * <pre>{"version": 1, "leaf": ..., "index": 5, "path": [...],
 *  "checkpoint": {"origin", "batch", "size", "first", "root", "prev", "time", "signature"},
 *  "anchors": [{"sink": "local", "type": "local", "evidence": {...}}], "publicKey": ...}</pre>
 */
public final class ReceiptCodec {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CBORMapper CBOR = new CBORMapper();
  private static final HexFormat HEX = HexFormat.of();

  private ReceiptCodec() {}

  public static byte[] toJson(Receipt r) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree(r, false));
    } catch (IOException e) {
      throw new IllegalStateException("receipt could not be encoded", e);
    }
  }

  public static byte[] toCbor(Receipt r) {
    try {
      return CBOR.writeValueAsBytes(tree(r, true));
    } catch (IOException e) {
      throw new IllegalStateException("receipt could not be encoded", e);
    }
  }

  /** Reads a receipt in JSON or CBOR (told apart by the first byte). */
  public static Receipt read(byte[] bytes) {
    JsonNode root;
    try {
      root = (bytes.length > 0 && (bytes[0] & 0xe0) == 0xa0) ? CBOR.readTree(bytes) : JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a receipt (neither JSON nor CBOR): " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a receipt: expected an object");
    }
    int version = root.path("version").asInt(-1);
    if (version != Receipt.VERSION) {
      throw new IllegalArgumentException("receipt version " + root.path("version") + " is not supported; this reads version " + Receipt.VERSION);
    }
    JsonNode c = required(root, "checkpoint");
    Checkpoint checkpoint = new Checkpoint(required(c, "origin").asText(), required(c, "batch").asLong(),
        required(c, "size").asLong(), required(c, "first").asLong(), bytes(c, "root"), bytes(c, "prev"),
        required(c, "time").asLong(), bytes(c, "signature"));
    List<byte[]> path = new ArrayList<>();
    for (JsonNode n : required(root, "path")) {
      path.add(bytes(n, "path"));
    }
    List<AnchorProof> anchors = new ArrayList<>();
    for (JsonNode a : required(root, "anchors")) {
      Map<String, String> evidence = new LinkedHashMap<>();
      a.path("evidence").fields().forEachRemaining(e -> evidence.put(e.getKey(), e.getValue().asText()));
      anchors.add(new AnchorProof(required(a, "sink").asText(), required(a, "type").asText(), evidence));
    }
    return new Receipt(version, bytes(root, "leaf"), required(root, "index").asLong(), path, checkpoint, anchors,
        root.has("publicKey") ? bytes(root, "publicKey") : new byte[0]);
  }

  private static JsonNode required(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("receipt field '" + field + "' is missing");
    }
    return v;
  }

  private static byte[] bytes(JsonNode parent, String field) {
    JsonNode v = parent.isObject() ? required(parent, field) : parent;
    try {
      if (v.isBinary()) {
        return v.binaryValue();
      }
      return HEX.parseHex(v.asText());
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("receipt field '" + field + "' is not hex or bytes", e);
    }
  }

  private static ObjectNode tree(Receipt r, boolean binary) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", r.version());
    put(root, "leaf", r.leaf(), binary);
    root.put("index", r.index());
    ArrayNode path = root.putArray("path");
    for (byte[] p : r.path()) {
      if (binary) {
        path.add(p);
      } else {
        path.add(HEX.formatHex(p));
      }
    }
    Checkpoint c = r.checkpoint();
    ObjectNode cp = root.putObject("checkpoint");
    cp.put("origin", c.origin());
    cp.put("batch", c.batch());
    cp.put("size", c.treeSize());
    cp.put("first", c.firstSequence());
    put(cp, "root", c.root(), binary);
    put(cp, "prev", c.previousHash(), binary);
    cp.put("time", c.timeMillis());
    put(cp, "signature", c.signature(), binary);
    ArrayNode anchors = root.putArray("anchors");
    for (AnchorProof a : r.anchors()) {
      ObjectNode n = anchors.addObject();
      n.put("sink", a.sink());
      n.put("type", a.type());
      ObjectNode ev = n.putObject("evidence");
      a.evidence().forEach(ev::put);
    }
    put(root, "publicKey", r.publicKey(), binary);
    return root;
  }

  private static void put(ObjectNode n, String field, byte[] value, boolean binary) {
    if (binary) {
      n.put(field, value);
    } else {
      n.put(field, HEX.formatHex(value));
    }
  }
}
