package dev.cairn.runtime.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.anchor.AnchorOptions;
import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.Canonical;
import dev.cairn.anchor.MutableClock;
import dev.cairn.anchor.PeerSignature;
import dev.cairn.anchor.ReceiptVerifier.Check;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageStatement;
import dev.cairn.anchor.usage.UsageTotals;
import dev.cairn.anchor.usage.UsageVerifier;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Statements of work between two gateways with real journals and SQLite, joined by an in-memory link that
 * signs each message as the network does: gw-2 runs jobs for gw-1, seals, gw-1 countersigns or disputes;
 * every bad message is refused with its reason, counted, and stored nowhere.
 */
class PeerUsageTest {
  static final long HOUR = 3_600_000;
  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:15:00Z").toEpochMilli());
  final Map<String, EpochSealer> sealers = new java.util.HashMap<>();
  final Map<String, AnchorService> anchors = new java.util.HashMap<>();
  /** Refusals as the link logged them: gateway, then the message's arguments. */
  final List<String> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
  /** Messages sent, as (from, to, body). */
  final List<String[]> sent = java.util.Collections.synchronizedList(new ArrayList<>());
  final Map<String, byte[]> sentBodies = new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeEach
  void open() {
    for (String id : List.of("gw-1", "gw-2", "gw-3")) {
      AnchorService a = AnchorService.open(AnchorOptions.defaults(dir.resolve(id), id), clock);
      anchors.put(id, a);
      sealers.put(id, EpochSealer.start(a, id, dir.resolve(id), 3600, clock, null));
    }
    for (String id : List.of("gw-1", "gw-2")) {
      sealers.get(id).peers().link(new PeerUsage.Link() {
        @Override
        public byte[] peerKey(String gateway) {
          return gateway.equals("gw-1") || gateway.equals("gw-2") ? anchors.get(gateway).publicKey() : null;
        }

        @Override
        public boolean send(String peer, byte[] message) {
          sent.add(new String[] {id, peer});
          sentBodies.put(id + ">" + peer + "#" + sent.size(), message);
          deliver(id, peer, message);
          return true;
        }

        @Override
        public void refused(String key, String format, Object... args) {
          refusals.add(id + " " + key + " " + args[args.length - 1]);
        }
      });
    }
  }

