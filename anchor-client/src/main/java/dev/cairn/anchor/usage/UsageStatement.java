package dev.cairn.anchor.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cairn.anchor.impl.Cbor;
import dev.cairn.anchor.impl.Hashes;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one gateway says it did for one subject (a device, or a peer gateway it worked for) in one epoch:
 * totals and totals per kernel, chained to the subject's previous statement by its hash. Its body is
 * canonical CBOR with the keys {@code v, t, gw, sk, sid, ep, eps, from, to, prev, tot, k}; the body is
 * also the statement's leaf in the gateway's Merkle batches, so it is anchored and has a receipt.
 *
 * @param subjectKind {@code device} or {@code peer}
 * @param epoch the epoch's number: it covers {@code [epoch * epochSeconds, (epoch + 1) * epochSeconds)} s
 * @param previous the hash of the subject's previous statement, 32 zero bytes for its first
 */
public record UsageStatement(String gatewayId, String subjectKind, String subjectId, long epoch, int epochSeconds,
    byte[] previous, UsageTotals totals, SortedMap<String, UsageTotals> kernels) {
  public static final String DEVICE = "device";
  public static final String PEER = "peer";
  public static final int MIN_EPOCH_SECONDS = 60;
  public static final int MAX_EPOCH_SECONDS = 2_678_400;
  /** Largest body accepted from anyone. */
  public static final int MAX_BODY_BYTES = 64 * 1024;
  public static final int MAX_KERNELS = 512;
  public static final int MAX_ID_CHARS = 128;
  private static final Set<String> KEYS = Set.of("v", "t", "gw", "sk", "sid", "ep", "eps", "from", "to", "prev", "tot", "k");
  private static final CBORMapper CBOR = new CBORMapper();

  public UsageStatement {
    checkId("gateway id", gatewayId);
    checkId("subject id", subjectId);
    if (!DEVICE.equals(subjectKind) && !PEER.equals(subjectKind)) {
      throw new IllegalArgumentException("subject kind must be device or peer, was '" + subjectKind + "'");
    }
    if (epochSeconds < MIN_EPOCH_SECONDS || epochSeconds > MAX_EPOCH_SECONDS) {
      throw new IllegalArgumentException("epochSeconds must be " + MIN_EPOCH_SECONDS + ".." + MAX_EPOCH_SECONDS
          + ", was " + epochSeconds);
    }
    if (epoch < 0 || epoch > Long.MAX_VALUE / 1000 / epochSeconds - 1) {
      throw new IllegalArgumentException("epoch out of range: " + epoch);
    }
    if (previous == null || previous.length != 32) {
      throw new IllegalArgumentException("previous must be a 32-byte hash");
    }
    if (kernels.size() > MAX_KERNELS) {
      throw new IllegalArgumentException("at most " + MAX_KERNELS + " kernels in one statement, had " + kernels.size());
    }
    kernels.keySet().forEach(k -> checkId("kernel name", k));
    UsageTotals sum = kernels.values().stream().reduce(UsageTotals.ZERO, UsageTotals::plus);
    if (!sum.equals(totals)) {
      throw new IllegalArgumentException("the totals " + totals + " are not the sum of the kernels' " + sum);
    }
    previous = previous.clone();
    kernels = Collections.unmodifiableSortedMap(new TreeMap<>(kernels));
  }

  /** A statement whose totals are the sum of {@code kernels}. */
  public static UsageStatement of(String gatewayId, String subjectKind, String subjectId, long epoch, int epochSeconds,
      byte[] previous, Map<String, UsageTotals> kernels) {
    UsageTotals sum = kernels.values().stream().reduce(UsageTotals.ZERO, UsageTotals::plus);
    return new UsageStatement(gatewayId, subjectKind, subjectId, epoch, epochSeconds, previous, sum, new TreeMap<>(kernels));
  }

  public long fromMs() {
    return epoch * epochSeconds * 1000L;
  }

  public long toMs() {
    return fromMs() + epochSeconds * 1000L;
  }

  @Override
  public byte[] previous() {
    return previous.clone();
  }

  /** The canonical CBOR body: what is signed, hashed and anchored. */
  public byte[] body() {
    Map<String, Object> k = new TreeMap<>();
    kernels.forEach((name, t) -> k.put(name, t.toCbor()));
    Map<String, Object> m = new TreeMap<>();
    m.put("v", 1L);
    m.put("t", "usage");
    m.put("gw", gatewayId);
    m.put("sk", subjectKind);
    m.put("sid", subjectId);
    m.put("ep", epoch);
    m.put("eps", (long) epochSeconds);
    m.put("from", fromMs());
    m.put("to", toMs());
    m.put("prev", previous);
    m.put("tot", totals.toCbor());
    m.put("k", k);
    return Cbor.encode(m);
  }

  /** SHA-256 of the body: what the next statement's {@code prev} holds. */
  public byte[] hash() {
    return Hashes.sha256(body());
  }

  /**
   * Reads a body, refusing anything that is not exactly a canonical body of a version 1 statement.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static UsageStatement parse(byte[] body) {
    if (body.length > MAX_BODY_BYTES) {
      throw new IllegalArgumentException("the statement's body has " + body.length + " bytes, at most " + MAX_BODY_BYTES);
    }
    JsonNode n;
    try {
      n = CBOR.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("the statement's body is not CBOR: " + e.getMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("the statement's body is not a CBOR map");
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("the statement's body has an unknown key '" + key + "'");
      }
    }
    if (n.size() != KEYS.size()) {
      throw new IllegalArgumentException("the statement's body must have the keys " + KEYS + ", has " + n.size());
    }
    if (n.get("v").asLong(-1) != 1 || !"usage".equals(n.get("t").asText())) {
      throw new IllegalArgumentException("not a version 1 usage statement");
    }
    JsonNode k = n.get("k");
    if (!k.isObject()) {
      throw new IllegalArgumentException("the statement's kernels (k) must be a map");
    }
    SortedMap<String, UsageTotals> kernels = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = k.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      kernels.put(e.getKey(), UsageTotals.fromCbor(e.getValue(), "k." + e.getKey()));
    }
    byte[] prev;
    try {
      prev = n.get("prev").binaryValue();
    } catch (IOException e) {
      throw new IllegalArgumentException("prev must be a byte string", e);
    }
    if (prev == null) {
      throw new IllegalArgumentException("prev must be a byte string");
    }
    UsageStatement s = new UsageStatement(n.get("gw").asText(), n.get("sk").asText(), n.get("sid").asText(),
        integer(n, "ep"), (int) Math.min(Integer.MAX_VALUE, integer(n, "eps")), prev,
        UsageTotals.fromCbor(n.get("tot"), "tot"), kernels);
    if (integer(n, "from") != s.fromMs() || integer(n, "to") != s.toMs()) {
      throw new IllegalArgumentException("from and to do not match epoch " + s.epoch + " of " + s.epochSeconds + " s");
    }
    if (!Arrays.equals(s.body(), body)) {
      throw new IllegalArgumentException("the statement's body is not in canonical CBOR");
    }
    return s;
  }

  private static long integer(JsonNode n, String key) {
    JsonNode v = n.get(key);
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
      throw new IllegalArgumentException(key + " must be a non-negative integer, was " + v);
    }
    return v.asLong();
  }

  private static void checkId(String what, String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_ID_CHARS) {
      throw new IllegalArgumentException(what + " must have 1.." + MAX_ID_CHARS + " characters");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UsageStatement s && Arrays.equals(body(), s.body());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(hash());
  }
}
