package dev.cairn.runtime.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.e2e.Mqtt5Device;
import dev.cairn.runtime.e2e.TestGateways;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in Debian's headless Chromium: it loads with no console errors, a job and a refusal
 * sent while it is open appear in its counts and tables, and a screenshot is kept as a build artifact
 * ({@code target/status-page.png}).
 */
class StatusPageInteropIT {
  static final String SAXPY = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2],\"y\":[3,4]}}";
  @TempDir Path dir;
  Gateway gateway;

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      TestGateways.stop(gateway);
    }
  }

  @Test
  void thePageLoadsCleanlyAndShowsJobsSentWhileItIsOpen() throws Exception {
    gateway = TestGateways.startLocal(dir.resolve("data"), c -> {});
    try (HeadlessChromium chromium = HeadlessChromium.start(dir.resolve("profile"));
        Mqtt5Device dev = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
      chromium.open("http://127.0.0.1:" + gateway.adminPort() + "/");
      await().atMost(30, TimeUnit.SECONDS).until(() -> chromium.eval("document.getElementById('gateway').textContent"),
          "gateway-1"::equals);
      assertEquals("0", chromium.eval("document.getElementById('completed').textContent"));
      for (int i = 0; i < 5; i++) {
        assertEquals("ok", dev.runJob(SAXPY.formatted("j" + i)).path("status").asText());
      }
      assertEquals("UNKNOWN_KERNEL", dev.runJob("{\"id\":\"bad\",\"kernel\":\"no.such\",\"inputs\":{\"x\":[1]}}").path("code").asText());
      await().atMost(30, TimeUnit.SECONDS).until(() -> chromium.eval("document.getElementById('completed').textContent"),
          "5"::equals);
      await().atMost(30, TimeUnit.SECONDS).until(() -> chromium.eval("document.querySelector('#refusals tbody').textContent"),
          t -> t.contains("UNKNOWN_KERNEL") && t.contains("bad"));
      assertTrue(chromium.eval("document.querySelector('#kernels tbody').textContent").contains("vector.saxpy"));
      assertEquals("1", chromium.eval("document.querySelectorAll('.uplot').length > 1 ? '1' : '0'"), "both plots drawn");
      assertEquals(List.of(), chromium.errors, "the page logged errors");
      Path shot = Path.of("target", "status-page.png");
      Files.createDirectories(shot.getParent());
      Files.write(shot, chromium.screenshot());
      assertTrue(Files.size(shot) > 10_000, "a screenshot with something on it");
    }
  }
}
