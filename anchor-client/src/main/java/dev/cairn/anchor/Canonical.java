package dev.cairn.anchor;

import java.util.Map;

/**
 * The canonical (deterministic CBOR, RFC 8949 section 4.2) encodings that receipts commit to, so a
 * device or auditor can recompute them.
 */
public final class Canonical {
  private Canonical() {}

  /** SHA-256 of the canonical encoding of {@code {"kernel": k, "params": {...}, "inputs": {...}}}. */
  public static byte[] inputDigest(String kernel, Map<String, Object> params, Map<String, float[]> inputs) {
    return dev.cairn.anchor.impl.Cbor.inputDigest(kernel, params, inputs);
  }

  /** The canonical bytes of a job's outputs; the commitment is {@code SHA-256(salt || these bytes)}. */
  public static byte[] outputBytes(Map<String, Object> outputs) {
    return dev.cairn.anchor.impl.Cbor.outputBytes(outputs);
  }
}
