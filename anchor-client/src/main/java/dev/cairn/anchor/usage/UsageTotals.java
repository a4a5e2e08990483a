package dev.cairn.anchor.usage;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Counts and sums of metered work: jobs, CPU time, input and output bytes, run time. Times are in
 * microseconds, as the job leaves hold them.
 */
public record UsageTotals(long jobs, long cpuMicros, long inputBytes, long outputBytes, long runMicros) {
  public static final UsageTotals ZERO = new UsageTotals(0, 0, 0, 0, 0);
  private static final Set<String> KEYS = Set.of("jobs", "cpu", "ib", "ob", "run");

  public UsageTotals {
    if (jobs < 0 || cpuMicros < 0 || inputBytes < 0 || outputBytes < 0 || runMicros < 0) {
      throw new IllegalArgumentException("usage totals cannot be negative");
    }
  }

  /** One job's figures. */
  public static UsageTotals ofJob(long cpuMicros, long inputBytes, long outputBytes, long runMicros) {
    return new UsageTotals(1, cpuMicros, inputBytes, outputBytes, runMicros);
  }

  public UsageTotals plus(UsageTotals o) {
    return new UsageTotals(Math.addExact(jobs, o.jobs), Math.addExact(cpuMicros, o.cpuMicros),
        Math.addExact(inputBytes, o.inputBytes), Math.addExact(outputBytes, o.outputBytes),
        Math.addExact(runMicros, o.runMicros));
  }

  public double cpuSeconds() {
    return cpuMicros / 1e6;
  }

  public double runSeconds() {
    return runMicros / 1e6;
  }

  /** The map a statement's body holds: {@code jobs, cpu, ib, ob, run}. */
  Map<String, Object> toCbor() {
    Map<String, Object> m = new TreeMap<>();
    m.put("jobs", jobs);
    m.put("cpu", cpuMicros);
    m.put("ib", inputBytes);
    m.put("ob", outputBytes);
    m.put("run", runMicros);
    return m;
  }

  /** Reads {@link #toCbor}'s map, refusing other keys and values that are not non-negative integers. */
  static UsageTotals fromCbor(JsonNode n, String where) {
    if (n == null || !n.isObject() || n.size() != KEYS.size()) {
      throw new IllegalArgumentException(where + " must be a map of exactly " + KEYS);
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KEYS.contains(k)) {
        throw new IllegalArgumentException(where + " has an unknown key '" + k + "' (allowed: " + KEYS + ")");
      }
      JsonNode v = n.get(k);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
        throw new IllegalArgumentException(where + "." + k + " must be a non-negative integer, was " + v);
      }
    }
    return new UsageTotals(n.get("jobs").asLong(), n.get("cpu").asLong(), n.get("ib").asLong(), n.get("ob").asLong(),
        n.get("run").asLong());
  }
}
