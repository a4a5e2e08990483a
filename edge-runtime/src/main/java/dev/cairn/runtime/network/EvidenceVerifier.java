package dev.cairn.runtime.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.anchor.PeerSignature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks an evidence record of disagreeing replicas offline ({@code cairn verify}): the publishing gateway's
 * signature over the record, then each answer it quotes against the key of the peer that gave it (as the
 * operator knows it), that the answer is for that job and gives the outputs the record says, and that the
 * agreeing answers agree while the dissenting ones differ.
 */
public final class EvidenceVerifier {
  private EvidenceVerifier() {}

  /** One check: its name, whether it passed, and what was found. */
  public record Check(String name, boolean ok, String detail) {}

  /** True when {@code file} holds an evidence record rather than a receipt. */
  public static boolean isEvidence(byte[] file) {
    try {
      JsonNode n = Announcement.JSON.readTree(file);
      return n != null && n.has("evidence") && n.has("body") && n.has("signature");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * @param gatewayKey the publishing gateway's Ed25519 public key
   * @param peerKeys the answering gateways' keys by id; an answer whose gateway has none here is reported unchecked
   */
  public static List<Check> verify(byte[] file, byte[] gatewayKey, Map<String, byte[]> peerKeys) throws IOException {
    List<Check> checks = new ArrayList<>();
    JsonNode record = Announcement.JSON.readTree(file);
    byte[] body = Base64.getDecoder().decode(record.path("body").asText());
    boolean signed = PeerSignature.EVIDENCE.verify(gatewayKey, body, Base64.getDecoder().decode(record.path("signature").asText()));
    JsonNode e = Announcement.JSON.readTree(body);
    checks.add(new Check("evidence signature", signed, signed ? "signed by " + e.path("from").asText() + "'s key"
        : "not signed by the given gateway key (or changed since)"));
    String job = e.path("job").asText();
    String device = e.path("device").asText();
    Set<String> agreeing = new HashSet<>();
    for (String side : List.of("agreeing", "dissenting")) {
      for (JsonNode a : e.path(side)) {
        String gw = a.path("gateway").asText();
        byte[] answer = Base64.getDecoder().decode(a.path("answer").asText());
        byte[] key = peerKeys.get(gw);
        String name = side + " answer of " + gw;
        if (key == null) {
          checks.add(new Check(name, false, "no key given for " + gw + " (--peer-key " + gw + "=FILE)"));
          continue;
        }
        boolean sig = PeerSignature.WORK_RESULT.verify(key, answer, Base64.getDecoder().decode(a.path("signature").asText()));
        WorkMessages.Reply reply;
        try {
          reply = WorkMessages.parseReply(answer, Integer.MAX_VALUE, device, job);
        } catch (IllegalArgumentException x) {
          checks.add(new Check(name, false, "the answer cannot be read: " + x.getMessage()));
          continue;
        }
        String outputs = reply.result().isOk() ? Quorum.outputsKey(reply.result()) : "-";
        boolean ok = sig && gw.equals(reply.from()) && outputs.equals(a.path("outputs").asText());
        checks.add(new Check(name, ok, !sig ? "not signed by " + gw + "'s key"
            : !gw.equals(reply.from()) ? "the answer names " + reply.from()
            : !ok ? "its outputs are " + outputs + ", the record says " + a.path("outputs").asText()
            : "signed by " + gw + ", outputs " + outputs.substring(0, 12)));
        if (side.equals("agreeing")) {
          agreeing.add(outputs);
        } else if (agreeing.contains(outputs)) {
          checks.add(new Check("disagreement of " + gw, false, "its outputs are the agreeing ones"));
        }
      }
    }
    checks.add(new Check("agreement", agreeing.size() <= 1,
        agreeing.isEmpty() ? "no quorum: no answers agreed" : agreeing.size() == 1 ? "the agreeing answers give the same outputs"
            : "the 'agreeing' answers differ among themselves"));
    return checks;
  }
}
