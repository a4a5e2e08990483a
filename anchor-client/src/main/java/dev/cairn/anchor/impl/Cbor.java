package dev.cairn.anchor.impl;

import java.util.Map;

/** Stub. */
public final class Cbor {
  private Cbor() {}

  public static byte[] inputDigest(String kernel, Map<String, Object> params, Map<String, float[]> inputs) {
    throw new UnsupportedOperationException();
  }

  public static byte[] outputBytes(Map<String, Object> outputs) {
    throw new UnsupportedOperationException();
  }
}
