package dev.cairn.anchor.usage;

import dev.cairn.anchor.ReceiptVerifier;
import dev.cairn.anchor.ReceiptVerifier.Check;
import dev.cairn.anchor.Statements;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks usage statements offline against a pinned gateway key: the gateway's signature, a peer's
 * countersignature, the receipt that anchors the statement, and across several statements their chain
 * (none replayed, none missing between two). Every check is named, as {@link ReceiptVerifier}'s are.
 */
public final class UsageVerifier {
  private static final HexFormat HEX = HexFormat.of();

  private UsageVerifier() {}

  /**
   * @param gatewayKey the gateway's Ed25519 public key as the auditor knows it
   * @param peerKey the pinned key of the peer that must have countersigned, or null when none must
   * @param tsaCert the TSA's certificate for {@code rfc3161} anchors, or null
   * @param ethRpc the chain for {@code ethereum} anchors, or null
   */
  public static List<Check> verify(SignedUsage u, byte[] gatewayKey, byte[] peerKey, X509Certificate tsaCert,
      URI ethRpc) {
    List<Check> checks = new ArrayList<>();
    UsageStatement s = u.statement();
    checks.add(new Check("statement", true, s.subjectKind() + " " + s.subjectId() + " on gateway " + s.gatewayId()
        + ", epoch " + s.epoch() + " (" + s.epochSeconds() + " s): " + s.totals().jobs() + " jobs, "
        + s.totals().cpuSeconds() + " CPU s, " + s.kernels().size() + " kernels"));
    boolean signed = Statements.verify(gatewayKey, SignedUsage.DOMAIN, u.body(), u.signature());
    checks.add(new Check("gateway signature", signed, signed
        ? "Ed25519 by gateway key " + HEX.formatHex(gatewayKey)
        : "the statement is not signed by the pinned gateway key " + HEX.formatHex(gatewayKey)
            + " (altered, or another gateway's)"));
    if (peerKey != null || u.countersignature() != null) {
      checks.add(countersignature(u, peerKey));
    }
    if (u.receipt() == null) {
      checks.add(new Check("receipt", false, "the statement has no receipt yet: fetch it again once it is anchored"));
    } else if (!Arrays.equals(u.receipt().leaf(), u.body())) {
      checks.add(new Check("receipt", false, "the receipt is for another leaf than this statement's body"));
    } else {
      for (Check c : ReceiptVerifier.verify(u.receipt(), gatewayKey, tsaCert, ethRpc, null)) {
        checks.add(new Check("receipt " + c.name(), c.ok(), c.detail()));
      }
    }
    return checks;
  }

  private static Check countersignature(SignedUsage u, byte[] peerKey) {
    if (u.countersignature() == null) {
      return new Check("countersignature", false, "the statement is not countersigned by the peer "
          + u.statement().subjectId());
    }
    if (peerKey != null && !Arrays.equals(peerKey, u.countersignerKey())) {
      return new Check("countersignature", false, "countersigned by key " + HEX.formatHex(u.countersignerKey())
          + ", not the pinned peer key " + HEX.formatHex(peerKey));
    }
    boolean ok = Statements.verify(u.countersignerKey(), SignedUsage.COUNTERSIGN_DOMAIN, u.body(), u.countersignature());
    return new Check("countersignature", ok, ok
        ? "Ed25519 by peer key " + HEX.formatHex(u.countersignerKey())
        : "the countersignature is not the peer's signature of these totals");
  }

  /**
   * Checks the chain of each subject's statements in {@code all}: no statement twice (a replay), no two
   * for one epoch, and each one's {@code previous} the hash of the one before it in the list.
   */
  public static List<Check> chains(List<SignedUsage> all) {
    Map<String, List<SignedUsage>> bySubject = new LinkedHashMap<>();
    for (SignedUsage u : all) {
      UsageStatement s = u.statement();
      bySubject.computeIfAbsent(s.gatewayId() + " " + s.subjectKind() + " " + s.subjectId(), k -> new ArrayList<>()).add(u);
    }
    List<Check> checks = new ArrayList<>();
    for (Map.Entry<String, List<SignedUsage>> e : bySubject.entrySet()) {
      List<SignedUsage> list = new ArrayList<>(e.getValue());
      list.sort(Comparator.comparingLong(u -> u.statement().epoch()));
      String problem = null;
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < list.size() && problem == null; i++) {
        UsageStatement s = list.get(i).statement();
        if (!seen.add(HEX.formatHex(list.get(i).hash()))) {
          problem = "the statement of epoch " + s.epoch() + " appears twice (replayed)";
        } else if (i > 0 && list.get(i - 1).statement().epoch() == s.epoch()) {
          problem = "two different statements for epoch " + s.epoch();
        } else if (i > 0 && !Arrays.equals(s.previous(), list.get(i - 1).hash())) {
          problem = "the statement of epoch " + s.epoch() + " does not follow the one of epoch "
              + list.get(i - 1).statement().epoch() + " (its previous is " + HEX.formatHex(s.previous())
              + "): one is missing between them, or one was replaced";
        }
      }
      checks.add(new Check("chain " + e.getKey(), problem == null, problem != null ? problem
          : list.size() + " statements, epochs " + list.get(0).statement().epoch() + " to "
              + list.get(list.size() - 1).statement().epoch() + ", each following the one before"));
    }
    return checks;
  }

  /**
   * What two versions of one statement (the gateway's and a peer's) disagree on, per kernel and total;
   * empty when they agree. A dispute keeps both versions with this list.
   */
  public static List<String> disagreement(UsageStatement ours, UsageStatement theirs) {
    List<String> out = new ArrayList<>();
    if (ours.epoch() != theirs.epoch() || !ours.subjectId().equals(theirs.subjectId())
        || !ours.gatewayId().equals(theirs.gatewayId())) {
      out.add("not the same statement: epoch " + ours.epoch() + " of " + ours.subjectId() + " on " + ours.gatewayId()
          + " against epoch " + theirs.epoch() + " of " + theirs.subjectId() + " on " + theirs.gatewayId());
      return out;
    }
    Set<String> kernels = new java.util.TreeSet<>(ours.kernels().keySet());
    kernels.addAll(theirs.kernels().keySet());
    for (String k : kernels) {
      UsageTotals a = ours.kernels().getOrDefault(k, UsageTotals.ZERO);
      UsageTotals b = theirs.kernels().getOrDefault(k, UsageTotals.ZERO);
      if (!a.equals(b)) {
        out.add("kernel " + k + ": " + a + " against " + b);
      }
    }
    return out;
  }
}
