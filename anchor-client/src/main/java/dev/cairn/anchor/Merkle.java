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

  /**
   * The inclusion paths of every leaf at once, in O(n) hashes: the tree is built level by level (an odd
   * last node is carried up unchanged), and each leaf's path is its siblings where they exist. Equal
   * to {@link #inclusionPath} for every index.
   */
  public static List<List<byte[]>> inclusionPaths(List<byte[]> leafHashes) {
    int n = leafHashes.size();
    List<byte[][]> levels = new ArrayList<>();
    byte[][] level = leafHashes.toArray(new byte[0][]);
    levels.add(level);
    while (level.length > 1) {
      byte[][] up = new byte[(level.length + 1) / 2][];
      for (int i = 0; i + 1 < level.length; i += 2) {
        up[i / 2] = nodeHash(level[i], level[i + 1]);
      }
      if ((level.length & 1) == 1) {
        up[up.length - 1] = level[level.length - 1];
      }
      levels.add(up);
      level = up;
    }
    List<List<byte[]>> paths = new ArrayList<>(n);
    for (int m = 0; m < n; m++) {
      List<byte[]> path = new ArrayList<>();
      int idx = m;
      for (int l = 0; l < levels.size() - 1; l++) {
        byte[][] nodes = levels.get(l);
        int sibling = idx ^ 1;
        if (sibling < nodes.length) {
          path.add(nodes[sibling]);
        }
        idx >>= 1;
      }
      paths.add(path);
    }
    return paths;
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
