package dev.cairn.runtime.metering;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.anchor.AnchorOptions;
import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.MutableClock;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageTotals;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sealer with a real journal and usage.db: late jobs, chains across epochs, retention. */
class EpochSealerTest {
  static final long HOUR = 3_600_000;
  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:30Z").toEpochMilli());
  AnchorService anchor;
  EpochSealer sealer;

  @BeforeEach
  void open() {
    anchor = AnchorService.open(AnchorOptions.defaults(dir, "gw-1"), clock);
    sealer = EpochSealer.start(anchor, "gw-1", dir, 3600, clock, null).retention(Duration.ofDays(1));
  }

  @AfterEach
  void close() throws Exception {
    sealer.close();
    anchor.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  void job(String device, long atMs) {
    sealer.meter().record(device, "vector.saxpy", atMs, UsageTotals.ofJob(100, 8, 8, 200));
  }

  List<SignedUsage> statements() throws Exception {
    return sealer.statements("dev1", 0, Long.MAX_VALUE, 100).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  void sealAfter(long ms) throws Exception {
    clock.advanceMillis(ms);
    sealer.sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aLateJobCountsInTheNextEpochAndStatementsChain() throws Exception {
    long start = clock.millis();
    job("dev1", start);
    sealAfter(HOUR);
    job("dev1", start + 10); // completed in the sealed epoch, durable only now
    assertEquals(1, sealer.meter().current("dev1", clock.millis()).jobs());
    sealAfter(HOUR);
    List<SignedUsage> s = statements();
    assertEquals(2, s.size());
    assertEquals(1, s.get(1).statement().totals().jobs());
    assertArrayEquals(s.get(0).hash(), s.get(1).statement().previous());
    assertArrayEquals(new byte[32], s.get(0).statement().previous());
  }

  @Test
  void statementsPastTheRetentionGoButEachDevicesLastStays() throws Exception {
    job("dev1", clock.millis());
    sealAfter(HOUR);
    job("dev1", clock.millis());
    sealAfter(HOUR);
    // Let both leaves reach the journal, then move past a day: the older one goes, the last one stays.
    await().atMost(10, TimeUnit.SECONDS).until(() -> sealer.rows("dev1", 0, Long.MAX_VALUE, 10).stream().allMatch(UsageStore.Row::appended));
    clock.advanceMillis(3 * 24 * HOUR);
    sealer.sealNow().toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<SignedUsage> left = statements();
    assertEquals(1, left.size(), left.toString());
  }
}
