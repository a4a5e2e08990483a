package dev.cairn.anchor;

import java.util.List;

/** A batch that every sink has anchored, with the receipt of each of its leaves. */
public record AnchoredBatch(long batch, List<Entry> receipts) {
  /** One leaf's receipt and whose it is. */
  public record Entry(String deviceId, String jobId, Receipt receipt) {}
}
