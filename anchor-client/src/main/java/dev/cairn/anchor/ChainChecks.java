package dev.cairn.anchor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The links of a receipt whose leaf is a {@link ChainLeaf} to the executing gateways' receipts it carries:
 * each executing gateway the leaf names has its receipt here, and that receipt's leaf is the one the chain
 * leaf names by hash, of that gateway, for this gateway's device and job, with the same output commitment.
 */
final class ChainChecks {
  private static final CBORMapper CBOR = new CBORMapper();
  private static final HexFormat HEX = HexFormat.of();

  private ChainChecks() {}

  static List<ReceiptVerifier.Check> links(Receipt r) {
    List<ReceiptVerifier.Check> checks = new ArrayList<>();
    Optional<ChainLeaf.Parsed> chain = ChainLeaf.parse(r.leaf());
    if (chain.isEmpty()) {
      if (!r.executed().isEmpty()) {
        checks.add(new ReceiptVerifier.Check("executed", false,
            "the receipt carries executing gateways' receipts, but its leaf is not an offload leaf naming them"));
      }
      return checks;
    }
    ChainLeaf.Parsed c = chain.get();
    for (Receipt.Executed e : r.executed()) {
      checks.add(link(c, e));
    }
    for (ChainLeaf.Link l : c.executed()) {
      if (r.executed().stream().noneMatch(e -> e.gateway().equals(l.gateway()))) {
        checks.add(new ReceiptVerifier.Check("executed " + l.gateway(), false, "the leaf says " + l.gateway() + " ran the job (its leaf "
            + HEX.formatHex(l.leafHash()) + "), and the receipt carries no receipt of " + l.gateway()));
      }
    }
    return checks;
  }

  private static ReceiptVerifier.Check link(ChainLeaf.Parsed c, Receipt.Executed e) {
    String name = "executed " + e.gateway() + " link";
    byte[] hash = Merkle.leafHash(e.receipt().leaf());
    Optional<ChainLeaf.Link> named = c.executed().stream().filter(l -> l.gateway().equals(e.gateway())).findFirst();
    if (named.isEmpty()) {
      return new ReceiptVerifier.Check(name, false, c.gateway() + "'s leaf does not name " + e.gateway() + " among the gateways that ran the job");
    }
    if (!Arrays.equals(named.get().leafHash(), hash)) {
      return new ReceiptVerifier.Check(name, false, c.gateway() + "'s leaf names " + e.gateway() + "'s leaf "
          + HEX.formatHex(named.get().leafHash()) + ", the receipt carries leaf " + HEX.formatHex(hash));
    }
    JsonNode x;
    try {
      x = CBOR.readTree(e.receipt().leaf());
    } catch (IOException ex) {
      return new ReceiptVerifier.Check(name, false, e.gateway() + "'s leaf is not CBOR: " + ex.getMessage());
    }
    String device = c.gateway() + "/" + c.deviceId();
    String problem = x == null || !x.isObject() ? "its leaf is not a CBOR map"
        : !e.gateway().equals(x.path("gw").asText()) ? "its leaf is of gateway '" + x.path("gw").asText() + "'"
        : !device.equals(x.path("dev").asText()) ? "its leaf is of device '" + x.path("dev").asText() + "', not " + device
        : !c.jobId().equals(x.path("job").asText()) ? "its leaf is of job '" + x.path("job").asText() + "', not " + c.jobId()
        : !c.kernel().equals(x.path("k").asText()) ? "its leaf is of kernel '" + x.path("k").asText() + "', not " + c.kernel()
        : !x.path("out").isBinary() || !Arrays.equals(binary(x.path("out")), c.outputCommitment())
            ? "its output commitment differs from " + c.gateway() + "'s leaf's"
        : null;
    return new ReceiptVerifier.Check(name, problem == null, problem == null
        ? c.gateway() + "'s leaf names " + e.gateway() + "'s leaf " + HEX.formatHex(hash) + ": device " + device + ", job " + c.jobId()
            + ", the same output commitment"
        : problem);
  }

  private static byte[] binary(JsonNode n) {
    try {
      return n.binaryValue();
    } catch (IOException e) {
      return null;
    }
  }
}
