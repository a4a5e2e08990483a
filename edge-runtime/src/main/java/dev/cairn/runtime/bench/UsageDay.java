package dev.cairn.runtime.bench;

import dev.cairn.anchor.AnchorOptions;
import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageCodec;
import dev.cairn.anchor.usage.UsageTotals;
import dev.cairn.runtime.metering.EpochSealer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The size of a day of usage statements: {@code devices} devices using two kernels every hour for 24
 * epochs of an hour, sealed by the real sealer into a real journal and usage.db.
 */
public final class UsageDay {
  /** What a day came to. */
  public record Figures(int devices, int statements, long jsonBytes, long bodyBytes, long usageDbBytes, long journalBytes,
      double sealMsPerEpoch) {}

  private UsageDay() {}

  public static Figures measure(int devices, Path dir) throws Exception {
    AtomicLong now = new AtomicLong(Instant.parse("2026-12-07T00:00:10Z").toEpochMilli());
    Clock clock = new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(now.get());
      }
    };
    long journalBefore;
    AnchorService anchor = AnchorService.open(AnchorOptions.defaults(dir, "bench"), clock);
    EpochSealer sealer = EpochSealer.start(anchor, "bench", dir, 3600, clock, null);
    journalBefore = size(dir, "journal.db");
    long sealNanos = 0;
    try {
      for (int hour = 0; hour < 24; hour++) {
        for (int d = 0; d < devices; d++) {
          String device = "device-" + d;
          sealer.meter().record(device, "vector.saxpy", now.get(), new UsageTotals(120, 90_000, 120 * 2048, 120 * 1030, 110_000));
          sealer.meter().record(device, "signal.fft", now.get(), new UsageTotals(12, 40_000, 12 * 4096, 12 * 4100, 45_000));
        }
        now.addAndGet(3_600_000);
        long t0 = System.nanoTime();
        sealer.sealNow().toCompletableFuture().get(60, TimeUnit.SECONDS);
        sealNanos += System.nanoTime() - t0;
      }
      anchor.sealNow().toCompletableFuture().get(60, TimeUnit.SECONDS);
      List<SignedUsage> all = sealer.statements(null, 0, now.get(), 24 * devices).toCompletableFuture().get(60, TimeUnit.SECONDS);
      long json = 0;
      long body = 0;
      for (SignedUsage u : all) {
        json += UsageCodec.toJson(u.withReceipt(null)).toString().length();
        body += u.body().length;
      }
      sealer.close();
      anchor.close().toCompletableFuture().get(60, TimeUnit.SECONDS);
      return new Figures(devices, all.size(), json, body, size(dir, "usage.db"),
          size(dir, "journal.db") - journalBefore, sealNanos / 24 / 1e6);
    } finally {
      sealer.close();
    }
  }

  /** A SQLite file with its WAL and shared-memory files. */
  private static long size(Path dir, String name) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith(name)).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
