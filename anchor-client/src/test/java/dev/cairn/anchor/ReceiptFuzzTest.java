package dev.cairn.anchor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The fuzz tier of the receipt verifier: real receipts (a journal in a temporary directory, the local
 * sink and an in-process RFC 3161 TSA), damaged as bytes and field by field, in JSON and CBOR. Reading
 * one fails with an {@link IllegalArgumentException} that says what is wrong, or it is verified and the
 * checks say what failed; nothing else is thrown, and a receipt whose meaning changed never verifies.
 */
class ReceiptFuzzTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final CBORMapper CBOR = new CBORMapper();
  /** jqwik has no @TempDir: the journal's directory is made and removed around the container. */
  static Path dir;
  static TestTsa tsa;
  static AnchorService service;
  static List<Genuine> genuine;

  /** A receipt as the gateway gave it, and the device's own result. */
  record Genuine(String job, Receipt receipt, ReceiptVerifier.DeviceResult device) {}

  /** A damaged receipt, shown as text (JSON) or hex (CBOR), with what was done to it. */
  record Damaged(int of, String how, byte[] bytes) {
    @Override
    public String toString() {
      boolean cbor = bytes.length > 0 && (bytes[0] & 0xe0) == 0xa0;
      String shown = cbor ? HexFormat.of().formatHex(bytes) : new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
      return "receipt " + of + ", " + how + ": " + shown;
    }
  }

  @BeforeContainer
  static void makeReceipts() throws Exception {
    dir = Files.createTempDirectory("cairn-receipt-fuzz");
    tsa = new TestTsa();
    service = AnchorService.open(new AnchorOptions(dir, "gw-1", 4, 3_600_000, 10_000,
        List.of(AnchorSinks.local(), AnchorSinks.rfc3161("tsa", tsa.url(), Duration.ofSeconds(5)))), new MutableClock());
    // A full batch of four (paths of two nodes) and a batch of one (an empty path).
    List<Genuine> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String job = "f" + i;
      Map<String, Object> outputs = Map.of("y", new float[] {i, i + 0.5f});
      SealedLeaf sealed = service.append(new LeafInput("dev1", job, "vector.saxpy", "1.0.0", new byte[32], outputs, "jvm",
          1000 + i, 2000 + i)).toCompletableFuture().get(10, TimeUnit.SECONDS);
      made.add(new Genuine(job, null, new ReceiptVerifier.DeviceResult(sealed.salt(), outputs)));
    }
    service.sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
    genuine = new ArrayList<>();
    for (Genuine g : made) {
      ReceiptLookup ready = await().atMost(10, TimeUnit.SECONDS)
          .until(() -> service.receipt("dev1", g.job()).toCompletableFuture().get(10, TimeUnit.SECONDS),
              l -> l.status() == ReceiptLookup.Status.READY);
      genuine.add(new Genuine(g.job(), ready.receipt(), g.device()));
    }
    for (Genuine g : genuine) {
      assertTrue(verifies(verify(g, g.receipt())), "a genuine receipt does not verify: " + verify(g, g.receipt()));
    }
  }

  @AfterContainer
  static void removeJournal() throws Exception {
    service.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    tsa.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Property(tries = 2500)
  void aDamagedReceiptIsRefusedOrFailsItsChecks(@ForAll("damaged") Damaged d) {
    Genuine g = genuine.get(d.of());
    Receipt r;
    try {
      r = ReceiptCodec.read(d.bytes());
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      assertNotNull(m, "a refusal without a message");
      assertTrue(m.contains("receipt") && m.length() <= 1000, m);
      return;
    }
    List<ReceiptVerifier.Check> checks = verify(g, r);
    assertFalse(checks.isEmpty());
    checks.forEach(c -> assertTrue(c.name() != null && c.detail() != null && !c.detail().isBlank(), c.toString()));
    if (verifies(checks)) {
      assertEquals(meaning(g.receipt()), meaning(r), "a receipt whose meaning changed verified: " + checks);
      List<List<Object>> genuineAnchors = g.receipt().anchors().stream().map(ReceiptFuzzTest::claim).toList();
      r.anchors().forEach(a -> assertTrue(genuineAnchors.contains(claim(a)), "a changed anchor verified: " + a + "; " + checks));
    }
  }

  static List<ReceiptVerifier.Check> verify(Genuine g, Receipt r) {
    return ReceiptVerifier.verify(r, service.publicKey(), tsa.certificate, g.device());
  }

  static boolean verifies(List<ReceiptVerifier.Check> checks) {
    return checks.stream().allMatch(ReceiptVerifier.Check::ok);
  }

  /**
   * What a receipt proves: its leaf, where the leaf is, and the checkpoint. Not the signature (any valid
   * one says the same) nor the receipt's copy of the public key (verifiers pin their own). Anchors are
   * compared one by one ({@link #claim}): a receipt may drop or repeat one, which proves less, not
   * something else.
   */
  static List<Object> meaning(Receipt r) {
    Checkpoint c = r.checkpoint();
    return List.of(HexFormat.of().formatHex(r.leaf()), r.index(), r.path().stream().map(HexFormat.of()::formatHex).toList(),
        List.of(c.origin(), c.batch(), c.treeSize(), c.firstSequence(), HexFormat.of().formatHex(c.root()),
            HexFormat.of().formatHex(c.previousHash()), c.timeMillis()));
  }

  /**
   * What an anchor claims: its type and the evidence a verifier of that type reads. A local anchor's
   * commitment; a time-stamp anchor's token (what the TSA signed: the token's outer CMS wrapper is not
   * signed, and base64 has more than one spelling of some bytes) and the time it shows, or without one
   * the token's own. Not the sink's name (the gateway's label), a TSA's URL (where the token came from),
   * nor fields no verifier reads.
   */
  static List<Object> claim(AnchorProof a) {
    Map<String, String> e = a.evidence();
    return switch (a.type()) {
      case "local" -> java.util.Arrays.asList(a.type(), e.get("commitment"));
      case "rfc3161" -> java.util.Arrays.asList(a.type(), e.get("token") == null ? null : signedPart(e.get("token")),
          e.getOrDefault("time", e.get("token") == null ? null : dev.cairn.anchor.impl.TimeStamps.genTime(e.get("token"))));
      default -> List.of(a.type(), new java.util.TreeMap<>(e));
    };
  }

  private static String signedPart(String token) {
    try {
      return HexFormat.of().formatHex(new org.bouncycastle.tsp.TimeStampToken(new org.bouncycastle.cms.CMSSignedData(
          java.util.Base64.getDecoder().decode(token))).getTimeStampInfo().getEncoded());
    } catch (Exception e) {
      return token;
    }
  }

  @Provide
  Arbitrary<Damaged> damaged() {
    Arbitrary<Integer> which = Arbitraries.integers().between(0, genuine.size() - 1);
    Arbitrary<Boolean> cbor = Arbitraries.of(true, false);
    return Combinators.combine(which, cbor).flatAs((i, binary) -> {
      byte[] bytes = encode(genuine.get(i).receipt(), binary);
      Arbitrary<Damaged> asBytes = Mutations.of(bytes).map(b -> new Damaged(i, "bytes damaged", b));
      Arbitrary<Damaged> asFields = fieldDamage(tree(bytes, binary))
          .map(f -> new Damaged(i, f.how(), write(f.tree(), binary)));
      return Arbitraries.oneOf(asBytes, asFields);
    });
  }

  static byte[] encode(Receipt r, boolean binary) {
    return binary ? ReceiptCodec.toCbor(r) : ReceiptCodec.toJson(r);
  }

  static JsonNode tree(byte[] bytes, boolean binary) {
    try {
      return (binary ? CBOR : JSON).readTree(bytes);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static byte[] write(JsonNode tree, boolean binary) {
    try {
      return (binary ? CBOR : JSON).writeValueAsBytes(tree);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  record FieldDamage(String how, JsonNode tree) {}

  /** One field (or array element) of the receipt replaced, removed or repeated. */
  static Arbitrary<FieldDamage> fieldDamage(JsonNode tree) {
    List<JsonPointer> places = new ArrayList<>();
    collect(tree, JsonPointer.empty(), places);
    return Combinators.combine(Arbitraries.of(places), replacements()).as((at, change) -> {
      JsonNode copy = tree.deepCopy();
      JsonNode parent = copy.at(at.head());
      String last = at.last().getMatchingProperty();
      JsonNode old = copy.at(at);
      JsonNode now = change.apply(old);
      if (parent instanceof ObjectNode o) {
        if (now == null) {
          o.remove(last);
        } else {
          o.set(last, now);
        }
      } else if (parent instanceof ArrayNode a) {
        int i = at.last().getMatchingIndex();
        if (now == null) {
          a.remove(i);
        } else if (now == old) {
          a.insert(i, old.deepCopy());
        } else {
          a.set(i, now);
        }
      }
      return new FieldDamage(at + " " + (now == null ? "removed" : now == old ? "repeated" : "set to " + now), copy);
    });
  }

  private static void collect(JsonNode n, JsonPointer at, List<JsonPointer> out) {
    if (n.isObject()) {
      n.fieldNames().forEachRemaining(f -> {
        JsonPointer child = at.appendProperty(f);
        out.add(child);
        collect(n.get(f), child, out);
      });
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        JsonPointer child = at.appendIndex(i);
        out.add(child);
        collect(n.get(i), child, out);
      }
    }
  }

  /** A change to one value: null means removed, the same node means repeated (in an array). */
  static Arbitrary<UnaryOperator<JsonNode>> replacements() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return Arbitraries.oneOf(
        Arbitraries.of(-1L, 1L, 2L, Long.MIN_VALUE).map(k -> (UnaryOperator<JsonNode>) v -> f.numberNode(v.asLong() + k)),
        Arbitraries.<UnaryOperator<JsonNode>>of(
            v -> null,
            v -> v,
            v -> f.nullNode(),
            v -> f.textNode(""),
            v -> f.textNode(v.asText()),
            v -> f.textNode(v.asText() + "0"),
            v -> f.textNode(v.asText() + "00"),
            v -> f.textNode(v.asText().toUpperCase(java.util.Locale.ROOT)),
            v -> f.textNode("x" + v.asText()),
            v -> f.numberNode(v.asDouble() + 0.5),
            v -> f.numberNode(Double.NaN),
            v -> f.numberNode(new BigInteger("1" + "0".repeat(30))),
            v -> f.booleanNode(true),
            v -> f.objectNode(),
            v -> f.arrayNode(),
            v -> f.arrayNode().add(v.deepCopy()),
            v -> f.objectNode().set("x", v.deepCopy()),
            v -> v.isBinary() ? f.textNode(HexFormat.of().formatHex(binary(v))) : f.binaryNode(v.asText().getBytes()),
            v -> v.isBinary() ? f.binaryNode(flipFirst(binary(v))) : f.textNode(flipFirstHex(v.asText())),
            v -> v.isBinary() ? f.binaryNode(Arrays.copyOf(binary(v), Math.max(0, binary(v).length - 1))) : f.textNode(
                v.asText().isEmpty() ? "" : v.asText().substring(1))));
  }

  private static byte[] binary(JsonNode v) {
    try {
      return v.binaryValue();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] flipFirst(byte[] b) {
    byte[] out = b.clone();
    if (out.length > 0) {
      out[0] ^= 1;
    }
    return out;
  }

  private static String flipFirstHex(String s) {
    if (s.isEmpty()) {
      return "0";
    }
    char c = s.charAt(0);
    return (c == '0' ? '1' : '0') + s.substring(1);
  }
}
