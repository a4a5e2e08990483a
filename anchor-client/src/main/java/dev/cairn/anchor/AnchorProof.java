package dev.cairn.anchor;

import java.util.Map;
import java.util.Objects;

/**
 * Evidence that a sink anchored a checkpoint: the sink's name and type, and text fields (hex or
 * base64) that a verifier of that type checks, e.g. {@code commitment} for {@code local}, {@code token}
 * for {@code rfc3161}.
 */
public record AnchorProof(String sink, String type, Map<String, String> evidence) {
  public AnchorProof {
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(type, "type");
    evidence = Map.copyOf(evidence);
  }
}
