package dev.cairn.anchor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receipt that chains two gateways' checkpoints, with two real journals: gw-2 runs gw-1's device's jobs
 * and journals their leaves, gw-1 journals a {@link ChainLeaf} naming each, and the verifier checks both
 * chains and the link between them.
 */
class ChainReceiptTest {
  @TempDir Path dir;
  final MutableClock clock = new MutableClock();
  AnchorService gw1;
  AnchorService gw2;
  /** The salt of each job's output commitment: gw-2's, as its answer gives it to gw-1 and the device. */
  final Map<String, byte[]> salts = new java.util.HashMap<>();

  @BeforeEach
  void open() {
    gw1 = AnchorService.open(new AnchorOptions(dir.resolve("gw-1"), "gw-1", 1000, 3_600_000, 10_000, List.of(AnchorSinks.local())), clock);
    gw2 = AnchorService.open(new AnchorOptions(dir.resolve("gw-2"), "gw-2", 1000, 3_600_000, 10_000, List.of(AnchorSinks.local())), clock);
  }

  @AfterEach
  void close() throws Exception {
    get(gw1.close());
    get(gw2.close());
  }

  static <T> T get(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** gw-2 runs {@code job} of gw-1's dev1; gw-1 journals its chain leaf; both batches are sealed; gw-1's receipt with gw-2's. */
  Receipt offloaded(String job, float y) throws Exception {
    Map<String, Object> outputs = Map.of("y", new float[] {y});
    SealedLeaf ran = get(gw2.append(new LeafInput("gw-1/dev1", job, "vector.saxpy", "1.0.0", new byte[32], outputs, "jvm", 1, 2)));
    salts.put(job, ran.salt());
    byte[] leaf = ChainLeaf.leaf("gw-1", "dev1", job, "vector.saxpy", outputs, ran.salt(), 3,
        List.of(new ChainLeaf.Link("gw-2", ran.leafHash())));
    get(gw1.appendLeaf("dev1", job, leaf));
    get(gw1.sealNow());
    get(gw2.sealNow());
    Receipt mine = ready(gw1, "dev1", job);
    return mine.withExecuted(List.of(new Receipt.Executed("gw-2", ready(gw2, "gw-1/dev1", job))));
  }

  static Receipt ready(AnchorService s, String device, String job) {
    return await().atMost(10, TimeUnit.SECONDS).until(() -> get(s.receipt(device, job)),
        l -> l.status() == ReceiptLookup.Status.READY).receipt();
  }

  List<String> failed(Receipt r, Map<String, byte[]> peers) {
    return ReceiptVerifier.verify(r, gw1.publicKey(), null, null, null, peers).stream().filter(c -> !c.ok()).map(ReceiptVerifier.Check::name).toList();
  }

  @Test
  void aChainedReceiptVerifiesBothCheckpointsAndSurvivesJsonAndCbor() throws Exception {
    Receipt r = offloaded("j1", 5f);
    Map<String, byte[]> peers = Map.of("gw-2", gw2.publicKey());
    List<ReceiptVerifier.Check> checks = ReceiptVerifier.verify(r, gw1.publicKey(), null, null,
        new ReceiptVerifier.DeviceResult(salts.get("j1"), Map.of("y", new float[] {5f})), peers);
    assertTrue(checks.stream().allMatch(ReceiptVerifier.Check::ok), checks.toString());
    List<String> names = checks.stream().map(ReceiptVerifier.Check::name).toList();
    assertTrue(names.containsAll(List.of("checkpoint signature", "executed gw-2 checkpoint signature", "executed gw-2 inclusion",
        "executed gw-2 link", "output commitment")), names.toString());
    assertEquals(List.of(), failed(ReceiptCodec.read(ReceiptCodec.toJson(r)), peers));
    assertEquals(List.of(), failed(ReceiptCodec.read(ReceiptCodec.toCbor(r)), peers));
    // A local receipt keeps its format: no "executed" field.
    assertTrue(!new String(ReceiptCodec.toJson(ready(gw2, "gw-1/dev1", "j1"))).contains("executed"));
  }

  @Test
  void aTamperedExecutingCheckpointASwappedLeafOrAMissingKeyFailsNamingTheCheck() throws Exception {
    Receipt r = offloaded("j1", 5f);
    Receipt other = offloaded("j2", 6f);
    Map<String, byte[]> peers = Map.of("gw-2", gw2.publicKey());
    Receipt.Executed ex = r.executed().get(0);
    Checkpoint c = ex.receipt().checkpoint();
    byte[] root = c.root().clone();
    root[0] ^= 1;
    Receipt forged = new Receipt(1, ex.receipt().leaf(), ex.receipt().index(), ex.receipt().path(),
        new Checkpoint(c.origin(), c.batch(), c.treeSize(), c.firstSequence(), root, c.previousHash(), c.timeMillis(), c.signature()),
        ex.receipt().anchors(), ex.receipt().publicKey());
    List<String> tampered = failed(r.withExecuted(List.of(new Receipt.Executed("gw-2", forged))), peers);
    assertTrue(tampered.contains("executed gw-2 checkpoint signature"), tampered.toString());
    // gw-2's genuine receipt of another job: every gw-2 check passes, the link does not.
    assertEquals(List.of("executed gw-2 link"), failed(r.withExecuted(other.executed()), peers));
    assertEquals(List.of("executed gw-2 checkpoint signature"), failed(r, Map.of()));
    assertEquals(List.of("executed gw-2 checkpoint signature"), failed(r, Map.of("gw-2", gw1.publicKey())));
    assertEquals(List.of("executed gw-2"), failed(r.withExecuted(List.of()), peers));
    assertThrows(IllegalArgumentException.class, () -> new Receipt.Executed("gw-2", r));
  }
}
