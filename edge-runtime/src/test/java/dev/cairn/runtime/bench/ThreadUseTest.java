package dev.cairn.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ThreadUseTest {

  @Test
  void namesTheStageEachThreadServes() {
    assertEquals("journal", ThreadUse.stage("cairn-journal"));
    assertEquals("workers", ThreadUse.stage("cairn-worker-2"));
    assertEquals("coap timer", ThreadUse.stage("cairn-coap-timer"));
    assertEquals("californium", ThreadUse.stage("CoapServer(main)#1"));
    assertEquals("californium", ThreadUse.stage("127.0.0.1:0:CoapEndpoint-UDP#1"));
    assertEquals("udp", ThreadUse.stage("UDP-Sender-/127.0.0.1:5683[0]"));
    assertEquals("jit", ThreadUse.stage("C2 CompilerThre"));
    assertEquals("gc", ThreadUse.stage("GC Thread#0"));
    assertEquals("other", ThreadUse.stage("main"));
  }

  @Test
  void reportsTheCpuThisThreadSpentBetweenTwoSamples() {
    ThreadUse before = ThreadUse.now();
    long until = cpuNanos() + 60_000_000L;
    long x = 0;
    while (cpuNanos() < until) {
      x += Long.toString(x).length();
    }
    sink = x;
    String report = ThreadUse.now().perRequestSince(before, 1);
    if (report.startsWith("(no /proc")) {
      return;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("total (\\d+) µs CPU/request").matcher(report);
    assertTrue(m.find() && Long.parseLong(m.group(1)) >= 30_000 && report.contains("other "), report);
    assertTrue(report.contains("context switches"), report);
  }

  static volatile long sink;

  static long cpuNanos() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }
}
