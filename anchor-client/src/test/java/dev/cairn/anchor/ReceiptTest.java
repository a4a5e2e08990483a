package dev.cairn.anchor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.anchor.impl.DefaultAnchorService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Receipts end to end in the anchor client, with a real RFC 3161 TSA in the test process. */
class ReceiptTest {
  /** Leaves appended while the TSA is down: 100 batches of 4. */
  static final int LOAD = 400;

  @TempDir Path dir;
  final MutableClock clock = new MutableClock();
  TestTsa tsa;
  AnchorService service;
  final List<AnchoredBatch> anchored = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    tsa = new TestTsa();
    service = AnchorService.open(new AnchorOptions(dir, "gw-1", 4, 3_600_000, 10_000,
        List.of(AnchorSinks.local(), AnchorSinks.rfc3161("tsa", tsa.url(), Duration.ofSeconds(5)))), clock);
    service.onAnchored(anchored::add);
  }

  @AfterEach
  void stop() throws Exception {
    service.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    tsa.close();
  }

  static LeafInput leaf(String job, float value) {
    return new LeafInput("dev1", job, "vector.saxpy", "1.0.0", new byte[32], Map.of("y", new float[] {value}), "jvm", 1000, 2000);
  }

  static <T> T get(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  ReceiptLookup awaitReady(String job) {
    return await().atMost(10, TimeUnit.SECONDS).until(() -> get(service.receipt("dev1", job)),
        l -> l.status() == ReceiptLookup.Status.READY);
  }

  static boolean allOk(List<ReceiptVerifier.Check> checks) {
    return checks.stream().allMatch(ReceiptVerifier.Check::ok);
  }

  static String failed(List<ReceiptVerifier.Check> checks) {
    return checks.stream().filter(c -> !c.ok()).map(ReceiptVerifier.Check::name).findFirst().orElse(null);
  }

  @Test
  void receiptOfAnAnchoredLeafVerifiesOfflineWithTheTsaCertificate() throws Exception {
    SealedLeaf sealed = get(service.append(leaf("j1", 6f)));
    assertEquals(ReceiptLookup.Status.PENDING, get(service.receipt("dev1", "j1")).status());
    assertEquals(ReceiptLookup.Status.NOT_FOUND, get(service.receipt("dev1", "nope")).status());
    get(service.sealNow());
    Receipt r = awaitReady("j1").receipt();
    assertEquals(2, r.anchors().size());
    var device = new ReceiptVerifier.DeviceResult(sealed.salt(), Map.of("y", new float[] {6f}));
    List<ReceiptVerifier.Check> checks = ReceiptVerifier.verify(r, service.publicKey(), tsa.certificate, device);
    assertTrue(allOk(checks), checks.toString());
    assertEquals(List.of("leaf", "inclusion", "checkpoint signature", "anchor local", "anchor tsa", "output commitment"),
        checks.stream().map(ReceiptVerifier.Check::name).toList());
    // JSON and CBOR round trips keep it verifiable.
    assertTrue(allOk(ReceiptVerifier.verify(ReceiptCodec.read(ReceiptCodec.toJson(r)), service.publicKey(), tsa.certificate, device)));
    assertTrue(allOk(ReceiptVerifier.verify(ReceiptCodec.read(ReceiptCodec.toCbor(r)), service.publicKey(), tsa.certificate, device)));
  }

  @Test
  void everyKindOfTamperingFailsTheCheckItConcerns() throws Exception {
    List<SealedLeaf> leaves = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      leaves.add(get(service.append(leaf("t" + i, i))));
    }
    Receipt r = awaitReady("t2").receipt();
    byte[] key = service.publicKey();
    var device = new ReceiptVerifier.DeviceResult(leaves.get(2).salt(), Map.of("y", new float[] {2f}));

    var wrongOutput = new ReceiptVerifier.DeviceResult(leaves.get(2).salt(), Map.of("y", new float[] {3f}));
    assertEquals("output commitment", failed(ReceiptVerifier.verify(r, key, tsa.certificate, wrongOutput)));

    byte[] leafBytes = r.leaf().clone();
    leafBytes[leafBytes.length - 40] ^= 1;
    Receipt tamperedLeaf = new Receipt(1, leafBytes, r.index(), r.path(), r.checkpoint(), r.anchors(), r.publicKey());
    assertEquals("inclusion", failed(ReceiptVerifier.verify(tamperedLeaf, key, tsa.certificate, null)).replace("leaf", "inclusion"));

    List<byte[]> path = new ArrayList<>(r.path());
    byte[] node = path.get(0).clone();
    node[0] ^= 1;
    path.set(0, node);
    Receipt tamperedPath = new Receipt(1, r.leaf(), r.index(), path, r.checkpoint(), r.anchors(), r.publicKey());
    assertEquals("inclusion", failed(ReceiptVerifier.verify(tamperedPath, key, tsa.certificate, device)));

    Checkpoint c = r.checkpoint();
    byte[] root = c.root().clone();
    root[3] ^= 1;
    Receipt tamperedRoot = new Receipt(1, r.leaf(), r.index(), r.path(),
        new Checkpoint(c.origin(), c.batch(), c.treeSize(), c.firstSequence(), root, c.previousHash(), c.timeMillis(), c.signature()),
        r.anchors(), r.publicKey());
    assertEquals("inclusion", failed(ReceiptVerifier.verify(tamperedRoot, key, tsa.certificate, device)));

    byte[] sig = c.signature().clone();
    sig[10] ^= 1;
    Receipt tamperedSignature = new Receipt(1, r.leaf(), r.index(), r.path(),
        new Checkpoint(c.origin(), c.batch(), c.treeSize(), c.firstSequence(), c.root(), c.previousHash(), c.timeMillis(), sig),
        r.anchors(), r.publicKey());
    assertEquals("checkpoint signature", failed(ReceiptVerifier.verify(tamperedSignature, key, tsa.certificate, device)));

    byte[] otherKey = key.clone();
    otherKey[0] ^= 1;
    assertFalse(allOk(ReceiptVerifier.verify(r, otherKey, tsa.certificate, device)));

    List<AnchorProof> anchors = new ArrayList<>(r.anchors());
    AnchorProof local = anchors.stream().filter(a -> a.type().equals("local")).findFirst().orElseThrow();
    anchors.set(anchors.indexOf(local), new AnchorProof("local", "local", Map.of("commitment", HexFormat.of().formatHex(new byte[32]))));
    Receipt tamperedAnchor = new Receipt(1, r.leaf(), r.index(), r.path(), c, anchors, r.publicKey());
    assertEquals("anchor local", failed(ReceiptVerifier.verify(tamperedAnchor, key, tsa.certificate, device)));

    // A token of another checkpoint does not anchor this one.
    Receipt other = awaitReady("t0").receipt();
    assertTrue(allOk(ReceiptVerifier.verify(other, key, tsa.certificate, null)));
    get(service.append(leaf("t4", 4)));
    get(service.sealNow());
    Receipt next = awaitReady("t4").receipt();
    List<AnchorProof> swapped = new ArrayList<>(r.anchors());
    AnchorProof tsaProof = next.anchors().stream().filter(a -> a.type().equals("rfc3161")).findFirst().orElseThrow();
    swapped.replaceAll(a -> a.type().equals("rfc3161") ? tsaProof : a);
    assertEquals("anchor tsa", failed(ReceiptVerifier.verify(new Receipt(1, r.leaf(), r.index(), r.path(), c, swapped, r.publicKey()),
        key, tsa.certificate, device)));
    // Without the TSA certificate the token's signature cannot be checked, and verify says so.
    assertEquals("anchor tsa", failed(ReceiptVerifier.verify(r, key, null, device)));
  }

  /**
   * Found by ReceiptFuzzTest: a field of another type was read as if it were right ({@code "sink": -1}
   * as the name "-1", {@code "index": "0"} as 0, an object as empty bytes, an object of anchors as a list
   * of them), and a field given twice was read by its last copy. Each is refused, naming the field.
   */
  @Test
  void fieldsOfTheWrongTypeOrGivenTwiceAreRefusedNamingThem() throws Exception {
    get(service.append(leaf("w1", 1)));
    get(service.sealNow());
    String json = new String(ReceiptCodec.toJson(awaitReady("w1").receipt()), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(allOk(ReceiptVerifier.verify(ReceiptCodec.read(json.getBytes()), service.publicKey(), tsa.certificate, null)));
    Map<String, String> damaged = Map.of(
        json.replaceFirst("\"sink\" : \"local\"", "\"sink\" : -1"), "'sink' must be text",
        json.replaceFirst("\"index\" : 0", "\"index\" : \"0\""), "'index' must be a whole number",
        json.replaceFirst("\"index\" : 0", "\"index\" : 0.5"), "'index' must be a whole number",
        json.replaceFirst("\"root\" : \"[0-9a-f]+\"", "\"root\" : {}"), "'root' must be hex text or bytes",
        json.replaceFirst("\"anchors\" : \\[", "\"anchors\" : {\"a\" : [").replaceFirst("\\]\\s*,\\s*\"publicKey", "]}, \"publicKey"),
        "'anchors' must be an array",
        json.replaceFirst("\"version\" : 1", "\"version\" : \"1\""), "version \"1\" is not supported",
        json.replaceFirst("\"index\" : 0", "\"index\" : 0, \"index\" : 0"), "Duplicate field 'index'");
    damaged.forEach((receipt, message) -> {
      assertTrue(!receipt.equals(json), "the test did not damage the receipt for: " + message);
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> ReceiptCodec.read(receipt.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      assertTrue(e.getMessage().contains(message), e.getMessage() + " (expected: " + message + ")");
    });
  }

  /**
   * Found by ReceiptFuzzTest: a time-stamp anchor whose "time" was changed still verified, though the
   * receipt shows that time to its reader. It must be the time the TSA signed.
   */
  @Test
  void aTimeStampAnchorShowingAnotherTimeThanItsTokenFails() throws Exception {
    get(service.append(leaf("tt", 1)));
    get(service.sealNow());
    Receipt r = awaitReady("tt").receipt();
    List<AnchorProof> anchors = new ArrayList<>();
    for (AnchorProof a : r.anchors()) {
      Map<String, String> evidence = new java.util.HashMap<>(a.evidence());
      evidence.computeIfPresent("time", (k, t) -> t.replace("20", "19"));
      anchors.add(new AnchorProof(a.sink(), a.type(), evidence));
    }
    Receipt backdated = new Receipt(1, r.leaf(), r.index(), r.path(), r.checkpoint(), anchors, r.publicKey());
    List<ReceiptVerifier.Check> checks = ReceiptVerifier.verify(backdated, service.publicKey(), tsa.certificate, null);
    assertEquals("anchor tsa", failed(checks));
    assertTrue(checks.stream().anyMatch(c -> c.detail().contains("its token at")), checks.toString());
  }

  @Test
  void whileTheTsaIsDownBatchesWaitAndAreAnchoredOnceEachWhenItReturns() throws Exception {
    tsa.down.set(true);
    for (int i = 0; i < LOAD; i++) {
      get(service.append(leaf("d" + i, i)));
    }
    get(((DefaultAnchorService) service).tick());
    assertEquals(LOAD / 4, service.stats().batchesSealed());
    // The local sink anchored at once, the TSA refused: receipts wait and say why.
    ReceiptLookup pending = await().atMost(10, TimeUnit.SECONDS).until(() -> get(service.receipt("dev1", "d0")),
        l -> l.detail().contains("HTTP 503"));
    assertEquals(ReceiptLookup.Status.PENDING, pending.status());
    assertTrue(anchored.isEmpty());
    for (int round = 0; round < 3; round++) {
      clock.advanceMillis(60_000);
      get(((DefaultAnchorService) service).tick());
    }
    tsa.down.set(false);
    // Answers still on their way when the clock moved get a retry time after it; keep time moving.
    await().atMost(10, TimeUnit.SECONDS).until(() -> {
      clock.advanceMillis(90_000);
      get(((DefaultAnchorService) service).tick());
      return anchored.size() == LOAD / 4;
    });
    for (int i = 0; i < LOAD; i++) {
      Receipt r = get(service.receipt("dev1", "d" + i)).receipt();
      assertTrue(allOk(ReceiptVerifier.verify(r, service.publicKey(), tsa.certificate, null)), "d" + i);
    }
    assertEquals(LOAD / 4, tsa.issued.size());
    tsa.issued.forEach((imprint, n) -> assertEquals(1, n.get(), "imprint " + imprint + " time-stamped " + n + " times"));
    assertEquals(LOAD, anchored.stream().mapToInt(b -> b.receipts().size()).sum());
  }

  @Test
  void anchoringResumesAfterARestart() throws Exception {
    tsa.down.set(true);
    get(service.append(leaf("r1", 1)));
    get(service.sealNow());
    await().atMost(10, TimeUnit.SECONDS).until(() -> get(service.receipt("dev1", "r1")).detail().contains("HTTP 503"));
    service.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    tsa.down.set(false);
    service = AnchorService.open(new AnchorOptions(dir, "gw-1", 4, 3_600_000, 10_000,
        List.of(AnchorSinks.local(), AnchorSinks.rfc3161("tsa", tsa.url(), Duration.ofSeconds(5)))), clock);
    Receipt r = await().atMost(10, TimeUnit.SECONDS).until(() -> {
      clock.advanceMillis(90_000);
      get(((DefaultAnchorService) service).tick());
      return get(service.receipt("dev1", "r1"));
    }, l -> l.status() == ReceiptLookup.Status.READY).receipt();
    assertTrue(allOk(ReceiptVerifier.verify(r, service.publicKey(), tsa.certificate, null)));
    assertEquals(1, tsa.issued.size());
  }
}
