package dev.cairn.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class MosquittoRelayTest {
  @Test
  void readsAProcesssOpenFilesLimitsFromProc() {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux only");
    long pid = ProcessHandle.current().pid();

    long soft = MosquittoRelay.openFilesLimit(pid, false);
    long hard = MosquittoRelay.openFilesLimit(pid, true);

    assertTrue(soft > 0 && soft <= hard, soft + " / " + hard);
    assertEquals(-1, MosquittoRelay.openFilesLimit(Long.MAX_VALUE, false), "no such process");
  }
}
