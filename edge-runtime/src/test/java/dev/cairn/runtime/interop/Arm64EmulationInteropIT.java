package dev.cairn.runtime.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.runtime.e2e.Mqtt5Device;
import dev.cairn.runtime.process.GatewayProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar on an arm64 JVM (Debian's openjdk-17-jre-headless:arm64) under user-mode emulation
 * (Debian's qemu-user-static): the JVM reports aarch64, and one MQTT job goes end to end, through the
 * journal's aarch64 SQLite library, with a real Paho client. {@code .ci/run} unpacks the arm64 runtime
 * into {@code /opt/cairn-arm64/root} (or set CAIRN_ARM64_ROOT).
 */
class Arm64EmulationInteropIT {
  @TempDir Path dir;

  static List<String> arm64Java() {
    String qemu = ExternalTools.require("qemu-aarch64-static", "qemu-user-static");
    Path root = Path.of(System.getenv().getOrDefault("CAIRN_ARM64_ROOT", "/opt/cairn-arm64/root"));
    Path java = root.resolve("usr/lib/jvm/java-17-openjdk-arm64/bin/java");
    if (!Files.isRegularFile(java)) {
      throw new AssertionError("no arm64 Java runtime at " + java + ": .ci/run unpacks Debian's openjdk-17-jre-headless:arm64 there"
          + " (or set CAIRN_ARM64_ROOT to a root holding usr/lib/jvm/java-17-openjdk-arm64)");
    }
    return List.of(qemu, "-L", root.toString(), java.toString());
  }

  @Test
  void theJarRunsOnArm64AndAnswersAnMqttJob() throws Exception {
    List<String> java = arm64Java();
    List<String> devices = new ArrayList<>(java);
    devices.addAll(List.of("-jar", GatewayProcess.jar().toString(), "devices"));
    Process p = new ProcessBuilder(devices).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(180, TimeUnit.SECONDS));
    assertTrue(out.contains("(aarch64,"), "the emulated JVM is arm64: " + out);

    try (GatewayProcess gw = new GatewayProcess(java, dir.resolve("data"))) {
      oneJobThenACleanStop(gw, "arm-dev");
    }
  }

  /**
   * One saxpy job from a Paho client, answered with its result and a leaf (so it went through the
   * journal and SQLite's native library), then SIGTERM: exit 143 (128 + 15) with the leaf sealed.
   */
  static void oneJobThenACleanStop(GatewayProcess gw, String deviceId) throws Exception {
    try (Mqtt5Device device = Mqtt5Device.connect(gw.mqttPort, deviceId)) {
      device.subscribe("cairn/" + deviceId + "/results");
      device.publishJson("cairn/" + deviceId + "/jobs",
          "{\"id\":\"a1\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}");
      JsonNode r = device.next().json();
      assertEquals("ok", r.path("status").asText(), r.toString());
      assertEquals("[6.0,9.0,12.0]", r.path("outputs").path("y").toString());
      assertEquals(64, r.path("leaf").asText().length(), "the leaf went through the journal (SQLite's native library)");
    }
    assertEquals(143, gw.terminate(), "a clean stop on SIGTERM (128 + 15): " + gw.log());
    assertTrue(gw.log().contains("1 leaves"), gw.log());
  }
}
