package dev.cairn.anchor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Merkle against expectations computed here, independently: a direct transcription of RFC 9162's
 * definition of MTH with the JDK's MessageDigest.
 */
class MerkleTest {
  static byte[] sha256(byte[]... parts) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (byte[] p : parts) {
      md.update(p);
    }
    return md.digest();
  }

  /** MTH(D[n]) of RFC 9162 section 2.1.1, over leaf data (not hashes). */
  static byte[] mth(List<byte[]> d) throws Exception {
    int n = d.size();
    if (n == 0) {
      return sha256();
    }
    if (n == 1) {
      return sha256(new byte[] {0}, d.get(0));
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    return sha256(new byte[] {1}, mth(d.subList(0, k)), mth(d.subList(k, n)));
  }

  static List<byte[]> data(int n) {
    List<byte[]> d = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      d.add(("leaf-" + i).getBytes());
    }
    return d;
  }

  static List<byte[]> hashes(List<byte[]> d) {
    return d.stream().map(Merkle::leafHash).toList();
  }

  @Test
  void emptyTreeRootIsSha256OfNothing() {
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        HexFormat.of().formatHex(Merkle.root(List.of())));
  }

  @Test
  void smallTreesMatchHandComputation() throws Exception {
    byte[] a = "a".getBytes();
    byte[] b = "b".getBytes();
    byte[] c = "c".getBytes();
    byte[] ha = sha256(new byte[] {0}, a);
    byte[] hb = sha256(new byte[] {0}, b);
    byte[] hc = sha256(new byte[] {0}, c);
    assertArrayEquals(ha, Merkle.root(List.of(Merkle.leafHash(a))));
    assertArrayEquals(sha256(new byte[] {1}, ha, hb), Merkle.root(hashes(List.of(a, b))));
    // Three leaves: no duplication of c; MTH = H(1 || H(1||a||b) || c).
    assertArrayEquals(sha256(new byte[] {1}, sha256(new byte[] {1}, ha, hb), hc), Merkle.root(hashes(List.of(a, b, c))));
  }

  @Test
  void rootMatchesTheRfcDefinitionForEverySizeUpTo70() throws Exception {
    for (int n = 0; n <= 70; n++) {
      List<byte[]> d = data(n);
      assertArrayEquals(mth(d), Merkle.root(hashes(d)), "n = " + n);
    }
  }

  @Test
  void allPathsAtOnceEqualTheRfcPathOfEachLeaf() {
    for (int n = 1; n <= 40; n++) {
      List<byte[]> h = hashes(data(n));
      List<List<byte[]>> all = Merkle.inclusionPaths(h);
      for (int m = 0; m < n; m++) {
        List<byte[]> one = Merkle.inclusionPath(m, h);
        assertEquals(one.size(), all.get(m).size(), "n=" + n + " m=" + m);
        for (int i = 0; i < one.size(); i++) {
          assertArrayEquals(one.get(i), all.get(m).get(i), "n=" + n + " m=" + m + " node " + i);
        }
      }
    }
  }

  @Test
  void everyInclusionPathVerifiesAndTamperingFails() throws Exception {
    for (int n = 1; n <= 40; n++) {
      List<byte[]> h = hashes(data(n));
      byte[] root = mth(data(n));
      for (int m = 0; m < n; m++) {
        List<byte[]> path = Merkle.inclusionPath(m, h);
        assertTrue(Merkle.verifyInclusion(m, n, h.get(m), path, root), "n=" + n + " m=" + m);
        byte[] wrongLeaf = Merkle.leafHash("other".getBytes());
        assertFalse(Merkle.verifyInclusion(m, n, wrongLeaf, path, root));
        byte[] wrongRoot = root.clone();
        wrongRoot[0] ^= 1;
        assertFalse(Merkle.verifyInclusion(m, n, h.get(m), path, wrongRoot));
        assertFalse(Merkle.verifyInclusion(n, n, h.get(m), path, root));
        if (n > 1) {
          assertFalse(Merkle.verifyInclusion((m + 1) % n, n, h.get(m), path, root), "index swap n=" + n + " m=" + m);
          List<byte[]> bad = new ArrayList<>(path);
          byte[] node = bad.get(0).clone();
          node[31] ^= 1;
          bad.set(0, node);
          assertFalse(Merkle.verifyInclusion(m, n, h.get(m), bad, root));
          assertFalse(Merkle.verifyInclusion(m, n, h.get(m), path.subList(0, path.size() - 1), root));
        }
      }
    }
  }
}
