package dev.cairn.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MqttReportTest {
  @TempDir
  Path dir;

  @Test
  void aMedianWithAFailedRunIsAFailureThatSaysWhichAndWhy() {
    MqttBench.Result m = MqttBench.Result.medianOf(List.of(new MqttBench.Result(10, 1, 2, 3),
        MqttBench.Result.failed("no result came back in 3 s"), new MqttBench.Result(12, 1, 2, 3)));

    assertFalse(m.ok());
    assertEquals("run 2 of 3: no result came back in 3 s", m.error());
    assertEquals("failed: run 2 of 3: no result came back in 3 s", m.line());
    assertEquals(11, MqttBench.Result.medianOf(List.of(new MqttBench.Result(10, 1, 2, 3), new MqttBench.Result(11, 1, 2, 3),
        new MqttBench.Result(12, 1, 2, 3))).rate());
  }

  @Test
  void aLoadThatFailedOrGotNoResultIsAFailureThatSaysWhy() {
    MqttBench.Result refused = MqttBench.parse("12:00:01 WARN something\nload failed: java.lang.IllegalStateException: 412 of 1000"
        + " devices connected, then one could not: Connection refused\nmore\n", 1000, 3);
    MqttBench.Result none = MqttBench.parse("jobs=0 seconds=33.116 rate=0.0 p50=0 p99=0 p999=0 max=0\n", 1000, 3);
    MqttBench.Result crashed = MqttBench.parse("Exception in thread main\n\tat a.b\n\tat c.d\n\tat e.f\n", 4, 3);
    MqttBench.Result fine = MqttBench.parse("jobs=9000 seconds=3.001 rate=2999.0 p50=1200 p99=4000 p999=5000 max=6000\n", 4, 3);

    assertEquals("java.lang.IllegalStateException: 412 of 1000 devices connected, then one could not: Connection refused", refused.error());
    assertEquals("no result came back in 3 s (1000 devices connected and sent)", none.error());
    assertTrue(Double.isNaN(none.rate()), "a failed row has no jobs/s, not a zero");
    assertEquals("the load generator failed: at a.b / at c.d / at e.f", crashed.error());
    assertTrue(fine.ok());
    assertEquals(2999.0, fine.rate());
    assertEquals(9000, fine.jobs());
    assertEquals(4000, fine.p99());
  }

  @Test
  void aFailedRowPrintsItsFailureInsteadOfAZeroAndCairnAgainstEachFloor() {
    MqttBench bench = new MqttBench();
    bench.rounds = 1;
    bench.seconds = 3;
    bench.jobs = 30000;
    bench.docs = dir;
    bench.peak = 8000;
    Map<String, Map<String, MqttBench.Result>> results = new LinkedHashMap<>();
    double rate = 8000;
    for (String server : MqttBenchJsonTest.SERVERS) {
      Map<String, MqttBench.Result> byLoad = new LinkedHashMap<>();
      for (MqttBench.Load l : MqttBench.LOADS) {
        byLoad.put(l.name(), new MqttBench.Result(rate, 1500, 4000, 9000));
      }
      results.put(server, byLoad);
      rate = 10000;
    }
    results.get("mosquitto-relay").put("QoS 1, 1000 devices x 1",
        MqttBench.Result.failed("412 of 1000 devices connected, then one could not:\nConnection refused | by peer"));
    for (double f : MqttBench.PACED_FRACTIONS) {
      bench.paced.add(new MqttBench.Paced(f, 8000 * f, new MqttBench.Result(8000 * f, 500, 2500, 3000)));
    }
    MqttFootprint f = new MqttFootprint();
    f.startToReadyMs = new double[] {900};

    String md = new MqttReport(bench).markdown(results, f, Map.of(), "");

    assertTrue(md.contains("| QoS 1, 1000 devices x 1 | mosquitto-relay | failed: 412 of 1000 devices connected, then one could not:"
        + " Connection refused \\| by peer | - | - | - | - |"), md);
    assertTrue(md.contains("- QoS 1, window 16: Cairn / decoding-echo 0.80 (aim 0.8); / durable-echo 0.80; / mosquitto-relay 0.80 (aim 1.0),"
        + " below; / bare-vertx 0.80"), md);
    assertTrue(md.contains("- QoS 1, 1000 devices x 1: Cairn / decoding-echo 0.80 (aim 0.8); / durable-echo 0.80;"
        + " / mosquitto-relay not measured (mosquitto-relay failed)"), md);
    assertTrue(md.contains("| 0.50 | 4000 | 4000 | 0.50 | 2.50 | 3.00 |"), md);
    assertTrue(md.contains("- p99 at half the peak (paced at 4000 jobs/s, 4000 achieved): 2.50 ms (aim under 5 ms)\n"), md);
    assertFalse(md.contains("| NaN"), md);
  }
}
