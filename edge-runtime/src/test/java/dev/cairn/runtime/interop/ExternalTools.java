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
}
