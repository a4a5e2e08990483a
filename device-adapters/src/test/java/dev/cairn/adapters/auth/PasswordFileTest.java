package dev.cairn.adapters.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordFileTest {
  private static String h1;
  private static String h2;

  @TempDir Path dir;

  @BeforeAll
  static void hashes() {
    h1 = PasswordHashes.hash("first-password".getBytes(StandardCharsets.UTF_8));
    h2 = PasswordHashes.hash("second-password".getBytes(StandardCharsets.UTF_8));
  }

  private Path file(String text, String perms) throws IOException {
    Path f = dir.resolve("passwords");
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
    return f;
  }

  private static String refusal(Path f) {
    return assertThrows(PasswordFileException.class, () -> PasswordFile.read(f)).getMessage();
  }

  @Test
  void readsEntriesCommentsAndBlankLines() throws IOException {
    Path f = file("# sensors of hall 3\n\nsensor-1:" + h1 + "\n  sensor-2 : " + h2 + "  \n# end\n", "rw-------");
    PasswordFile p = PasswordFile.read(f);
    assertEquals(List.of("sensor-1", "sensor-2"), p.deviceIds());
    assertEquals(h2, p.hash("sensor-2").orElseThrow());
    assertTrue(p.hash("sensor-3").isEmpty());
  }

  @Test
  void refusesAFileOthersMayReadOrWrite() throws IOException {
    for (String perms : List.of("rw-r-----", "rw----r--", "rw-----w-", "rw--w----")) {
      Path f = file("sensor-1:" + h1 + "\n", perms);
      assertEquals("password file " + f + " is readable or writable by others; device passwords must be owner-only: chmod 600 " + f,
          refusal(f));
    }
    assertTrue(PasswordFile.read(file("sensor-1:" + h1 + "\n", "r--------")).contains("sensor-1"));
  }

  @Test
  void refusesPlainTextPasswordsNamingTheLine() throws IOException {
    Path f = file("# x\nsensor-1:" + h1 + "\nsensor-2:hunter22\n", "rw-------");
    assertEquals(f + ":3: the password of 'sensor-2' is not an Argon2id hash; plain-text passwords are refused: "
        + "set it with cairn credentials passwd sensor-2 --file " + f, refusal(f));
  }

  @Test
  void refusesBadLinesSayingWhatIsAllowed() throws IOException {
    assertEquals(dir.resolve("passwords") + ":1: expected deviceId:<Argon2id hash> (a '#' starts a comment)",
        refusal(file("sensor-1 " + h1 + "\n", "rw-------")));
    for (String id : List.of("a/b", "a+b", "a#b", "a b", "", "x".repeat(129), "a\u0007b")) {
      String m = refusal(file(id + ":" + h1 + "\n", "rw-------"));
      assertTrue(m.endsWith(":1: device id '" + id + "' must be 1 to 128 characters without '/', '+', '#', ':', spaces or control characters"), m);
    }
    assertTrue(PasswordFile.read(file("x".repeat(128) + ":" + h1 + "\n", "rw-------")).contains("x".repeat(128)));
    String m = refusal(file("sensor-1:" + h1.replace("v=19", "v=16") + "\n", "rw-------"));
    assertTrue(m.endsWith(":1: the password hash of 'sensor-1' cannot be used: Argon2 version v=16 is not supported: only v=19 (Argon2 1.3)"), m);
  }

  @Test
  void refusesADeviceTwice() throws IOException {
    Path f = file("sensor-1:" + h1 + "\n\nsensor-1:" + h2 + "\n", "rw-------");
    assertEquals(f + ":3: device 'sensor-1' is already on line 1; each device has one line", refusal(f));
  }

  @Test
  void refusesAMissingFileAndNonUtf8Text() throws IOException {
    Path missing = dir.resolve("nope");
    assertEquals("password file " + missing + " does not exist", refusal(missing));
    Path f = dir.resolve("latin1");
    Files.write(f, new byte[] {'a', (byte) 0xe9, ':', '$'});
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    assertEquals("password file " + f + " is not UTF-8 text", refusal(f));
  }

  @Test
  void editsKeepCommentsAndOrderAndRefuseWhatCannotBeDone() throws IOException {
    Path f = file("# hall 3\nsensor-1:" + h1 + "\n# pumps\npump-1:" + h1 + "\n", "rw-------");
    PasswordFile p = PasswordFile.read(f).add("sensor-2", h2).replace("sensor-1", h2).remove("pump-1");
    assertEquals("# hall 3\nsensor-1:" + h2 + "\n# pumps\nsensor-2:" + h2 + "\n", p.render());
    assertEquals("device 'sensor-1' is already in the file: use passwd to change its password",
        assertThrows(IllegalArgumentException.class, () -> p.add("sensor-1", h1)).getMessage());
    assertEquals("no device 'pump-1' in the file (2 devices; see list)",
        assertThrows(IllegalArgumentException.class, () -> p.remove("pump-1")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> p.replace("pump-1", h1));
    assertThrows(IllegalArgumentException.class, () -> p.add("a/b", h1));
    assertThrows(IllegalArgumentException.class, () -> p.add("sensor-3", "hunter22"));
    // The original is unchanged: edits return a new file.
    assertEquals(List.of("sensor-1", "pump-1"), PasswordFile.read(f).deviceIds());
  }

  @Test
  void writesAtomicallyOwnerOnlyAndReadsBackTheSame() throws IOException {
    Path f = dir.resolve("passwords");
    PasswordFile p = PasswordFile.empty().add("sensor-1", h1).add("sensor-2", h2);
    p.write(f);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    PasswordFile back = PasswordFile.read(f);
    assertEquals(p.render(), back.render());
    assertTrue(back.render().startsWith("# Cairn device passwords"));
    Object inode = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

    back.remove("sensor-1").write(f);
    assertEquals(List.of("sensor-2"), PasswordFile.read(f).deviceIds());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    // A new file renamed over the old one, and no temporary file left behind.
    assertFalse(inode.equals(Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey()));
    try (var files = Files.list(dir)) {
      assertEquals(List.of(f), files.toList());
    }
  }

  @Test
  void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
    Path f = dir.resolve("passwords");
    PasswordFile.empty().add("sensor-1", h1).write(f);
    // A directory in the way: the rename fails after the temporary file was written.
    Path blocked = dir.resolve("sub");
    Files.createDirectories(blocked.resolve("inner"));
    assertThrows(IOException.class, () -> PasswordFile.empty().add("sensor-2", h2).write(blocked));
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count());
    }
    assertEquals(List.of("sensor-1"), PasswordFile.read(f).deviceIds());
  }
}
