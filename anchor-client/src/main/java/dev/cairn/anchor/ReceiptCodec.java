package dev.cairn.anchor;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
 *  "anchors": [{"sink": "local", "type": "local", "evidence": {...}}], "publicKey": ...,
 *  "executed": [{"gateway": "gw-2", "receipt": {...}}]}</pre>
 *
 * {@code executed} is there only for a job another gateway ran: that gateway's receipt of its own leaf,
 * in the same form (without an {@code executed} of its own).
 */
public final class ReceiptCodec {
  private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final CBORMapper CBOR = CBORMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
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

  /**
   * Reads a receipt in JSON or CBOR (told apart by the first byte). Each field must have its own type:
   * text, a whole number, or bytes (lowercase hex text in JSON, a byte string or hex text in CBOR); a
   * field given twice is refused, so that no two readers can take a receipt to say different things.
   *
   * @throws IllegalArgumentException naming the field that is missing or wrong
   */
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
    return receipt(root, true);
  }

  private static Receipt receipt(JsonNode root, boolean outer) {
    JsonNode version = required(root, "version");
    if (!version.isIntegralNumber() || version.asLong() != Receipt.VERSION) {
      throw new IllegalArgumentException("receipt version " + version + " is not supported; this reads version " + Receipt.VERSION);
    }
    JsonNode c = object(root, "checkpoint");
    Checkpoint checkpoint = new Checkpoint(text(c, "origin"), integer(c, "batch"), integer(c, "size"), integer(c, "first"),
        bytes(c, "root"), bytes(c, "prev"), integer(c, "time"), bytes(c, "signature"));
    List<byte[]> path = new ArrayList<>();
    for (JsonNode n : array(root, "path")) {
      path.add(bytes(n, "path"));
    }
    List<AnchorProof> anchors = new ArrayList<>();
    for (JsonNode a : array(root, "anchors")) {
      if (!a.isObject()) {
        throw new IllegalArgumentException("receipt field 'anchors' must hold objects, held " + a.getNodeType());
      }
      Map<String, String> evidence = new LinkedHashMap<>();
      if (a.has("evidence")) {
        object(a, "evidence").fields().forEachRemaining(e -> evidence.put(e.getKey(), text(a.get("evidence"), e.getKey())));
      }
      anchors.add(new AnchorProof(text(a, "sink"), text(a, "type"), evidence));
    }
    List<Receipt.Executed> executed = new ArrayList<>();
    if (root.has("executed")) {
      if (!outer) {
        throw new IllegalArgumentException("receipt field 'executed' cannot be inside an executing gateway's receipt");
      }
      for (JsonNode e : array(root, "executed")) {
        if (!e.isObject()) {
          throw new IllegalArgumentException("receipt field 'executed' must hold objects, held " + e.getNodeType());
        }
        executed.add(new Receipt.Executed(text(e, "gateway"), receipt(object(e, "receipt"), false)));
      }
    }
    return new Receipt(Receipt.VERSION, bytes(root, "leaf"), integer(root, "index"), path, checkpoint, anchors,
        root.has("publicKey") ? bytes(root, "publicKey") : new byte[0], executed);
  }

  private static JsonNode required(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("receipt field '" + field + "' is missing");
    }
    return v;
  }

  private static JsonNode object(JsonNode n, String field) {
    return typed(n, field, JsonNode::isObject, "an object");
  }

  private static JsonNode array(JsonNode n, String field) {
    return typed(n, field, JsonNode::isArray, "an array");
  }

  private static String text(JsonNode n, String field) {
    return typed(n, field, JsonNode::isTextual, "text").textValue();
  }

  private static long integer(JsonNode n, String field) {
    return typed(n, field, v -> v.isIntegralNumber() && v.canConvertToLong(), "a whole number").longValue();
  }

  private static JsonNode typed(JsonNode n, String field, java.util.function.Predicate<JsonNode> ok, String what) {
    JsonNode v = required(n, field);
    if (!ok.test(v)) {
      throw new IllegalArgumentException("receipt field '" + field + "' must be " + what + ", was " + v.getNodeType());
    }
    return v;
  }

  private static byte[] bytes(JsonNode parent, String field) {
    JsonNode v = parent.isObject() ? required(parent, field) : parent;
    try {
      if (v.isBinary()) {
        return v.binaryValue();
      }
      if (v.isTextual()) {
        return HEX.parseHex(v.textValue());
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("receipt field '" + field + "' is not hex or bytes", e);
    }
    throw new IllegalArgumentException("receipt field '" + field + "' must be hex text or bytes, was " + v.getNodeType());
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
    if (!r.executed().isEmpty()) {
      ArrayNode executed = root.putArray("executed");
      for (Receipt.Executed e : r.executed()) {
        executed.addObject().put("gateway", e.gateway()).set("receipt", tree(e.receipt(), binary));
      }
    }
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
