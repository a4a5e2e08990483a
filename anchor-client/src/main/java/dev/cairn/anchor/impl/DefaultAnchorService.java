package dev.cairn.anchor.impl;

import dev.cairn.anchor.AnchorOptions;
import dev.cairn.anchor.AnchorService;
import java.time.Clock;

/** Stub. */
public final class DefaultAnchorService {
  private DefaultAnchorService() {}

  public static AnchorService open(AnchorOptions options, Clock clock) {
    throw new UnsupportedOperationException();
  }
}
