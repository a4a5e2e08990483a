package dev.cairn.scheduler.impl;

/** The last {@code capacity} accepted (device, job id) pairs, oldest forgotten first. */
final class RecentIds {
  record Key(String deviceId, String jobId) {}

  private final BoundedMap<Key, Boolean> ids;

  RecentIds(int capacity) {
    ids = new BoundedMap<>(capacity, false);
  }

  boolean contains(Key k) {
    return ids.containsKey(k);
  }

  void add(Key k) {
    ids.put(k, Boolean.TRUE);
  }
}
