package dev.cairn.runtime.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Certificates made by openssl, for tests against outside implementations: keys, CAs, issued and expired certificates. */
final class OpensslPki {
  private OpensslPki() {}

  /** Runs openssl in {@code cwd}, failing with its output if it exits non-zero. */
  static void openssl(Path cwd, String... args) throws Exception {
    String openssl = ExternalTools.require("openssl", "openssl");
    List<String> cmd = new ArrayList<>(List.of(openssl));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
  }

  /** A self-signed EC P-256 CA: {@code name}.pem and {@code name}.key. */
  static void ca(Path pki, String name) throws Exception {
    openssl(pki, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key",
        "-subj", "/CN=" + name, "-days", "1", "-out", name + ".pem");
    ownerOnly(pki.resolve(name + ".key"));
  }

  /**
   * An EC P-256 key ({@code name}.key, owner-only) and a certificate ({@code name}.pem) for {@code cn}, valid for
   * 127.0.0.1 and localhost, signed by {@code ca} ({@code ca}.pem/.key); {@code usage} is serverAuth or clientAuth.
   */
  static void issue(Path pki, String name, String cn, String ca, String usage) throws Exception {
    key(pki, name, cn);
    Files.writeString(pki.resolve(name + ".ext"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage="
        + usage + "\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl(pki, "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
        "-days", "1", "-extfile", name + ".ext", "-out", name + ".pem");
  }

  /** Like {@link #issue} for a client, but valid only on 1 and 2 January 2020: expired. */
  static void issueExpired(Path pki, String name, String cn, String ca) throws Exception {
    key(pki, name, cn);
    Path db = Files.createDirectories(pki.resolve(name + "-ca-db"));
    Files.writeString(db.resolve("index.txt"), "");
    Files.writeString(db.resolve("serial"), "1000\n");
    Files.writeString(pki.resolve(name + "-ca.cnf"), """
        [ca]
        default_ca = ca_default
        [ca_default]
        database = %1$s/index.txt
        new_certs_dir = %1$s
        serial = %1$s/serial
        certificate = %2$s.pem
        private_key = %2$s.key
        default_md = sha256
        policy = any
        unique_subject = no
        [any]
        commonName = supplied
        """.formatted(db, ca));
    // The same extensions as issue() gives a client certificate: only the dates differ.
    Files.writeString(pki.resolve(name + ".ext"), "[client]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
        + "extendedKeyUsage=clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl(pki, "ca", "-batch", "-config", name + "-ca.cnf", "-in", name + ".csr", "-out", name + ".pem",
        "-extfile", name + ".ext", "-extensions", "client",
        "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext");
  }

  private static void key(Path pki, String name, String cn) throws Exception {
    openssl(pki, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
    ownerOnly(pki.resolve(name + ".key"));
    openssl(pki, "req", "-new", "-key", name + ".key", "-subj", "/CN=" + cn, "-out", name + ".csr");
  }

  static void ownerOnly(Path file) throws Exception {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }
}
