package dev.cairn.adapters.mqtt.impl;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open TCP connections, in all and per remote address, from their first byte (before CONNECT, so
 * half-open sockets count too). The per-address table holds only addresses with open connections.
 */
final class SocketLimits {
  private final int maxTotal;
  private final int maxPerAddress;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> perAddress = new ConcurrentHashMap<>();

  SocketLimits(int maxTotal, int maxPerAddress) {
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
  }

  /** Why a new connection from {@code address} is refused, or null when it is counted in. */
  String tryOpen(String address) {
    if (total.incrementAndGet() > maxTotal) {
      total.decrementAndGet();
      return maxTotal + " connections are open, the most allowed (mqtt.maxConnections)";
    }
    boolean[] over = new boolean[1];
    perAddress.compute(address, (a, n) -> {
      int now = n == null ? 0 : n;
      if (now >= maxPerAddress) {
        over[0] = true;
        return n;
      }
      return now + 1;
    });
    if (over[0]) {
      total.decrementAndGet();
      return maxPerAddress + " connections from " + address + " are open, the most allowed from one address"
          + " (mqtt.maxConnectionsPerAddress)";
    }
    return null;
  }

  /** A connection {@link #tryOpen} counted in has closed. */
  void closed(String address) {
    total.decrementAndGet();
    perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  int open() {
    return total.get();
  }
}
