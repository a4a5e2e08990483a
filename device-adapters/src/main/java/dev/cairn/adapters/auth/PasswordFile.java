package dev.cairn.adapters.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The device password file of the MQTT endpoint ({@code mqtt.passwordFile}): one
 * {@code deviceId:<Argon2id PHC hash>} per line, {@code #} comments and blank lines allowed, readable
 * and writable by its owner only. Never a plain-text password: {@code cairn credentials} writes the hashes.
 *
 * <p>Immutable: the edits return a new file, with comments and the order of lines kept, and
 * {@link #write} replaces the file on disk atomically.
 */
public final class PasswordFile {
  /** Longest device id, in characters. */
  public static final int MAX_DEVICE_ID_LENGTH = 128;
  /** Largest file read, in bytes (far above a hundred thousand devices). */
  public static final long MAX_FILE_BYTES = 64L << 20;

  static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  private static final Pattern DEVICE = Pattern.compile("[^/+#:\\s\\p{Cntrl}]{1," + MAX_DEVICE_ID_LENGTH + "}");
  private static final String DEVICE_RULE = "1 to " + MAX_DEVICE_ID_LENGTH
      + " characters without '/', '+', '#', ':', spaces or control characters";
  private static final List<String> HEADER = List.of(
      "# Cairn device passwords: one deviceId:<Argon2id hash> per line, never plain text.",
      "# Manage with: cairn credentials add|passwd|remove|list ID --file FILE (keep this file chmod 600).");

  /** A line of the file: a device's entry, or a comment or blank line kept as it was ({@code device} null). */
  private record Line(String text, String device, String hash) {}

  private final List<Line> lines;
  private final Map<String, String> hashes;

  private PasswordFile(List<Line> lines) {
    this.lines = List.copyOf(lines);
    Map<String, String> m = new LinkedHashMap<>();
    for (Line l : lines) {
      if (l.device() != null) {
        m.put(l.device(), l.hash());
      }
    }
    this.hashes = Collections.unmodifiableMap(m);
  }

  /** A file with no device yet, with a comment saying what it holds. */
  public static PasswordFile empty() {
    return new PasswordFile(HEADER.stream().map(t -> new Line(t, null, null)).toList());
  }

  /** Whether {@code id} may name a device in the file (and so in MQTT topics). */
  public static boolean isValidDeviceId(String id) {
    return id != null && DEVICE.matcher(id).matches();
  }

  /** Refuses a device id the file cannot hold, saying what is allowed. */
  public static void requireValidDeviceId(String id) {
    if (!isValidDeviceId(id)) {
      throw new IllegalArgumentException("device id '" + id + "' must be " + DEVICE_RULE);
    }
  }

  /**
   * Reads and checks {@code file}: owner-only permissions, UTF-8, every entry a valid device id and an
   * Argon2id hash, no device twice.
   *
   * @throws PasswordFileException saying what is wrong, with {@code file:line} for a bad line
   */
  public static PasswordFile read(Path file) {
    PosixFileAttributes attrs = attributes(file);
    if (!attrs.isRegularFile()) {
      throw new PasswordFileException("password file " + file + " is not a regular file");
    }
    requireOwnerOnly(file, attrs);
    if (attrs.size() > MAX_FILE_BYTES) {
      throw new PasswordFileException("password file " + file + " has " + attrs.size() + " bytes; at most " + MAX_FILE_BYTES + " are read");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (CharacterCodingException e) {
      throw new PasswordFileException("password file " + file + " is not UTF-8 text");
    } catch (IOException e) {
      throw new PasswordFileException("password file " + file + " cannot be read: " + e);
    }
    List<Line> lines = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    List<String> raw = text.lines().toList();
    for (int i = 0; i < raw.size(); i++) {
      String where = file + ":" + (i + 1);
      String line = raw.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        lines.add(new Line(raw.get(i), null, null));
        continue;
      }
      Line entry = entry(line, where, file);
      Integer first = seen.putIfAbsent(entry.device(), i + 1);
      if (first != null) {
        throw new PasswordFileException(where + ": device '" + entry.device() + "' is already on line " + first + "; each device has one line");
      }
      lines.add(entry);
    }
    return new PasswordFile(lines);
  }

  private static Line entry(String line, String where, Path file) {
    int colon = line.indexOf(':');
    if (colon < 0) {
      throw new PasswordFileException(where + ": expected deviceId:<Argon2id hash> (a '#' starts a comment)");
    }
    String device = line.substring(0, colon).strip();
    String hash = line.substring(colon + 1).strip();
    if (!isValidDeviceId(device)) {
      throw new PasswordFileException(where + ": device id '" + device + "' must be " + DEVICE_RULE);
    }
    if (!hash.startsWith("$")) {
      throw new PasswordFileException(where + ": the password of '" + device + "' is not an Argon2id hash; plain-text "
          + "passwords are refused: set it with cairn credentials passwd " + device + " --file " + file);
    }
    try {
      PasswordHashes.parse(hash);
    } catch (IllegalArgumentException e) {
      throw new PasswordFileException(where + ": the password hash of '" + device + "' cannot be used: " + e.getMessage());
    }
    return new Line(device + ":" + hash, device, hash);
  }

  /** The file's attributes (one {@code stat}), failing clearly when it is missing or unreadable. */
  static PosixFileAttributes attributes(Path file) {
    try {
      return Files.readAttributes(file, PosixFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new PasswordFileException("password file " + file + " does not exist");
    } catch (IOException | UnsupportedOperationException e) {
      throw new PasswordFileException("password file " + file + " cannot be read: " + e);
    }
  }

  /** Refuses a file that anyone but its owner may read or write. */
  static void requireOwnerOnly(Path file, PosixFileAttributes attrs) {
    if (attrs.permissions().stream().anyMatch(p -> !p.name().startsWith("OWNER"))) {
      throw new PasswordFileException("password file " + file
          + " is readable or writable by others; device passwords must be owner-only: chmod 600 " + file);
    }
  }

  /** The device ids, in the order of the file. */
  public List<String> deviceIds() {
    return List.copyOf(hashes.keySet());
  }

  public boolean contains(String deviceId) {
    return hashes.containsKey(deviceId);
  }

  /** The device's encoded Argon2id hash. */
  public Optional<String> hash(String deviceId) {
    return Optional.ofNullable(hashes.get(deviceId));
  }

  /** Device id to encoded hash, in file order. */
  Map<String, String> entries() {
    return hashes;
  }

  /** This file with a new device at the end; refuses a device that is already there. */
  public PasswordFile add(String deviceId, String encodedHash) {
    requireValidDeviceId(deviceId);
    PasswordHashes.parse(encodedHash);
    if (contains(deviceId)) {
      throw new IllegalArgumentException("device '" + deviceId + "' is already in the file: use passwd to change its password");
    }
    List<Line> next = new ArrayList<>(lines);
    next.add(new Line(deviceId + ":" + encodedHash, deviceId, encodedHash));
    return new PasswordFile(next);
  }

  /** This file with the device's hash replaced, on the same line; refuses an unknown device. */
  public PasswordFile replace(String deviceId, String encodedHash) {
    PasswordHashes.parse(encodedHash);
    requireKnown(deviceId);
    return new PasswordFile(lines.stream()
        .map(l -> deviceId.equals(l.device()) ? new Line(deviceId + ":" + encodedHash, deviceId, encodedHash) : l).toList());
  }

  /** This file without the device's line; refuses an unknown device. */
  public PasswordFile remove(String deviceId) {
    requireKnown(deviceId);
    return new PasswordFile(lines.stream().filter(l -> !deviceId.equals(l.device())).toList());
  }

  private void requireKnown(String deviceId) {
    if (!contains(deviceId)) {
      throw new IllegalArgumentException("no device '" + deviceId + "' in the file (" + hashes.size() + " devices; see list)");
    }
  }

  /** The file's text: its lines, each ended by a newline. */
  String render() {
    StringBuilder b = new StringBuilder();
    lines.forEach(l -> b.append(l.text()).append('\n'));
    return b.toString();
  }

  /**
   * Replaces {@code file} atomically: a temporary file created owner-only in the same directory (so
   * the passwords are never readable by others, even for a moment), written and synced, renamed over
   * {@code file}, then the directory synced so the rename survives a power cut. A reader sees the old
   * file or the new one, never half of one. When run as root on a file another user owns (the
   * gateway's), the new file is given to that owner.
   */
  public void write(Path file) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", OWNER_ONLY);
    try {
      keepOwner(target, tmp);
      ByteBuffer bytes = ByteBuffer.wrap(render().getBytes(StandardCharsets.UTF_8));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        while (bytes.hasRemaining()) {
          ch.write(bytes);
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  private static void keepOwner(Path target, Path tmp) throws IOException {
    if (Files.exists(target)) {
      UserPrincipal owner = Files.getOwner(target);
      if (!owner.equals(Files.getOwner(tmp))) {
        Files.setOwner(tmp, owner);
      }
    }
  }
}
