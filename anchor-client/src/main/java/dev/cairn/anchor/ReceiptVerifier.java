package dev.cairn.anchor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cairn.anchor.impl.Hashes;
import dev.cairn.anchor.impl.TimeStamps;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Checks a receipt offline, without trusting the gateway's database: the leaf, its inclusion in the
 * signed checkpoint, the signature against a pinned gateway key, each anchor, and optionally the
 * device's own result against the leaf's output commitment.
 */
public final class ReceiptVerifier {
  private static final CBORMapper CBOR = new CBORMapper();
  private static final HexFormat HEX = HexFormat.of();

  /** One named check and its outcome. */
  public record Check(String name, boolean ok, String detail) {}

  /** A device's own copy of its result: the salt it got and the outputs. */
  public record DeviceResult(byte[] salt, Map<String, Object> outputs) {}

  private ReceiptVerifier() {}

  /**
   * @param pinnedKey the gateway's Ed25519 public key as the auditor knows it (not the receipt's copy)
   * @param tsaCert the TSA's certificate for {@code rfc3161} anchors, or null
   * @param result the device's result to check against the output commitment, or null
   */
  public static List<Check> verify(Receipt r, byte[] pinnedKey, X509Certificate tsaCert, DeviceResult result) {
    return verify(r, pinnedKey, tsaCert, null, result);
  }

  /**
   * As {@link #verify(Receipt, byte[], X509Certificate, DeviceResult)}, also checking {@code ethereum}
   * anchors against the chain behind {@code ethRpc} (the only check that is not offline).
   */
  public static List<Check> verify(Receipt r, byte[] pinnedKey, X509Certificate tsaCert, java.net.URI ethRpc,
      DeviceResult result) {
    return verify(r, pinnedKey, tsaCert, ethRpc, result, Map.of());
  }

  /**
   * As {@link #verify(Receipt, byte[], X509Certificate, java.net.URI, DeviceResult)}; a receipt of a job other
   * gateways ran also has each executing gateway's receipt checked the same way against its key in
   * {@code peerKeys} (checks named {@code "executed ID ..."}), and its link to this receipt's leaf
   * ({@code "executed ID link"}, {@link ChainChecks}).
   *
   * @param peerKeys the executing gateways' Ed25519 public keys as the auditor knows them, by gateway id
   */
  public static List<Check> verify(Receipt r, byte[] pinnedKey, X509Certificate tsaCert, java.net.URI ethRpc,
      DeviceResult result, Map<String, byte[]> peerKeys) {
    List<Check> checks = single(r, pinnedKey, "", tsaCert, ethRpc, result);
    for (Receipt.Executed e : r.executed()) {
      checks.addAll(single(e.receipt(), peerKeys.get(e.gateway()), "executed " + e.gateway() + " ", tsaCert, ethRpc, null));
    }
    checks.addAll(ChainChecks.links(r));
    return checks;
  }

  /** The checks of one gateway's receipt, named with {@code prefix}; a null key fails the signature check. */
  private static List<Check> single(Receipt r, byte[] pinnedKey, String prefix, X509Certificate tsaCert, java.net.URI ethRpc,
      DeviceResult result) {
    List<Check> checks = new ArrayList<>();
    Checkpoint c = r.checkpoint();
    JsonNode leaf = null;
    try {
      leaf = CBOR.readTree(r.leaf());
      boolean ok = leaf != null && leaf.path("v").asInt() == 1 && c.origin().equals(leaf.path("gw").asText());
      checks.add(new Check(prefix + "leaf", ok, ok ? describe(leaf)
          : "the leaf is not a version 1 Cairn leaf of gateway " + c.origin()));
    } catch (IOException e) {
      checks.add(new Check(prefix + "leaf", false, "the leaf is not CBOR: " + e.getMessage()));
    }
    byte[] leafHash = Merkle.leafHash(r.leaf());
    boolean included = Merkle.verifyInclusion(r.index(), c.treeSize(), leafHash, r.path(), c.root());
    checks.add(new Check(prefix + "inclusion", included, included
        ? "leaf " + r.index() + " of " + c.treeSize() + " in batch " + c.batch() + ", root " + HEX.formatHex(c.root())
        : "the leaf hash " + HEX.formatHex(leafHash) + " and path do not lead to the checkpoint's root"));
    boolean signed = pinnedKey != null && c.verify(pinnedKey);
    checks.add(new Check(prefix + "checkpoint signature", signed, signed
        ? "Ed25519 by " + c.origin() + "'s key " + HEX.formatHex(pinnedKey)
        : pinnedKey == null ? "no key is pinned for gateway " + c.origin() + " (give its key as --peer-key " + c.origin() + "=KEY)"
        : "the checkpoint is not signed by the pinned key of " + c.origin() + ", " + HEX.formatHex(pinnedKey)));
    byte[] commitment = c.hash();
    if (r.anchors().isEmpty()) {
      checks.add(new Check(prefix + "anchors", false, "the receipt has no anchor"));
    }
    for (AnchorProof a : r.anchors()) {
      Check x = anchorCheck(a, commitment, tsaCert, ethRpc);
      checks.add(new Check(prefix + x.name(), x.ok(), x.detail()));
    }
    if (result != null) {
      byte[] expected = leaf == null ? null : binary(leaf.path("out"));
      byte[] actual = Hashes.sha256(result.salt(), Canonical.outputBytes(result.outputs()));
      boolean ok = expected != null && Arrays.equals(expected, actual);
      checks.add(new Check("output commitment", ok, ok
          ? "SHA-256(salt || outputs) matches the leaf"
          : "the result's outputs and salt do not match the leaf's output commitment"));
    }
    return checks;
  }

