package dev.cairn.anchor.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.util.Optional;

/**
 * What a job's receipt leaf says for metering: who, which kernel on which backend, when, and the work
 * it took (leaf keys {@code ib, ob, q, cpu, run}; leaves from before metering read 0).
 */
public record JobLeaf(String gatewayId, String deviceId, String jobId, String kernel, String kernelVersion,
    String backend, long completedMs, long inputBytes, long outputBytes, long queueMicros, long cpuMicros,
    long runMicros) {
  private static final CBORMapper CBOR = new CBORMapper();

  /** The job leaf in {@code leaf}, or empty when it is another kind of leaf (a usage statement, say). */
  public static Optional<JobLeaf> parse(byte[] leaf) {
    JsonNode n;
    try {
      n = CBOR.readTree(leaf);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (n == null || !n.isObject() || n.has("t") || !n.has("job") || !n.has("dev") || !n.has("k")) {
      return Optional.empty();
    }
    return Optional.of(new JobLeaf(n.path("gw").asText(), n.path("dev").asText(), n.path("job").asText(),
        n.path("k").asText(), n.path("kv").asText(), n.path("be").asText(), n.path("done").asLong(),
        n.path("ib").asLong(), n.path("ob").asLong(), n.path("q").asLong(), n.path("cpu").asLong(),
        n.path("run").asLong()));
  }

  public UsageTotals totals() {
    return UsageTotals.ofJob(cpuMicros, inputBytes, outputBytes, runMicros);
  }
}
