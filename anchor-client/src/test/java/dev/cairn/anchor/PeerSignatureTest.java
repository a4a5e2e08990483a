package dev.cairn.anchor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerSignatureTest {
  @TempDir Path dir;

  @Test
  void aPeerSignatureVerifiesOnlyInItsOwnDomainAndNeverAsACheckpointSignature() throws Exception {
    AnchorService anchor = AnchorService.open(new AnchorOptions(dir, "gw-1", 1, 1000, 1000), new MutableClock());
    try {
      byte[] body = "{\"id\":\"gw-1\"}".getBytes(StandardCharsets.UTF_8);
      byte[] sig = anchor.signForPeers(PeerSignature.ANNOUNCE, body);
      assertTrue(PeerSignature.ANNOUNCE.verify(anchor.publicKey(), body, sig));
      assertFalse(PeerSignature.WORK.verify(anchor.publicKey(), body, sig), "another domain");
      byte[] changed = body.clone();
      changed[2] ^= 1;
      assertFalse(PeerSignature.ANNOUNCE.verify(anchor.publicKey(), changed, sig), "another body");
      assertFalse(PeerSignature.ANNOUNCE.verify(new byte[32], body, sig), "another key");

      // A checkpoint's signature, presented as an announcement's, does not verify.
      anchor.append(AnchorServiceTest.leaf("j-1")).toCompletableFuture().get(10, TimeUnit.SECONDS);
      anchor.sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
      ReceiptLookup r = anchor.receipt("dev1", "j-1").toCompletableFuture().get(10, TimeUnit.SECONDS);
      Checkpoint c = r.receipt().checkpoint();
      assertTrue(c.verify(anchor.publicKey()));
      for (PeerSignature d : PeerSignature.values()) {
        assertFalse(d.verify(anchor.publicKey(), c.body(), c.signature()), d.name());
      }
    } finally {
      anchor.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
