package dev.cairn.runtime;

import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.Canonical;
import dev.cairn.anchor.LeafInput;
import dev.cairn.anchor.usage.UsageTotals;
import dev.cairn.runtime.metering.EpochSealer;
import dev.cairn.runtime.metering.UsageMeter;
import dev.cairn.scheduler.CompletedJob;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.ResultSealer;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Turns a completed job into a receipt leaf and makes it durable before the result is released. The
 * leaf's input digest is taken before the kernel runs ({@link #inputDigest}).
 */
final class AnchorSealer implements ResultSealer {
  private static final HexFormat HEX = HexFormat.of();

  private final AnchorService anchor;
  private final EpochSealer usage;

  /** @param usage counts each job once its leaf is durable, or null when metering is off */
  AnchorSealer(AnchorService anchor, EpochSealer usage) {
    this.anchor = anchor;
    this.usage = usage;
  }

  @Override
  public byte[] inputDigest(JobRequest request, Map<String, Object> params) {
    return Canonical.inputDigest(request.kernel(), params, request.inputs());
  }

  @Override
  public CompletionStage<Seal> seal(CompletedJob job) {
    JobRequest request = job.request();
    LeafInput leaf =
        new LeafInput(
            request.deviceId(),
            request.id(),
            request.kernel(),
            job.kernelVersion(),
            job.inputDigest(),
            job.outputs(),
            job.backend(),
            job.received().toEpochMilli(),
            job.completed().toEpochMilli(),
            UsageMeter.inputBytes(request),
            job.queueMicros(),
            job.runMicros(),
            job.cpuMicros());
    return anchor
        .append(leaf)
        .thenApply(sealed -> {
          String leafHex = HEX.formatHex(sealed.leafHash());
          if (usage != null) {
            usage.record(leaf.deviceId(), leaf.kernel(), leaf.completedMillis(),
                UsageTotals.ofJob(leaf.cpuMicros(), leaf.inputBytes(), sealed.outputBytes(), leaf.runMicros()), leafHex);
          }
          return new Seal(leafHex, HEX.formatHex(sealed.salt()));
        });
  }
}