  @AfterEach
  void close() throws Exception {
    for (String id : sealers.keySet()) {
      sealers.get(id).close();
      anchors.get(id).close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** {@code from} sends {@code message} to {@code to}, signed for transport with {@code from}'s key. */
  void deliver(String from, String to, byte[] message) {
    sealers.get(to).peers().received(message, anchors.get(from).signForPeers(PeerSignature.USAGE, message));
  }

  /** Lets each gateway's metering thread finish what it was given (twice: an answer may follow). */
  void drain() throws Exception {
    for (int i = 0; i < 3; i++) {
      for (String id : List.of("gw-1", "gw-2")) {
        sealers.get(id).sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
  }

  static final JobRequest JOB = new JobRequest("dev1", "j", "vector.saxpy", Map.of("a", 2.0),
      Map.of("x", new float[] {1, 2}, "y", new float[] {3, 4}), 5, 0, 100);
  static final JobResult RESULT = JobResult.ok("j", "dev1", Map.of("y", new float[] {5, 8}), "jvm", 10, 200, "aa", "bb");

  /** gw-2 runs a job for gw-1; gw-1 gets its answer ({@code answered}) or, when false, loses it. */
  void runForGw1(String leaf, boolean answered) {
    UsageTotals t = UsageTotals.ofJob(150, UsageMeter.inputBytes(JOB), Canonical.outputBytes(RESULT.outputs()).length, 200);
    sealers.get("gw-2").record("gw-1/dev1", "vector.saxpy", clock.millis(), t, leaf);
    PeerUsage.Claim c = sealers.get("gw-2").peers().claim(leaf);
    assertNull(sealers.get("gw-2").peers().claim(leaf), "an answer takes its claim once");
    if (answered) {
      sealers.get("gw-1").peers().answered("gw-2", JOB, RESULT, c.epoch(), c.cpuMicros());
    }
  }

  List<SignedUsage> gw2Statements() throws Exception {
    return sealers.get("gw-2").statements(UsageStatement.PEER, "gw-1", 0, Long.MAX_VALUE, 10).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  void sealEpoch() throws Exception {
    clock.advanceMillis(HOUR);
    drain();
  }

  byte[] lastSent(String from, String to) {
    for (int i = sent.size(); i > 0; i--) {
      byte[] b = sentBodies.get(from + ">" + to + "#" + i);
      if (b != null) {
        return b;
      }
    }
    throw new AssertionError("nothing sent from " + from + " to " + to);
  }

  @Test
  void equalTotalsAreCountersignedAndKeptWithBothSignatures() throws Exception {
    runForGw1("01", true);
    runForGw1("02", true);
    sealEpoch();
    List<SignedUsage> s = gw2Statements();
    assertEquals(1, s.size());
    assertEquals(2, s.get(0).statement().totals().jobs());
    assertEquals(300, s.get(0).statement().totals().cpuMicros());
    List<Check> checks = UsageVerifier.verify(s.get(0), anchors.get("gw-2").publicKey(), anchors.get("gw-1").publicKey(), null, null);
    Check cs = checks.stream().filter(c -> c.name().equals("countersignature")).findFirst().orElseThrow();
    assertTrue(cs.ok(), cs.detail());
    assertEquals(List.of(), refusals);
    assertEquals(List.of(), sealers.get("gw-1").peers().disputes(0, Long.MAX_VALUE, 10));
  }

  @Test
  void differentTotalsAreKeptAsADisputeWithBothVersionsOnBothSides() throws Exception {
    runForGw1("01", true);
    runForGw1("02", false); // gw-1 never got this answer: its records hold one job
    sealEpoch();
    for (String id : List.of("gw-1", "gw-2")) {
      List<PeerUsageStore.Dispute> d = sealers.get(id).peers().disputes(0, Long.MAX_VALUE, 10);
      assertEquals(1, d.size(), id);
      assertEquals(id.equals("gw-1") ? PeerUsageStore.REQUESTED : PeerUsageStore.EXECUTED, d.get(0).role());
      assertEquals(2, d.get(0).executor().statement().totals().jobs());
      assertEquals(1, d.get(0).requester().statement().totals().jobs());
      assertTrue(d.get(0).differences().startsWith("kernel vector.saxpy: "), d.get(0).differences());
    }
    assertNull(gw2Statements().get(0).countersignature(), "a disputed statement is not countersigned");
    assertTrue(UsageRoutes.disputeJson(sealers.get("gw-2").peers().disputes(0, Long.MAX_VALUE, 10).get(0))
        .path("requesterVersion").path("jobs").asInt() == 1);
  }

  @Test
  void aStatementSignedByAnotherKeyThanTheSendersPinnedOneIsRefused() throws Exception {
    UsageStatement st = UsageStatement.of("gw-2", UsageStatement.PEER, "gw-1", 5, 3600, new byte[32],
        Map.of("vector.saxpy", UsageTotals.ofJob(1, 8, 8, 1)));
    SignedUsage forged = SignedUsage.sign(st, b -> anchors.get("gw-3").signStatement(SignedUsage.DOMAIN, b));
    deliver("gw-2", "gw-1", PeerUsageMessages.statement("gw-2", "gw-1", forged));
    drain();
    assertEquals(1L, sealers.get("gw-1").peers().refused().get("wrong-key"));
    assertTrue(refusals.get(0).contains("not signed by the pinned key of gw-2"), refusals.toString());
    assertTrue(sent.isEmpty(), "neither countersigned nor disputed");
    assertEquals(List.of(), sealers.get("gw-1").peers().disputes(0, Long.MAX_VALUE, 10));
    // Nor a message whose transport signature is gw-3's while it says it is from gw-2.
    byte[] m = PeerUsageMessages.statement("gw-2", "gw-1", forged);
    sealers.get("gw-1").peers().received(m, anchors.get("gw-3").signForPeers(PeerSignature.USAGE, m));
    drain();
    assertEquals(2L, sealers.get("gw-1").peers().refused().get("wrong-key"));
  }

  @Test
  void aReplayedStatementOfAnEpochAlreadyCountersignedIsRefused() throws Exception {
    runForGw1("01", true);
    sealEpoch();
    assertTrue(gw2Statements().get(0).countersignature() != null);
    byte[] statement = lastSent("gw-2", "gw-1");
    int sentBefore = sent.size();
    deliver("gw-2", "gw-1", statement);
    drain();
    assertEquals(1L, sealers.get("gw-1").peers().refused().get("replayed"));
    assertTrue(refusals.get(0).contains("was already countersigned here"), refusals.toString());
    assertEquals(sentBefore, sent.size(), "no second countersignature");
    // And the countersignature itself, replayed to gw-2.
    deliver("gw-1", "gw-2", lastSent("gw-1", "gw-2"));
    drain();
    assertEquals(1L, sealers.get("gw-2").peers().refused().get("replayed"));
  }

  @Test
  void aCountersignOfOtherTotalsIsRefusedAndTheStatementStaysUncountersigned() throws Exception {
    runForGw1("01", true);
    runForGw1("02", false);
    sealEpoch(); // disputed: gw-1 holds one job
    SignedUsage mine = gw2Statements().get(0);
    UsageStatement other = UsageStatement.of("gw-2", UsageStatement.PEER, "gw-1", mine.statement().epoch(), 3600,
        mine.statement().previous(), Map.of("vector.saxpy", UsageTotals.ofJob(1, 8, 8, 1)));
    SignedUsage otherSigned = new SignedUsage(other, other.body(), mine.signature(), null, null, null);
    byte[] cs = anchors.get("gw-1").signStatement(SignedUsage.COUNTERSIGN_DOMAIN, other.body());
    deliver("gw-1", "gw-2", PeerUsageMessages.countersign("gw-1", "gw-2", otherSigned, cs));
    drain();
    assertEquals(1L, sealers.get("gw-2").peers().refused().get("wrong-totals"));
    assertTrue(refusals.stream().anyMatch(r -> r.startsWith("gw-2") && r.contains("is not the one sealed here")), refusals.toString());
    assertNull(gw2Statements().get(0).countersignature());
    // A countersignature in the right form, of the right body, by gw-3's key: refused too.
    byte[] byGw3 = anchors.get("gw-3").signStatement(SignedUsage.COUNTERSIGN_DOMAIN, mine.body());
    deliver("gw-1", "gw-2", PeerUsageMessages.countersign("gw-1", "gw-2", mine, byGw3));
    drain();
    assertEquals(1L, sealers.get("gw-2").peers().refused().get("wrong-key"));
    assertNull(gw2Statements().get(0).countersignature());
  }

  @Test
  void messagesFromUnpinnedGatewaysOrForOthersOrMalformedAreRefused() throws Exception {
    PeerUsage p = sealers.get("gw-1").peers();
    p.received("not json".getBytes(), new byte[64]);
    UsageStatement st = UsageStatement.of("gw-3", UsageStatement.PEER, "gw-1", 5, 3600, new byte[32], Map.of());
    SignedUsage u = SignedUsage.sign(st, b -> anchors.get("gw-3").signStatement(SignedUsage.DOMAIN, b));
    deliver("gw-3", "gw-1", PeerUsageMessages.statement("gw-3", "gw-1", u));
    deliver("gw-2", "gw-1", PeerUsageMessages.statement("gw-2", "gw-9", u));
    drain();
    assertEquals(Map.of("malformed", 1L, "unpinned", 1L, "not-for-us", 1L), p.refused());
  }
}