  private static String describe(JsonNode leaf) {
    String done = ", completed " + Instant.ofEpochMilli(leaf.path("done").asLong());
    String job = "device " + leaf.path("dev").asText() + ", job " + leaf.path("job").asText() + ", kernel " + leaf.path("k").asText();
    if (ChainLeaf.TYPE.equals(leaf.path("t").asText())) {
      List<String> by = new ArrayList<>();
      leaf.path("ex").forEach(e -> by.add(e.path("gw").asText()));
      return job + " run by " + String.join(", ", by) + done;
    }
    return job + "@" + leaf.path("kv").asText() + " on " + leaf.path("be").asText() + done;
  }

  private static Check anchorCheck(AnchorProof a, byte[] commitment, X509Certificate tsaCert, java.net.URI ethRpc) {
    String name = "anchor " + a.sink();
    switch (a.type()) {
      case "local" -> {
        boolean ok = HEX.formatHex(commitment).equals(a.evidence().get("commitment"));
        return new Check(name, ok, ok ? "checkpoint chain of the gateway, commitment " + HEX.formatHex(commitment)
            : "the recorded commitment is not SHA-256 of this checkpoint");
      }
      case "rfc3161" -> {
        String token = a.evidence().get("token");
        if (token == null) {
          return new Check(name, false, "the anchor has no time-stamp token");
        }
        String problem = TimeStamps.check(token, commitment, tsaCert);
        String time = a.evidence().get("time");
        if (problem == null && time != null && !time.equals(TimeStamps.genTime(token))) {
          // The receipt shows this time to its reader: it must be the one the TSA signed.
          problem = "the anchor says it was time-stamped at " + time + ", its token at " + TimeStamps.genTime(token);
        }
        return new Check(name, problem == null, problem == null
            ? "RFC 3161 time-stamp of " + TimeStamps.genTime(token) + " by " + tsaCert.getSubjectX500Principal().getName()
            : problem);
      }
      case "ethereum" -> {
        if (ethRpc == null) {
          return new Check(name, false, "no Ethereum node given (--eth-rpc): transaction " + a.evidence().get("txHash") + " was not checked");
        }
        String problem = dev.cairn.anchor.impl.EthereumSink.check(a.evidence(), commitment, ethRpc);
        return new Check(name, problem == null, problem == null
            ? "transaction " + a.evidence().get("txHash") + " in block " + a.evidence().get("blockNumber") + " of chain "
                + a.evidence().get("chainId")
            : problem);
      }
      case "http" -> {
        return new Check(name, true, "recorded by " + a.evidence().get("url") + " (a webhook gives no offline evidence)");
      }
      default -> {
        return new Check(name, false, "unknown anchor type '" + a.type() + "'");
      }
    }
  }

  private static byte[] binary(JsonNode n) {
    try {
      return n.isBinary() ? n.binaryValue() : null;
    } catch (IOException e) {
      return null;
    }
  }
}
