package dev.cairn.runtime.metering;

import dev.cairn.anchor.usage.UsageTotals;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Usage per device and kernel over a time range: the sealed statements' totals plus the open epochs',
 * as JSON ({@code jobs}, {@code cpuSeconds}, {@code inputBytes}, {@code outputBytes}, {@code runSeconds},
 * {@code kernels}, and the same per device under {@code devices}) or CSV (one row per device and kernel).
 */
final class UsageReport {
  static final String CSV_HEADER = "device,kernel,jobs,cpuSeconds,inputBytes,outputBytes,runSeconds";

  private final Map<String, Map<String, UsageTotals>> byDevice = new TreeMap<>();
  private int statements;

  void addSealed(String device, Map<String, UsageTotals> kernels) {
    statements++;
    add(device, kernels);
  }

  void add(String device, Map<String, UsageTotals> kernels) {
    Map<String, UsageTotals> mine = byDevice.computeIfAbsent(device, d -> new TreeMap<>());
    kernels.forEach((k, t) -> mine.merge(k, t, UsageTotals::plus));
  }

  JsonObject toJson(String gatewayId, long fromMs, long toMs, long sealedThroughMs) {
    Map<String, UsageTotals> all = new TreeMap<>();
    JsonArray devices = new JsonArray();
    byDevice.forEach((device, kernels) -> {
      kernels.forEach((k, t) -> all.merge(k, t, UsageTotals::plus));
      devices.add(totals(new JsonObject().put("device", device), kernels));
    });
    return totals(new JsonObject()
        .put("gateway", gatewayId)
        .put("from", Instant.ofEpochMilli(fromMs).toString())
        .put("to", Instant.ofEpochMilli(toMs).toString())
        .put("sealedStatements", statements)
        .put("openFrom", Instant.ofEpochMilli(sealedThroughMs).toString()), all)
        .put("devices", devices);
  }

  String toCsv() {
    StringBuilder out = new StringBuilder(CSV_HEADER).append('\n');
    byDevice.forEach((device, kernels) -> kernels.forEach((k, t) -> out.append(csv(device)).append(',').append(csv(k))
        .append(',').append(t.jobs()).append(',').append(t.cpuSeconds()).append(',').append(t.inputBytes()).append(',')
        .append(t.outputBytes()).append(',').append(t.runSeconds()).append('\n')));
    return out.toString();
  }

  private static JsonObject totals(JsonObject o, Map<String, UsageTotals> kernels) {
    UsageTotals sum = kernels.values().stream().reduce(UsageTotals.ZERO, UsageTotals::plus);
    put(o, sum);
    JsonObject k = new JsonObject();
    kernels.forEach((name, t) -> k.put(name, put(new JsonObject(), t)));
    return o.put("kernels", k);
  }

  private static JsonObject put(JsonObject o, UsageTotals t) {
    return o.put("jobs", t.jobs()).put("cpuSeconds", t.cpuSeconds()).put("inputBytes", t.inputBytes())
        .put("outputBytes", t.outputBytes()).put("runSeconds", t.runSeconds());
  }

  /** Device ids and kernel names hold no commas or quotes in practice; quote them when they do. */
  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
