package dev.cairn.anchor.impl;

import dev.cairn.anchor.AnchorProof;
import dev.cairn.anchor.AnchorSink;
import dev.cairn.anchor.Checkpoint;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The checkpoint chain in the journal is the anchor; the evidence names the commitment. */
public final class LocalSink implements AnchorSink {
  @Override
  public String name() {
    return "local";
  }

  @Override
  public CompletionStage<AnchorProof> anchor(Checkpoint checkpoint, byte[] commitment) {
    return CompletableFuture.completedFuture(
        new AnchorProof("local", "local", Map.of("commitment", HexFormat.of().formatHex(commitment))));
  }
}
