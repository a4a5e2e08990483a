package dev.cairn.runtime.network;

import dev.cairn.runtime.metering.PeerUsage;
import java.util.function.BiPredicate;
import java.util.function.Function;

/** Metering's view of the network: pinned keys, {@code cairn/net/usage/{peer}}, and the rate-limited refusal log. */
record UsageLink(Function<String, byte[]> keys, BiPredicate<String, byte[]> publisher, LogLimiter log) implements PeerUsage.Link {
  @Override
  public byte[] peerKey(String gateway) {
    return keys.apply(gateway);
  }

  @Override
  public boolean send(String peer, byte[] message) {
    return publisher.test(peer, message);
  }

  @Override
  public void refused(String key, String format, Object... args) {
    log.info(key, format, args);
  }
}
