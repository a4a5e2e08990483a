package dev.cairn.runtime.cli;

import dev.cairn.adapters.auth.PasswordFile;
import dev.cairn.adapters.auth.PasswordFileException;
import dev.cairn.adapters.auth.PasswordHashes;
import dev.cairn.runtime.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn credentials}: the device passwords of the MQTT endpoint ({@code mqtt.passwordFile}).
 * Edits take an exclusive lock on {@code FILE.lock} around read-modify-write, so concurrent runs on
 * one file never lose an edit, and the file is replaced atomically, owner-only.
 */
@Command(name = "credentials", mixinStandardHelpOptions = true,
    description = "Device passwords of the MQTT endpoint (mqtt.passwordFile): add, passwd, remove, list; and the admin API's token.",
    subcommands = {CredentialsCommand.Add.class, CredentialsCommand.Passwd.class, CredentialsCommand.Remove.class,
        CredentialsCommand.ListIds.class, CredentialsCommand.AdminToken.class, CredentialsCommand.TlsCert.class})
final class CredentialsCommand implements Runnable {
  /** Shortest password read from stdin, in characters. */
  static final int MIN_PASSWORD_CHARS = 8;
  /** Longest password read from stdin, in bytes (UTF-8). */
  static final int MAX_PASSWORD_BYTES = 1024;
  /** Random bytes of a generated password: 24 base64url characters, 144 bits. */
  static final int GENERATED_BYTES = 18;

  private static final SecureRandom RANDOM = new SecureRandom();
  /** Threads of one process share the file lock, which the JVM would refuse them twice: they queue here first. */
  private static final Object IN_PROCESS = new Object();

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  static final class FileOption {
    @Option(names = "--file", required = true, paramLabel = "FILE",
        description = "the password file (mqtt.passwordFile): one deviceId:<Argon2id hash> per line, owner-only (chmod 600)")
    Path file;
  }

  static final class PasswordOption {
    @Option(names = "--password-stdin",
        description = "read the password from the first line of stdin (at least " + MIN_PASSWORD_CHARS
            + " characters) instead of generating one")
    boolean stdin;

    /** The password and whether it was generated (then it must be shown). */
    Secret get() throws IOException {
      if (stdin) {
        return new Secret(readPasswordLine(System.in), false);
      }
      byte[] random = new byte[GENERATED_BYTES];
      RANDOM.nextBytes(random);
      return new Secret(Base64.getUrlEncoder().withoutPadding().encodeToString(random), true);
    }
  }

  record Secret(String password, boolean generated) {
    String hash() {
      return PasswordHashes.hash(password.getBytes(StandardCharsets.UTF_8));
    }

    void show(String deviceId) {
      if (generated) {
        System.out.println("password for " + deviceId + ": " + password);
        System.out.println("This password is not stored anywhere and cannot be shown again: give it to the device now.");
      }
    }
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Add a device with a generated password (printed once) or one from stdin; creates FILE (owner-only) if missing.")
  static final class Add implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the device id: its MQTT user name (1 to 128 characters, no '/', '+', '#', ':' or spaces)")
    String id;

    @Mixin FileOption file;
    @Mixin PasswordOption password;

    @Override
    public Integer call() throws IOException {
      return setPassword(id, file, password, true, (f, hash) -> f.add(id, hash), "added " + id + " to " + file.file);
    }
  }

  @Command(name = "passwd", mixinStandardHelpOptions = true,
      description = "Replace a device's password with a generated one (printed once) or one from stdin.")
  static final class Passwd implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the device id")
    String id;

    @Mixin FileOption file;
    @Mixin PasswordOption password;

