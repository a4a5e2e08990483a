package dev.cairn.anchor.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.anchor.ReceiptCodec;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The JSON form of a signed usage statement: readable totals ({@code "jobs": 3}, {@code "cpuSeconds"},
 * {@code "inputBytes"}, {@code "outputBytes"}, {@code "runSeconds"}, {@code "kernels"}) beside the
 * signed {@code body} (base64 canonical CBOR), {@code signature}, {@code countersignature} and
 * {@code receipt}. The body is what counts: a file whose readable fields differ from it is refused.
 */
public final class UsageCodec {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.of();
  /** Largest statements file read. */
  public static final int MAX_FILE_BYTES = 64 << 20;

  private UsageCodec() {}

  public static ObjectNode toJson(SignedUsage u) {
    UsageStatement s = u.statement();
    ObjectNode o = JSON.createObjectNode();
    o.put("version", 1);
    o.put("gateway", s.gatewayId());
    o.put(s.subjectKind(), s.subjectId());
    o.put("epoch", s.epoch());
    o.put("epochSeconds", s.epochSeconds());
    o.put("from", Instant.ofEpochMilli(s.fromMs()).toString());
    o.put("to", Instant.ofEpochMilli(s.toMs()).toString());
    totals(o, s.totals());
    ObjectNode kernels = o.putObject("kernels");
    s.kernels().forEach((k, t) -> totals(kernels.putObject(k), t));
    o.put("previous", HEX.formatHex(s.previous()));
    o.put("hash", HEX.formatHex(u.hash()));
    o.put("body", Base64.getEncoder().encodeToString(u.body()));
    o.put("signature", HEX.formatHex(u.signature()));
    if (u.countersignature() != null) {
      ObjectNode c = o.putObject("countersignature");
      c.put("publicKey", HEX.formatHex(u.countersignerKey()));
      c.put("signature", HEX.formatHex(u.countersignature()));
    }
    if (u.receipt() != null) {
      try {
        o.set("receipt", JSON.readTree(ReceiptCodec.toJson(u.receipt())));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return o;
  }

  private static void totals(ObjectNode o, UsageTotals t) {
    o.put("jobs", t.jobs());
    o.put("cpuSeconds", t.cpuSeconds());
    o.put("inputBytes", t.inputBytes());
    o.put("outputBytes", t.outputBytes());
    o.put("runSeconds", t.runSeconds());
  }

  /** One statement, or a JSON array of them (as {@code GET /v1/usage/statements} answers). */
  public static List<SignedUsage> readAll(byte[] json) {
    if (json.length > MAX_FILE_BYTES) {
      throw new IllegalArgumentException("the statements file has " + json.length + " bytes, at most " + MAX_FILE_BYTES);
    }
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
    List<SignedUsage> out = new ArrayList<>();
    if (root != null && root.isArray()) {
      for (int i = 0; i < root.size(); i++) {
        try {
          out.add(read(root.get(i)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("statement " + (i + 1) + ": " + e.getMessage(), e);
        }
      }
      return out;
    }
    out.add(read(root));
    return out;
  }

  /** Reads one statement, checking that its readable fields say what its body says. */
  public static SignedUsage read(JsonNode o) {
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("a usage statement must be a JSON object");
    }
    byte[] body;
    try {
      body = Base64.getDecoder().decode(text(o, "body"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("body is not base64: " + e.getMessage(), e);
    }
    UsageStatement s = UsageStatement.parse(body);
    SignedUsage u = new SignedUsage(s, body, hex(o, "signature"), null, null, null);
    JsonNode c = o.get("countersignature");
    if (c != null && !c.isNull()) {
      u = u.countersignedBy(hex(c, "publicKey"), hex(c, "signature"));
    }
    JsonNode r = o.get("receipt");
    if (r != null && !r.isNull()) {
      try {
        u = u.withReceipt(ReceiptCodec.read(JSON.writeValueAsBytes(r)));
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException("receipt: " + e.getMessage(), e);
      }
    }
    JsonNode expected;
    try {
      // Read back as any file is read, so numbers compare as the same kind of node.
      expected = JSON.readTree(JSON.writeValueAsBytes(toJson(u)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    for (String field : List.of("gateway", s.subjectKind(), "epoch", "epochSeconds", "from", "to", "jobs",
        "cpuSeconds", "inputBytes", "outputBytes", "runSeconds", "kernels", "previous", "hash")) {
      JsonNode given = o.get(field);
      if (given != null && !given.equals(expected.get(field))) {
        throw new IllegalArgumentException("the field " + field + " says " + given + " but the signed body says "
            + expected.get(field));
      }
    }
    return u;
  }

  public static ArrayNode toJson(List<SignedUsage> all) {
    ArrayNode a = JSON.createArrayNode();
    all.forEach(u -> a.add(toJson(u)));
    return a;
  }

  private static String text(JsonNode o, String field) {
    JsonNode v = o.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("the field " + field + " is missing or not text");
    }
    return v.asText();
  }

  private static byte[] hex(JsonNode o, String field) {
    try {
      return HEX.parseHex(text(o, field));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the field " + field + " is not hex: " + e.getMessage(), e);
    }
  }
}
