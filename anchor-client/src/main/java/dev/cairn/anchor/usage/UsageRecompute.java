package dev.cairn.anchor.usage;

import dev.cairn.anchor.Receipt;
import dev.cairn.anchor.ReceiptCodec;
import dev.cairn.anchor.ReceiptVerifier;
import dev.cairn.anchor.ReceiptVerifier.Check;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Recomputes a device statement's totals from the job receipts it covers: every receipt in a folder
 * whose leaf is a job of the statement's device on its gateway, completed within its epoch, and whose
 * inclusion and checkpoint signature verify against the pinned key.
 */
public final class UsageRecompute {
  /** Largest number of receipt files read from one folder. */
  public static final int MAX_RECEIPTS = 1_000_000;
  private static final long MAX_RECEIPT_BYTES = 16 << 20;

  private UsageRecompute() {}

  /** One check per kernel that differs, or one saying they all agree. */
  public static List<Check> recompute(UsageStatement s, Path receiptsDir, byte[] gatewayKey) throws IOException {
    Map<String, UsageTotals> fromReceipts = new TreeMap<>();
    List<String> skipped = new ArrayList<>();
    Set<String> jobs = new HashSet<>();
    int[] read = {0};
    try (Stream<Path> files = Files.list(receiptsDir)) {
      for (Path f : (Iterable<Path>) files.sorted()::iterator) {
        if (!Files.isRegularFile(f) || Files.size(f) > MAX_RECEIPT_BYTES) {
          continue;
        }
        if (++read[0] > MAX_RECEIPTS) {
          throw new IOException("more than " + MAX_RECEIPTS + " files in " + receiptsDir);
        }
        Receipt r;
        try {
          r = ReceiptCodec.read(Files.readAllBytes(f));
        } catch (RuntimeException e) {
          skipped.add(f.getFileName() + " (not a receipt)");
          continue;
        }
        Optional<JobLeaf> leaf = JobLeaf.parse(r.leaf());
        if (leaf.isEmpty() || !covers(s, leaf.get())) {
          continue;
        }
        if (!verifies(r, gatewayKey)) {
          skipped.add(f.getFileName() + " (does not verify against the gateway key)");
          continue;
        }
        if (!jobs.add(leaf.get().jobId())) {
          continue;
        }
        fromReceipts.merge(leaf.get().kernel(), leaf.get().totals(), UsageTotals::plus);
      }
    }
    List<Check> checks = new ArrayList<>();
    Set<String> kernels = new TreeSet<>(s.kernels().keySet());
    kernels.addAll(fromReceipts.keySet());
    for (String k : kernels) {
      UsageTotals stated = s.kernels().getOrDefault(k, UsageTotals.ZERO);
      UsageTotals found = fromReceipts.getOrDefault(k, UsageTotals.ZERO);
      if (!stated.equals(found)) {
        checks.add(new Check("recompute " + k, false, "the statement says " + describe(stated) + ", the receipts "
            + describe(found)));
      }
    }
    if (checks.isEmpty()) {
      checks.add(new Check("recompute", true, jobs.size() + " job receipts in " + receiptsDir + " give the same totals"
          + (skipped.isEmpty() ? "" : "; left out: " + String.join(", ", skipped))));
    }
    return checks;
  }

  private static boolean covers(UsageStatement s, JobLeaf leaf) {
    return UsageStatement.DEVICE.equals(s.subjectKind()) && s.subjectId().equals(leaf.deviceId())
        && s.gatewayId().equals(leaf.gatewayId()) && leaf.completedMs() >= s.fromMs() && leaf.completedMs() < s.toMs();
  }

  private static boolean verifies(Receipt r, byte[] gatewayKey) {
    return ReceiptVerifier.verify(r, gatewayKey, null, null).stream()
        .filter(c -> !c.name().startsWith("anchor"))
        .allMatch(Check::ok);
  }

  static String describe(UsageTotals t) {
    return t.jobs() + " jobs, " + t.cpuMicros() + " CPU us, " + t.inputBytes() + " input bytes, " + t.outputBytes()
        + " output bytes, " + t.runMicros() + " run us";
  }
}
