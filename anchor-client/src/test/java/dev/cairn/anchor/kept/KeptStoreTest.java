package dev.cairn.anchor.kept;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.anchor.AnchorOptions;
import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.LeafInput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kept results and sessions in a real journal file, across a close and reopen. */
class KeptStoreTest {
  @TempDir Path dir;

  AnchorService open() {
    return AnchorService.open(new AnchorOptions(dir, "gw-1", 1000, 3_600_000, 1000), Clock.systemUTC());
  }

  static <T> T get(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void keptResultIsFoundUntilItExpiresAndSurvivesAReopen() throws Exception {
    AnchorService s = open();
    get(s.kept().keepResult("dev1", "j1", bytes("r1"), 2000));
    // Leaves and kept work share the writer: both land.
    get(s.append(new LeafInput("dev1", "j1", "vector.saxpy", "1.0.0", new byte[32], Map.of("y", new float[] {1}), "jvm", 1, 2)));
    get(s.close());
    s = open();
    try {
      assertArrayEquals(bytes("r1"), get(s.kept().result("dev1", "j1", 1999)).orElseThrow());
      assertTrue(get(s.kept().result("dev2", "j1", 1000)).isEmpty(), "another device's job is not this one's");
      assertTrue(get(s.kept().result("dev1", "j1", 2000)).isEmpty(), "expired at its time");
      assertArrayEquals(new long[] {KeptStore.key("dev1", "j1")}, get(s.kept().resultKeys(1000)));
      assertEquals(1, get(s.kept().resultUsage()).count());
      assertEquals(1, get(s.kept().expireResults(2000)));
      assertEquals(0, get(s.kept().resultUsage()).count());
    } finally {
      get(s.close());
    }
  }

  @Test
  void sessionQueueKeepsOrderDropsExpiredMessagesAndGoesWithItsSession() throws Exception {
    AnchorService s = open();
    KeptStore k = s.kept();
    get(k.putSession(new KeptStore.Session("c1", "dev1", bytes("subs"), Long.MAX_VALUE)));
    long a = get(k.enqueue("c1", bytes("m1"), Long.MAX_VALUE));
    long b = get(k.enqueue("c1", bytes("m2"), 500));
    long c = get(k.enqueue("c1", bytes("m3"), Long.MAX_VALUE));
    assertEquals(-1L, get(k.enqueue("nobody", bytes("m"), Long.MAX_VALUE)), "no session, nothing queued");
    assertTrue(a < b && b < c);
    assertEquals(new KeptStore.Usage(3, 6), get(k.queuedOf("dev1")));
    get(s.close());
    s = open();
    k = s.kept();
    try {
      assertArrayEquals(bytes("subs"), get(k.session("c1")).orElseThrow().subscriptions());
      List<KeptStore.Stored> all = get(k.sessions());
      assertEquals(1, all.size());
      assertEquals(new KeptStore.Usage(3, 6), all.get(0).queued());
      List<KeptStore.Queued> q = get(k.queued("c1", 500));
      assertEquals(List.of(a, c), q.stream().map(KeptStore.Queued::seq).toList(), "m2 expired at 500");
      get(k.dequeue("c1", List.of(a)));
      assertEquals(List.of(c), get(k.queued("c1", 500)).stream().map(KeptStore.Queued::seq).toList());
      get(k.putSession(new KeptStore.Session("c2", "dev2", bytes("s2"), 1000)));
      get(k.enqueue("c2", bytes("x"), Long.MAX_VALUE));
      List<KeptStore.Session> gone = get(k.expireSessions(1000));
      assertEquals(List.of("c2"), gone.stream().map(KeptStore.Session::clientId).toList());
      assertEquals(new KeptStore.Usage(0, 0), get(k.queuedOf("dev2")));
      get(k.removeSession("c1"));
      assertTrue(get(k.session("c1")).isEmpty());
      assertEquals(0, get(k.queuedOf("dev1")).count());
    } finally {
      get(s.close());
    }
  }
}
