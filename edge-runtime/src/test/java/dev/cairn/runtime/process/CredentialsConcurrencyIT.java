package dev.cairn.runtime.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

import dev.cairn.adapters.auth.CredentialStore;
import dev.cairn.adapters.auth.PasswordFile;
import dev.cairn.adapters.auth.PasswordHashes;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn credentials} edits from separate processes on one file lose nothing: each waits for the
 * lock on {@code FILE.lock} and builds on the edits before it.
 */
class CredentialsConcurrencyIT {
  @TempDir Path dir;

  private static Process add(Path file, String device, String password) throws Exception {
    Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar", GatewayProcess.jar().toString(),
        "credentials", "add", device, "--file", file.toString(), "--password-stdin")
        .redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write((password + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return p;
  }

  private static void succeeds(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
  }

  /** Whether /proc/locks shows a process waiting for a lock on the file with this inode. */
  private static boolean waiterOn(long inode) throws Exception {
    return Files.readAllLines(Path.of("/proc/locks")).stream().anyMatch(l -> l.contains("->") && l.contains(":" + inode + " "));
  }

  @Test
  void anEditWaitsForTheLockAndThenSeesTheEditMadeMeanwhile() throws Exception {
    assumeTrue(Files.isReadable(Path.of("/proc/locks")), "needs Linux's /proc/locks to see a waiting process");
    Path file = dir.resolve("passwords");
    PasswordFile.empty().add("first", PasswordHashes.hash("first-password".getBytes(StandardCharsets.UTF_8))).write(file);
    Path lockFile = dir.resolve("passwords.lock");
    Process p;
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock held = ch.lock()) {
      p = add(file, "second", "second-password");
      long inode = ((Number) Files.getAttribute(lockFile, "unix:ino")).longValue();
      await().atMost(Duration.ofSeconds(120)).until(() -> waiterOn(inode));
      // While the command waits, another edit lands; it must build on it, not on what it would have read before.
      PasswordFile.read(file).add("meanwhile", PasswordHashes.hash("meanwhile-pass".getBytes(StandardCharsets.UTF_8))).write(file);
    }
    succeeds(p);
    assertEquals(List.of("first", "meanwhile", "second"), PasswordFile.read(file).deviceIds());
  }

  @Test
  void concurrentAddsFromSeparateProcessesAllLand() throws Exception {
    Path file = dir.resolve("passwords");
    int n = 4;
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      processes.add(add(file, "sensor-" + i, "password-of-" + i));
    }
    for (Process p : processes) {
      succeeds(p);
    }
    assertEquals(Set.of("sensor-0", "sensor-1", "sensor-2", "sensor-3"), new TreeSet<>(PasswordFile.read(file).deviceIds()));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    CredentialStore store = CredentialStore.open(file);
    for (int i = 0; i < n; i++) {
      assertTrue(store.verify("sensor-" + i, ("password-of-" + i).getBytes(StandardCharsets.UTF_8)));
    }
  }
}
