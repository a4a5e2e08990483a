package dev.cairn.scheduler.impl;

import java.util.LinkedHashMap;
import java.util.Map;

/** The last {@code capacity} accepted (device, job id) pairs, oldest forgotten first. */
final class RecentIds {
  record Key(String deviceId, String jobId) {}

  private final LinkedHashMap<Key, Boolean> ids;

  RecentIds(int capacity) {
    ids = new LinkedHashMap<>(16, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Boolean> eldest) {
        return size() > capacity;
      }
    };
  }

  boolean contains(Key k) {
    return ids.containsKey(k);
  }

  void add(Key k) {
    ids.put(k, Boolean.TRUE);
  }
}
