package dev.cairn.runtime.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.adapters.auth.CredentialStore;
import dev.cairn.adapters.auth.PasswordFile;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hashes made by the reference Argon2 tool ({@code argon2}, phc-winner-argon2) verify in a Cairn
 * password file, with Cairn's parameters and with others: operators may provision hashes with it.
 */
class Argon2CliInteropIT {
  @TempDir Path dir;

  static String referenceHash(String argon2, String password, String salt, String... params) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(argon2, salt, "-id", "-e"));
    cmd.addAll(List.of(params));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(password.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void hashesOfTheReferenceToolVerify() throws Exception {
    String argon2 = ExternalTools.require("argon2", "argon2");
    String owasp = referenceHash(argon2, "sensor-password", "cairn-salt-0001", "-t", "2", "-k", "19456", "-p", "1", "-l", "32");
    assertTrue(owasp.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), owasp);
    String other = referenceHash(argon2, "pump-password", "another-salt", "-t", "3", "-k", "65536", "-p", "2", "-l", "24");
    Path f = dir.resolve("passwords");
    Files.writeString(f, "sensor-1:" + owasp + "\npump-1:" + other + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    assertEquals(List.of("sensor-1", "pump-1"), PasswordFile.read(f).deviceIds());
    CredentialStore store = CredentialStore.open(f);
    assertTrue(store.verify("sensor-1", "sensor-password".getBytes(StandardCharsets.UTF_8)));
    assertFalse(store.verify("sensor-1", "sensor-passwort".getBytes(StandardCharsets.UTF_8)));
    assertTrue(store.verify("pump-1", "pump-password".getBytes(StandardCharsets.UTF_8)));
    assertFalse(store.verify("pump-1", "sensor-password".getBytes(StandardCharsets.UTF_8)));
  }
}
