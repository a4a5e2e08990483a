package dev.cairn.scheduler.impl;

import java.util.LinkedHashMap;
import java.util.Map;

/** A map that forgets its eldest entry (by insertion, or by use) past {@code capacity}: admission's bounded tables. */
final class BoundedMap<K, V> extends LinkedHashMap<K, V> {
  private static final long serialVersionUID = 1L;

  private final int capacity;

  /** @param byUse whether a lookup makes an entry the youngest (least recently used forgotten first) */
  BoundedMap(int capacity, boolean byUse) {
    super(16, 0.75f, byUse);
    this.capacity = capacity;
  }

  @Override
  protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
    return size() > capacity;
  }
}
