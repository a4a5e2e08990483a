package dev.cairn.runtime.results;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which jobs may have a kept result, in memory (a Bloom filter over job keys): a job not in it is new and
 * goes to the scheduler at once, so admission still answers before {@code submit} returns; only a job that
 * may be kept costs a journal lookup. False positives cost a lookup, never a wrong answer.
 */
final class KeptIndex {
  /** 2^24 bits (2 MiB): at a million kept results, one new job in two hundred costs a lookup. */
  static final int BITS_LOG2 = 24;
  private static final int HASHES = 3;

  private final AtomicLongArray words;
  private final int mask;

  KeptIndex() {
    this(BITS_LOG2);
  }

  KeptIndex(int bitsLog2) {
    words = new AtomicLongArray(1 << (bitsLog2 - 6));
    mask = (1 << bitsLog2) - 1;
  }

  void add(long key) {
    long h = mix(key);
    for (int i = 0; i < HASHES; i++) {
      int bit = (int) (h >>> (i * 21)) & mask;
      int w = bit >>> 6;
      long m = 1L << (bit & 63);
      long old;
      do {
        old = words.get(w);
      } while ((old & m) == 0 && !words.compareAndSet(w, old, old | m));
    }
  }

  boolean mightContain(long key) {
    long h = mix(key);
    for (int i = 0; i < HASHES; i++) {
      int bit = (int) (h >>> (i * 21)) & mask;
      if ((words.get(bit >>> 6) & (1L << (bit & 63))) == 0) {
        return false;
      }
    }
    return true;
  }

  /** SplitMix64's finaliser: the keys' bits spread over the whole word. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