    @Override
    public Integer call() throws IOException {
      return setPassword(id, file, password, false, (f, hash) -> f.replace(id, hash),
          "changed the password of " + id + " in " + file.file);
    }
  }

  /**
   * Gives device {@code id} a password (generated, or from stdin) through {@code change} of the file, says
   * {@code done}, and shows a generated password once.
   */
  static int setPassword(String id, FileOption file, PasswordOption password, boolean create,
      java.util.function.BiFunction<PasswordFile, String, PasswordFile> change, String done) throws IOException {
    PasswordFile.requireValidDeviceId(id);
    Secret secret = password.get();
    String hash = secret.hash();
    edit(file.file, create, f -> change.apply(f, hash));
    System.out.println(done);
    secret.show(id);
    return 0;
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a device and its password.")
  static final class Remove implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the device id")
    String id;

    @Mixin FileOption file;

    @Override
    public Integer call() throws IOException {
      PasswordFile.requireValidDeviceId(id);
      edit(file.file, false, f -> f.remove(id));
      System.out.println("removed " + id + " from " + file.file);
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Print the device ids, one per line (never the hashes).")
  static final class ListIds implements Callable<Integer> {
    @Mixin FileOption file;

    @Override
    public Integer call() {
      // No lock: every edit renames a whole new file in, so a read sees one version or the other.
      read(file.file).deviceIds().forEach(System.out::println);
      return 0;
    }
  }

  @Command(name = "admin-token", mixinStandardHelpOptions = true,
      description = "Write a new random bearer token for the admin API (admin.tokenFile), owner-only; an existing FILE is replaced.")
  static final class AdminToken implements Callable<Integer> {
    /** Random bytes of a token: 43 base64url characters, 256 bits. */
    static final int TOKEN_BYTES = 32;

    @Option(names = "--file", required = true, paramLabel = "FILE", description = "where to write the token (admin.tokenFile)")
    Path file;

    @Override
    public Integer call() throws IOException {
      Path target = file.toAbsolutePath();
      if (!Files.isDirectory(target.getParent())) {
        throw new ConfigException("the directory of " + file + " does not exist: " + target.getParent());
      }
      byte[] random = new byte[TOKEN_BYTES];
      RANDOM.nextBytes(random);
      Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try {
        Files.writeString(tmp, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
        Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      System.out.println("wrote a new admin token to " + file + " (owner-only); clients send it as: Authorization: Bearer $(cat " + file + ")");
      return 0;
    }
  }

  @Command(name = "tls-cert", mixinStandardHelpOptions = true,
      description = "Write a self-signed EC P-256 certificate and its key (owner-only) for the gateway's TLS (mqtt.tls); devices"
          + " pin the certificate (mosquitto --cafile). For a fleet, use certificates of your own CA instead.")
  static final class TlsCert implements Callable<Integer> {
    @Option(names = "--cert", required = true, paramLabel = "FILE", description = "the certificate to write (mqtt.tls.certFile)")
    Path cert;

    @Option(names = "--key", required = true, paramLabel = "FILE", description = "the private key to write (mqtt.tls.keyFile), owner-only")
    Path key;

    @Option(names = "--name", required = true, paramLabel = "HOST", description = "a host name or IP address devices connect to; repeat for several")
    java.util.List<String> names;

    @Option(names = "--days", defaultValue = "825", description = "days it is valid (default ${DEFAULT-VALUE})")
    int days;

    @Override
    public Integer call() throws IOException {
      if (days < 1 || days > 3650) {
        throw new ConfigException("--days must be 1 to 3650, was " + days);
      }
      for (String n : names) {
        if (!n.matches("[A-Za-z0-9.:*-]{1,253}")) {
          throw new ConfigException("--name '" + n + "' is not a host name or IP address");
        }
      }
      if (Files.exists(key) || Files.exists(cert)) {
        throw new ConfigException((Files.exists(key) ? key : cert) + " exists already; remove it first to replace it");
      }
      SelfSignedCertificate.write(cert, key, names.get(0), names, java.time.Duration.ofDays(days));
      System.out.println("wrote " + cert + " (self-signed for " + String.join(", ", names) + ", " + days + " days) and " + key
          + " (owner-only)");
      return 0;
    }
  }

  private static PasswordFile read(Path file) {
    try {
      return PasswordFile.read(file);
    } catch (PasswordFileException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /**
   * Reads FILE (or starts an empty one when {@code create} and it is missing), applies {@code change}
   * and writes the result, all under an exclusive lock on {@code FILE.lock}.
   */
  static PasswordFile edit(Path file, boolean create, UnaryOperator<PasswordFile> change) throws IOException {
    Path target = file.toAbsolutePath();
    if (!Files.isDirectory(target.getParent())) {
      throw new ConfigException("the directory of " + file + " does not exist: " + target.getParent());
    }
    // A symbolic link is followed, so that the link stays and the file it names is replaced.
    if (Files.exists(target)) {
      target = target.toRealPath();
    }
    Path lockFile = target.resolveSibling(target.getFileName() + ".lock");
    synchronized (IN_PROCESS) {
      try (FileChannel ch = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
               PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
           FileLock lock = ch.lock()) {
        PasswordFile current = create && !Files.exists(target) ? PasswordFile.empty() : read(target);
        PasswordFile next;
        try {
          next = change.apply(current);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(file + ": " + e.getMessage());
        }
        next.write(target);
        return next;
      }
    }
  }

  /**
   * The first line of {@code in} without its line end: at least {@link #MIN_PASSWORD_CHARS}
   * characters, at most {@link #MAX_PASSWORD_BYTES} bytes of UTF-8. Reads no further than that line.
   */
  static String readPasswordLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
      if (line.size() == MAX_PASSWORD_BYTES + 1) {
        throw new ConfigException("the password on stdin is longer than " + MAX_PASSWORD_BYTES + " bytes");
      }
      line.write(c);
    }
    byte[] b = line.toByteArray();
    int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
    if (n > MAX_PASSWORD_BYTES) {
      throw new ConfigException("the password on stdin is longer than " + MAX_PASSWORD_BYTES + " bytes");
    }
    String password;
    try {
      password = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, n)).toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException("the password on stdin is not UTF-8 text");
    }
    int chars = password.codePointCount(0, password.length());
    if (chars < MIN_PASSWORD_CHARS) {
      throw new ConfigException("the password on stdin has " + chars + " characters; at least " + MIN_PASSWORD_CHARS
          + " are needed (without --password-stdin a strong one is generated)");
    }
    return password;
  }
}
