package dev.cairn.runtime.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.anchor.MutableClock;
import dev.cairn.anchor.PeerSignature;
import dev.cairn.anchor.impl.GatewayKey;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerTableTest {
  @TempDir Path dir;
  final MutableClock clock = new MutableClock();

  Announcement announcement(GatewayKey key, String id, long at) {
    return new Announcement(id, key.publicKey(), Map.of("vector.saxpy", "1.0.0"), List.of("jvm"), 10, 30, 1, Map.of(), "test", at);
  }

  static boolean offer(PeerTable t, GatewayKey key, Announcement a, boolean retained) {
    return t.accept(a.id(), a.toJson(), key.sign(PeerSignature.ANNOUNCE.message(a.toJson())), retained);
  }

  @Test
  void statesFollowTheClockAndARetainedAnnouncementAloneLeavesAPeerUnknown() {
    GatewayKey k2 = GatewayKey.loadOrCreate(dir.resolve("gw-2"));
    PeerTable t = new PeerTable("gw-1", Map.of("gw-2", k2.publicKey()), clock, 15_000, 60_000);
    assertEquals(PeerTable.State.UNKNOWN, t.peer("gw-2").state(), "never heard yet");
    assertTrue(offer(t, k2, announcement(k2, "gw-2", 1), true));
    assertEquals(PeerTable.State.UNKNOWN, t.peer("gw-2").state(), "only the broker's retained copy, possibly stale");
    assertTrue(offer(t, k2, announcement(k2, "gw-2", 2), false));
    assertEquals(PeerTable.State.UP, t.peer("gw-2").state());
    assertEquals(0.75, t.peer("gw-2").load());
    assertFalse(offer(t, k2, announcement(k2, "gw-2", 2), false), "a replay of the same announcement");
    clock.advanceMillis(15_001);
    assertEquals(PeerTable.State.UNKNOWN, t.peer("gw-2").state());
    clock.advanceMillis(45_000);
    assertEquals(PeerTable.State.DOWN, t.peer("gw-2").state());
    assertTrue(offer(t, k2, announcement(k2, "gw-2", 3), false));
    assertEquals(PeerTable.State.UP, t.peer("gw-2").state());
    assertTrue(t.quarantine("gw-2", "evidence"));
    assertEquals(PeerTable.State.QUARANTINED, t.peer("gw-2").state());
    assertTrue(t.quarantine("gw-2", null));
    assertEquals(PeerTable.State.UP, t.peer("gw-2").state());
    assertFalse(t.quarantine("gw-9", "x"), "not a pinned peer");
  }

  @Test
  void onlyAnnouncementsSignedByThePinnedKeyForTheirTopicCount() {
    GatewayKey k2 = GatewayKey.loadOrCreate(dir.resolve("gw-2"));
    GatewayKey other = GatewayKey.loadOrCreate(dir.resolve("other"));
    PeerTable t = new PeerTable("gw-1", Map.of("gw-2", k2.publicKey()), clock, 15_000, 60_000);
    assertFalse(offer(t, other, announcement(other, "gw-3", 1), false), "unpinned");
    assertFalse(offer(t, other, announcement(other, "gw-2", 1), false), "signed by another key");
    Announcement a = announcement(k2, "gw-2", 1);
    assertFalse(t.accept("gw-2", a.toJson(), k2.sign(a.toJson()), false), "signed without the announcement domain");
    assertFalse(t.accept("gw-2", a.toJson(), null, false), "unsigned");
    assertFalse(t.accept("gw-2", "{".getBytes(), k2.sign(PeerSignature.ANNOUNCE.message("{".getBytes())), false), "malformed");
    Announcement elsewhere = announcement(k2, "gw-3", 1);
    assertFalse(t.accept("gw-2", elsewhere.toJson(), k2.sign(PeerSignature.ANNOUNCE.message(elsewhere.toJson())), false),
        "names another gateway than its topic");
    assertEquals(null, t.peer("gw-2").last());
    assertTrue(offer(t, k2, a, false));
  }

  @Test
  void scoreAndLatencyComeFromAnswersAndTimeouts() {
    PeerTable t = new PeerTable("gw-1", Map.of("gw-2", new byte[32]), clock, 15_000, 60_000);
    assertEquals(1.0, t.peer("gw-2").score());
    assertEquals(-1, t.peer("gw-2").latencyMs());
    t.answered("gw-2", 10);
    t.answered("gw-2", 20);
    assertEquals(12.0, t.peer("gw-2").latencyMs(), 1e-9);
    t.timedOut("gw-2");
    assertEquals(0.75 * PeerTable.LATENCY_SCALE_MS / (PeerTable.LATENCY_SCALE_MS + 12), t.peer("gw-2").score(), 1e-9);
  }

  @Test
  void aPeerThatTimesOutScoresLowerThanOneThatAnswers() {
    PeerTable t = new PeerTable("gw-1", Map.of("gw-2", new byte[32], "gw-3", new byte[32]), clock, 15_000, 60_000);
    t.answered("gw-2", 5, 1);
    t.answered("gw-3", 5, 1);
    t.timedOut("gw-3");
    assertTrue(t.peer("gw-3").score() < t.peer("gw-2").score(), t.peers().toString());
    assertEquals(1, t.peer("gw-3").timedOut());
  }

  @Test
  void aPeerThatAnswersSlowlyScoresLowerThanAFastOne() {
    PeerTable t = new PeerTable("gw-1", Map.of("gw-2", new byte[32], "gw-3", new byte[32]), clock, 15_000, 60_000);
    for (int i = 0; i < 3; i++) {
      t.answered("gw-2", 4, 1);
      t.answered("gw-3", 400, 1);
    }
    double fast = t.peer("gw-2").score();
    double slow = t.peer("gw-3").score();
    assertTrue(slow < fast, "slow " + slow + ", fast " + fast);
    assertEquals(1000.0 / 1400, slow, 1e-9, "the speed factor alone: both answered every job");
    assertEquals(1.0, t.peer("gw-2").runMs(), 1e-9);
  }

  @Test
  void contradictingTheQuorumCostsMoreThanAgreeingEarns() {
    PeerTable t = new PeerTable("gw-1", Map.of("gw-2", new byte[32], "gw-3", new byte[32]), clock, 15_000, 60_000);
    t.agreed("gw-2");
    t.agreed("gw-3");
    assertEquals(1.0, t.peer("gw-2").score(), 1e-9, "agreement alone keeps a full score");
    t.contradicted("gw-3");
    assertEquals(2.0 / 3, t.peer("gw-3").score(), 1e-9);
    assertEquals(1, t.peer("gw-3").contradicted());
    assertEquals(1, t.peer("gw-3").agreed());
  }
}
