package dev.cairn.anchor;

import dev.cairn.anchor.impl.Hashes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 9162 Merkle trees: leaf hash {@code SHA-256(0x00 || leaf)}, node hash
 * {@code SHA-256(0x01 || left || right)}, no duplication of a last odd node, and inclusion proofs
 * (section 2.1.3).
 */
public final class Merkle {
  private Merkle() {}

  public static byte[] leafHash(byte[] leaf) {
    return Hashes.sha256((byte) 0x00, leaf);
  }

  public static byte[] nodeHash(byte[] left, byte[] right) {
    return Hashes.sha256((byte) 0x01, left, right);
  }

  /** The tree head of the given leaf hashes; the empty tree's is SHA-256 of nothing. */
  public static byte[] root(List<byte[]> leafHashes) {
    int n = leafHashes.size();
    if (n == 0) {
      return Hashes.sha256(new byte[0]);
    }
    byte[][] level = leafHashes.toArray(new byte[0][]);
    // Pairing level by level and carrying an odd last node up unchanged equals MTH's split at the
    // largest power of two below n.
    while (n > 1) {
      int half = 0;
      for (int i = 0; i + 1 < n; i += 2) {
        level[half++] = nodeHash(level[i], level[i + 1]);
      }
      if ((n & 1) == 1) {
        level[half++] = level[n - 1];
      }
      n = half;
    }
    return level[0];
  }

  /** PATH(m, D[n]) of RFC 9162 section 2.1.3.1: the audit path of leaf {@code index}. */
  public static List<byte[]> inclusionPath(int index, List<byte[]> leafHashes) {
    if (index < 0 || index >= leafHashes.size()) {
      throw new IllegalArgumentException("leaf index " + index + " is outside a tree of " + leafHashes.size());
    }
    List<byte[]> path = new ArrayList<>();
    path(index, leafHashes, 0, leafHashes.size(), path);
    return path;
  }

  private static void path(int m, List<byte[]> d, int lo, int hi, List<byte[]> out) {
    int n = hi - lo;
    if (n <= 1) {
      return;
    }
    int k = Integer.highestOneBit(n - 1);
    if (m < k) {
      path(m, d, lo, lo + k, out);
      out.add(root(d.subList(lo + k, hi)));
    } else {
      path(m - k, d, lo + k, hi, out);
      out.add(root(d.subList(lo, lo + k)));
    }
  }

  /** The verification algorithm of RFC 9162 section 2.1.3.2. */
  public static boolean verifyInclusion(long index, long treeSize, byte[] leafHash, List<byte[]> path, byte[] root) {
    if (index < 0 || index >= treeSize) {
      return false;
    }
    long fn = index;
    long sn = treeSize - 1;
    byte[] r = leafHash;
    for (byte[] p : path) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && Arrays.equals(r, root);
  }
}
