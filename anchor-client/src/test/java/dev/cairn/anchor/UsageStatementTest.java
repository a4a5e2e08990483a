package dev.cairn.anchor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.anchor.ReceiptVerifier.Check;
import dev.cairn.anchor.usage.JobLeaf;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageCodec;
import dev.cairn.anchor.usage.UsageRecompute;
import dev.cairn.anchor.usage.UsageStatement;
import dev.cairn.anchor.usage.UsageTotals;
import dev.cairn.anchor.usage.UsageVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageStatementTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  final MutableClock clock = new MutableClock();
  AnchorService service;

  @BeforeEach
  void open() {
    service = AnchorService.open(new AnchorOptions(dir, "gw-1", 1000, 3_600_000, 1000), clock);
  }

  @AfterEach
  void close() throws Exception {
    get(service.close());
  }

  static <T> T get(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static UsageStatement statement(long epoch, byte[] previous, long jobs) {
    return UsageStatement.of("gw-1", UsageStatement.DEVICE, "dev1", epoch, 3600, previous,
        Map.of("vector.saxpy", new UsageTotals(jobs, 700 * jobs, 2048 * jobs, 1024 * jobs, 900 * jobs),
            "stats.summary", UsageTotals.ofJob(50, 400, 40, 60)));
  }

  SignedUsage signed(UsageStatement s) {
    return SignedUsage.sign(s, body -> service.signStatement(SignedUsage.DOMAIN, body));
  }

  /** Appends the statement as a leaf, seals, and attaches its receipt. */
  SignedUsage anchored(SignedUsage u) throws Exception {
    String id = "usage-" + u.statement().epoch();
    get(service.appendLeaf("usage:dev1", id, u.body()));
    get(service.sealNow());
    Receipt r = await().atMost(10, TimeUnit.SECONDS).until(() -> get(service.receipt("usage:dev1", id)),
        l -> l.status() == ReceiptLookup.Status.READY).receipt();
    return u.withReceipt(r);
  }

  static boolean allOk(List<Check> checks) {
    return checks.stream().allMatch(Check::ok);
  }

  static Check failed(List<Check> checks) {
    return checks.stream().filter(c -> !c.ok()).findFirst().orElseThrow(() -> new AssertionError("no check failed: " + checks));
  }

  @Test
  void bodyIsCanonicalAndParsesBack() {
    UsageStatement s = statement(490_000, new byte[32], 3);
    assertEquals(s, UsageStatement.parse(s.body()));
    assertEquals(4, s.totals().jobs());
    assertEquals(490_000L * 3_600_000, s.fromMs());
    byte[] tampered = s.body().clone();
    tampered[tampered.length - 1] ^= 1;
    assertFalse(java.util.Arrays.equals(s.hash(), UsageStatement.parse(tampered).hash()));
    byte[] longer = java.util.Arrays.copyOf(s.body(), s.body().length + 1);
    assertThrows(IllegalArgumentException.class, () -> UsageStatement.parse(longer));
    IllegalArgumentException sum = assertThrows(IllegalArgumentException.class, () -> new UsageStatement("gw-1",
        UsageStatement.DEVICE, "dev1", 1, 3600, new byte[32], new UsageTotals(9, 0, 0, 0, 0), new java.util.TreeMap<>()));
    assertTrue(sum.getMessage().contains("not the sum"), sum.getMessage());
  }

  @Test
  void anchoredStatementVerifiesOfflineFromItsJson() throws Exception {
    SignedUsage u = anchored(signed(statement(10, new byte[32], 3)));
    byte[] json = JSON.writeValueAsBytes(UsageCodec.toJson(u));
    assertTrue(new String(json).contains("\"jobs\":4"), new String(json));
    SignedUsage back = UsageCodec.readAll(json).get(0);
    List<Check> checks = UsageVerifier.verify(back, service.publicKey(), null, null, null);
    assertTrue(allOk(checks), checks.toString());
    assertTrue(checks.stream().anyMatch(c -> c.name().equals("receipt inclusion")), checks.toString());
  }

  @Test
  void alteredReadableFieldTamperedBodyAndOtherGatewaysKeyAreRefused() throws Exception {
    SignedUsage u = anchored(signed(statement(11, new byte[32], 3)));
    ObjectNode json = UsageCodec.toJson(u);
    json.put("jobs", 400);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> UsageCodec.readAll(JSON.writeValueAsBytes(json)));
    assertTrue(e.getMessage().contains("the field jobs says 400"), e.getMessage());

    // A body re-signed by another key: the pinned gateway key refuses it.
    Ed25519PrivateKeyParameters other = new Ed25519PrivateKeyParameters(new java.security.SecureRandom());
    SignedUsage forged = SignedUsage.sign(statement(11, new byte[32], 300), body -> sign(other, SignedUsage.DOMAIN, body));
    Check c = failed(UsageVerifier.verify(forged, service.publicKey(), null, null, null));
    assertEquals("gateway signature", c.name());
    assertTrue(c.detail().contains("another gateway's"), c.detail());

    // The gateway's own signature over other totals does not carry over to this receipt.
    SignedUsage swapped = signed(statement(11, new byte[32], 300)).withReceipt(u.receipt());
    assertEquals("receipt", failed(UsageVerifier.verify(swapped, service.publicKey(), null, null, null)).name());
  }

  @Test
  void replayedAndMissingStatementsBreakTheChain() {
    SignedUsage first = signed(statement(20, new byte[32], 1));
    SignedUsage second = signed(statement(21, first.hash(), 2));
    SignedUsage third = signed(statement(22, second.hash(), 3));
    assertTrue(allOk(UsageVerifier.chains(List.of(third, first, second))));
    Check replay = failed(UsageVerifier.chains(List.of(first, second, second)));
    assertTrue(replay.detail().contains("replayed"), replay.detail());
    Check gap = failed(UsageVerifier.chains(List.of(first, third)));
    assertTrue(gap.detail().contains("missing"), gap.detail());
  }

  @Test
  void countersignatureOfOtherTotalsIsRefusedAndTheDisagreementNamed() {
    Ed25519PrivateKeyParameters peer = new Ed25519PrivateKeyParameters(new java.security.SecureRandom());
    byte[] peerKey = peer.generatePublicKey().getEncoded();
    UsageStatement ours = UsageStatement.of("gw-1", UsageStatement.PEER, "gw-2", 5, 3600, new byte[32],
        Map.of("vector.saxpy", new UsageTotals(10, 7000, 0, 0, 9000)));
    UsageStatement theirs = UsageStatement.of("gw-1", UsageStatement.PEER, "gw-2", 5, 3600, new byte[32],
        Map.of("vector.saxpy", new UsageTotals(8, 5600, 0, 0, 7200)));
    SignedUsage good = signed(ours).countersignedBy(peerKey, sign(peer, SignedUsage.COUNTERSIGN_DOMAIN, ours.body()));
    assertTrue(UsageVerifier.verify(good, service.publicKey(), peerKey, null, null).stream()
        .filter(c -> c.name().equals("countersignature")).allMatch(Check::ok));
    SignedUsage wrong = signed(ours).countersignedBy(peerKey, sign(peer, SignedUsage.COUNTERSIGN_DOMAIN, theirs.body()));
    Check c = failed(UsageVerifier.verify(wrong, service.publicKey(), peerKey, null, null));
    assertEquals("countersignature", c.name());
    assertTrue(c.detail().contains("not the peer's signature of these totals"), c.detail());
    // A gateway signature is not a countersignature: the domains differ.
    SignedUsage crossed = signed(ours).countersignedBy(peerKey, sign(peer, SignedUsage.DOMAIN, ours.body()));
    assertEquals("countersignature", failed(UsageVerifier.verify(crossed, service.publicKey(), peerKey, null, null)).name());
    assertEquals(List.of("kernel vector.saxpy: " + ours.kernels().get("vector.saxpy") + " against "
        + theirs.kernels().get("vector.saxpy")), UsageVerifier.disagreement(ours, theirs));
  }

  @Test
  void totalsAreRecomputedFromJobReceiptsAndDifferencesNamed() throws Exception {
    long from = 30 * 3_600_000L;
    Path receipts = Files.createDirectories(dir.resolve("receipts"));
    for (int i = 0; i < 3; i++) {
      LeafInput in = new LeafInput("dev1", "j" + i, "vector.saxpy", "1.0.0", new byte[32], Map.of("y", new float[256]),
          "jvm", from + i, from + 10 + i, 2048, 5, 900, 700);
      get(service.append(in));
    }
    get(service.sealNow());
    for (int i = 0; i < 3; i++) {
      String job = "j" + i;
      Receipt r = await().atMost(10, TimeUnit.SECONDS).until(() -> get(service.receipt("dev1", job)),
          l -> l.status() == ReceiptLookup.Status.READY).receipt();
      Files.write(receipts.resolve(job + ".json"), ReceiptCodec.toJson(r));
      JobLeaf leaf = JobLeaf.parse(r.leaf()).orElseThrow();
      assertEquals(700, leaf.cpuMicros());
      assertEquals(2048, leaf.inputBytes());
    }
    long ob = JobLeaf.parse(ReceiptCodec.read(Files.readAllBytes(receipts.resolve("j0.json"))).leaf()).orElseThrow().outputBytes();
    UsageStatement right = UsageStatement.of("gw-1", UsageStatement.DEVICE, "dev1", 30, 3600, new byte[32],
        Map.of("vector.saxpy", new UsageTotals(3, 2100, 3 * 2048, 3 * ob, 2700)));
    assertTrue(allOk(UsageRecompute.recompute(right, receipts, service.publicKey())));
    UsageStatement inflated = UsageStatement.of("gw-1", UsageStatement.DEVICE, "dev1", 30, 3600, new byte[32],
        Map.of("vector.saxpy", new UsageTotals(4, 2800, 4 * 2048, 4 * ob, 3600)));
    Check c = failed(UsageRecompute.recompute(inflated, receipts, service.publicKey()));
    assertEquals("recompute vector.saxpy", c.name());
    assertTrue(c.detail().contains("says 4 jobs") && c.detail().contains("receipts 3 jobs"), c.detail());
  }

  static byte[] sign(Ed25519PrivateKeyParameters key, String domain, byte[] body) {
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, key);
    byte[] m = Statements.message(domain, body);
    s.update(m, 0, m.length);
    return s.generateSignature();
  }
}
