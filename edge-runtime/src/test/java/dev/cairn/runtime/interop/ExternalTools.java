package dev.cairn.runtime.interop;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the outside tools the interop tier runs. A missing tool fails the test with its name. */
final class ExternalTools {
  private ExternalTools() {}

  static String require(String tool, String debianPackage) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, tool);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(
        tool + " is not installed (not on PATH): install the Debian package " + debianPackage
            + " (.ci/run does) to run the interop tests");
  }

  /** Runs a tool to its end (at most 60 s), which must exit 0; returns what it printed. */
  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    org.junit.jupiter.api.Assertions.assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS),
        String.join(" ", cmd) + " did not finish");
    org.junit.jupiter.api.Assertions.assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed: " + out);
    return out;
  }

  /** The lines a running tool prints, as they come. */
  static java.util.concurrent.BlockingQueue<String> lines(Process p) {
    java.util.concurrent.BlockingQueue<String> q = new java.util.concurrent.LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (java.io.BufferedReader r = new java.io.BufferedReader(
          new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          q.add(line);
        }
      } catch (java.io.IOException e) {
        q.add("read error: " + e);
      }
    });
    t.setDaemon(true);
    t.start();
    return q;
  }
}
