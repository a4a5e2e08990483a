package dev.cairn.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.adapters.auth.CredentialStore;
import dev.cairn.adapters.auth.PasswordFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class CredentialsCommandTest {
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void startLoggingOutsideTheCapture() {
    // Logging starts on first use and may print its own status: not in a captured run.
    LoggerFactory.getLogger(CredentialsCommandTest.class);
  }

  /** {@code cairn ARGS} with {@code stdin} as its standard input, capturing what it prints. */
  static Run cairn(String stdin, String... args) {
    InputStream in = System.in;
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int exit = CairnCommand.execute(args);
      return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setIn(in);
      System.setOut(out);
      System.setErr(err);
    }
  }

  private static String perms(Path f) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
  }

  private static boolean verifies(Path f, String device, String password) {
    return CredentialStore.open(f).verify(device, password.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void addWithAGeneratedPasswordPrintsItOnceAndItVerifies() throws Exception {
    Path f = dir.resolve("passwords");
    Run r = cairn("", "credentials", "add", "sensor-1", "--file", f.toString());
    assertEquals(0, r.exit(), r.err());
    Matcher m = Pattern.compile("password for sensor-1: ([A-Za-z0-9_-]{24})\n").matcher(r.out());
    assertTrue(m.find(), r.out());
    assertTrue(r.out().startsWith("added sensor-1 to " + f + "\n"), r.out());
    assertTrue(r.out().contains("This password is not stored anywhere and cannot be shown again"), r.out());
    assertEquals("rw-------", perms(f));
    String password = m.group(1);
    assertFalse(Files.readString(f).contains(password));
    assertTrue(verifies(f, "sensor-1", password));
    assertFalse(verifies(f, "sensor-1", password.substring(1) + "x"));
    assertFalse(verifies(f, "sensor-2", password));
  }

  @Test
  void passwordsFromStdinForScripts() throws Exception {
    Path f = dir.resolve("passwords");
    assertEquals(0, cairn("s3cret-pass\n", "credentials", "add", "sensor-1", "--file", f.toString(), "--password-stdin").exit());
    assertEquals(0, cairn("pump-pass-2\r\nignored second line\n", "credentials", "add", "pump-1", "--file", f.toString(), "--password-stdin").exit());
    Run r = cairn("", "credentials", "list", "--file", f.toString());
    assertEquals(new Run(0, "sensor-1\npump-1\n", ""), r);
    assertEquals("rw-------", perms(f));
    assertTrue(verifies(f, "sensor-1", "s3cret-pass"));
    assertTrue(verifies(f, "pump-1", "pump-pass-2"));
    assertFalse(verifies(f, "pump-1", "pump-pass-2\r"));

    r = cairn("n3w-secret-pass", "credentials", "passwd", "sensor-1", "--file", f.toString(), "--password-stdin");
    assertEquals(new Run(0, "changed the password of sensor-1 in " + f + "\n", ""), r);
    assertEquals("rw-------", perms(f));
    assertFalse(verifies(f, "sensor-1", "s3cret-pass"));
    assertTrue(verifies(f, "sensor-1", "n3w-secret-pass"));

    r = cairn("", "credentials", "remove", "pump-1", "--file", f.toString());
    assertEquals(new Run(0, "removed pump-1 from " + f + "\n", ""), r);
    assertEquals("rw-------", perms(f));
    assertEquals(List.of("sensor-1"), PasswordFile.read(f).deviceIds());
    assertFalse(verifies(f, "pump-1", "pump-pass-2"));
  }

  @Test
  void passwdWithoutStdinGeneratesAndPrintsANewPassword() throws Exception {
    Path f = dir.resolve("passwords");
    assertEquals(0, cairn("first-pass\n", "credentials", "add", "sensor-1", "--file", f.toString(), "--password-stdin").exit());
    Run r = cairn("", "credentials", "passwd", "sensor-1", "--file", f.toString());
    Matcher m = Pattern.compile("password for sensor-1: ([A-Za-z0-9_-]{24})\n").matcher(r.out());
    assertTrue(m.find(), r.out());
    assertTrue(verifies(f, "sensor-1", m.group(1)));
    assertFalse(verifies(f, "sensor-1", "first-pass"));
  }

  @Test
  void refusesBadInputWithExitTwoSayingWhatIsAllowed() throws Exception {
    Path f = dir.resolve("passwords");
    String file = f.toString();
    assertEquals(new Run(2, "", "cairn: the password on stdin has 5 characters; at least 8 are needed (without --password-stdin a strong one is generated)\n"),
        cairn("short\n", "credentials", "add", "sensor-1", "--file", file, "--password-stdin"));
    assertFalse(Files.exists(f));
    assertEquals(2, cairn("", "credentials", "add", "sensor-1", "--file", file, "--password-stdin").exit());
    assertEquals(2, cairn("x".repeat(1025) + "\n", "credentials", "add", "sensor-1", "--file", file, "--password-stdin").exit());
    assertEquals(new Run(2, "", "cairn: device id 'a/b' must be 1 to 128 characters without '/', '+', '#', ':', spaces or control characters\n"),
        cairn("", "credentials", "add", "a/b", "--file", file));

    assertEquals(0, cairn("s3cret-pass\n", "credentials", "add", "sensor-1", "--file", file, "--password-stdin").exit());
    assertEquals(new Run(2, "", "cairn: " + f + ": device 'sensor-1' is already in the file: use passwd to change its password\n"),
        cairn("other-pass\n", "credentials", "add", "sensor-1", "--file", file, "--password-stdin"));
    assertEquals(new Run(2, "", "cairn: " + f + ": no device 'pump-1' in the file (1 devices; see list)\n"),
        cairn("other-pass\n", "credentials", "passwd", "pump-1", "--file", file, "--password-stdin"));
    assertEquals(2, cairn("", "credentials", "remove", "pump-1", "--file", file).exit());
    assertTrue(verifies(f, "sensor-1", "s3cret-pass"));
    assertEquals("rw-------", perms(f));

    // Missing files and directories.
    Path other = dir.resolve("other");
    assertEquals(new Run(2, "", "cairn: password file " + other + " does not exist\n"), cairn("", "credentials", "list", "--file", other.toString()));
    assertEquals(2, cairn("", "credentials", "passwd", "sensor-1", "--file", other.toString()).exit());
    assertFalse(Files.exists(other));
    Path nowhere = dir.resolve("no/such/dir/passwords");
    assertEquals(new Run(2, "", "cairn: the directory of " + nowhere + " does not exist: " + nowhere.getParent() + "\n"),
        cairn("", "credentials", "add", "sensor-1", "--file", nowhere.toString()));
    // A usage error: no --file.
    assertEquals(2, cairn("", "credentials", "list").exit());
  }

  @Test
  void refusesAFileOthersMayReadAndLeavesItAlone() throws Exception {
    Path f = dir.resolve("passwords");
    assertEquals(0, cairn("s3cret-pass\n", "credentials", "add", "sensor-1", "--file", f.toString(), "--password-stdin").exit());
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    String text = Files.readString(f);
    String refusal = "cairn: password file " + f + " is readable or writable by others; device passwords must be owner-only: chmod 600 " + f + "\n";
    assertEquals(new Run(2, "", refusal), cairn("other-pass\n", "credentials", "add", "pump-1", "--file", f.toString(), "--password-stdin"));
    assertEquals(new Run(2, "", refusal), cairn("", "credentials", "list", "--file", f.toString()));
    assertEquals(2, cairn("", "credentials", "remove", "sensor-1", "--file", f.toString()).exit());
    assertEquals(text, Files.readString(f));
    assertEquals("rw-r--r--", perms(f));
  }

  @Test
  void theLockFileIsOwnerOnlyAndASymbolicLinkStays() throws Exception {
    Path real = dir.resolve("real-passwords");
    assertEquals(0, cairn("s3cret-pass\n", "credentials", "add", "sensor-1", "--file", real.toString(), "--password-stdin").exit());
    assertEquals("rw-------", perms(dir.resolve("real-passwords.lock")));
    Path link = Files.createSymbolicLink(dir.resolve("passwords"), real);
    assertEquals(0, cairn("pump-pass-2\n", "credentials", "add", "pump-1", "--file", link.toString(), "--password-stdin").exit());
    assertTrue(Files.isSymbolicLink(link));
    assertEquals(List.of("sensor-1", "pump-1"), PasswordFile.read(real).deviceIds());
  }

  @Test
  void concurrentEditsInOneProcessLoseNothing() throws Exception {
    Path f = dir.resolve("passwords");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<PasswordFile>> edits = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String id = "sensor-" + i;
        String password = CredentialsCommand.readPasswordLine(new ByteArrayInputStream(("password-" + i + "\n").getBytes(StandardCharsets.UTF_8)));
        String encoded = new CredentialsCommand.Secret(password, false).hash();
        edits.add(pool.submit(() -> CredentialsCommand.edit(f, true, p -> p.add(id, encoded))));
      }
      for (Future<PasswordFile> e : edits) {
        e.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(8, PasswordFile.read(f).deviceIds().size());
    assertTrue(verifies(f, "sensor-5", "password-5"));
  }
}
