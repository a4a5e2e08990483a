package dev.cairn.adapters.auth;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The device passwords the MQTT endpoint checks, from a {@link PasswordFile} that it re-reads when it
 * changes. Thread-safe.
 *
 * <p>A check takes the same time whether the device exists or not: an unknown device, or a connection
 * without a password, is checked against a hash that no password matches, with the parameters most of
 * the file's hashes use. Successful checks are remembered (at most {@link #DEFAULT_CACHE_ENTRIES}
 * devices, least recently used forgotten first) as an HMAC of the password under a key that lives only
 * in this process, tied to the device's hash of the moment, so a device that reconnects with its
 * password does not pay for Argon2 again. A wrong password always takes the slow path, like an unknown
 * device.
 */
public final class CredentialStore {
  /** Devices whose last successful check is remembered. */
  public static final int DEFAULT_CACHE_ENTRIES = 10_000;

  /** What {@link #reloadIfChanged} found. */
  public enum Outcome {
    /** The file is as it was last read (or last refused). */
    UNCHANGED,
    /** The file changed and its new credentials are in use. */
    RELOADED,
    /** The file changed but cannot be used; the previous credentials stay in use. */
    REFUSED
  }

  /**
   * What {@link #reloadIfChanged} did.
   *
   * @param revoked devices removed from the file or whose password changed, whose connections should close
   * @param error why a changed file was refused ({@link Outcome#REFUSED}), else null
   */
  public record Reload(Outcome outcome, Set<String> revoked, String error) {
    public Reload {
      revoked = Set.copyOf(revoked);
    }
  }

  private static final Reload UNCHANGED = new Reload(Outcome.UNCHANGED, Set.of(), null);

  /** What identifies a version of the file without reading it: one {@code stat}. */
  private record Stamp(long size, long modifiedNanos, Object fileKey, Set<PosixFilePermission> permissions) {
    /** The file is missing or cannot be looked at. */
    static final Stamp GONE = new Stamp(-1, -1, null, Set.of());

    static Stamp of(PosixFileAttributes a) {
      return new Stamp(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), a.fileKey(), a.permissions());
    }
  }

  /** The credentials in use: device id to encoded hash, and the hash an unknown device is checked against. */
  private record State(Map<String, String> hashes, String dummy) {}

  private record Cached(String encoded, byte[] mac) {}

  private final Path file;
  private final BiPredicate<String, byte[]> slowVerify;
  private final int cacheEntries;
  private final SecretKeySpec macKey;
  private final Map<String, Cached> cache;
  private volatile State state;
  private Stamp stamp;

  private CredentialStore(Path file, BiPredicate<String, byte[]> slowVerify, int cacheEntries) {
    this.file = Objects.requireNonNull(file, "file");
    this.slowVerify = Objects.requireNonNull(slowVerify, "slowVerify");
    if (cacheEntries < 0) {
      throw new IllegalArgumentException("cacheEntries must not be negative, was " + cacheEntries);
    }
    this.cacheEntries = cacheEntries;
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    this.macKey = new SecretKeySpec(key, "HmacSHA256");
    this.cache = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
        return size() > CredentialStore.this.cacheEntries;
      }
    };
  }

  /**
   * The store of {@code file}, read now.
   *
   * @throws PasswordFileException when the file cannot be used, saying why
   */
  public static CredentialStore open(Path file) {
    return open(file, PasswordHashes::verify, DEFAULT_CACHE_ENTRIES);
  }

  /** With the slow check and the cache's bound chosen, so tests can count the slow checks. */
  static CredentialStore open(Path file, BiPredicate<String, byte[]> slowVerify, int cacheEntries) {
    CredentialStore store = new CredentialStore(file, slowVerify, cacheEntries);
    synchronized (store) {
      Stamp s = Stamp.of(PasswordFile.attributes(file));
      store.state = load(PasswordFile.read(file));
      store.stamp = s;
    }
    return store;
  }

  public Path file() {
    return file;
  }

  /** How many devices have a password. */
  public int size() {
    return state.hashes().size();
  }

  /**
   * Re-reads the file if its size, modification time, inode or permissions changed (one {@code stat}
   * otherwise, cheap enough to poll every second; still file I/O, so not on an event loop). A changed
   * file that cannot be used (a typo, wrong permissions, gone) is refused once, with the error, and the
   * previous credentials stay in use, so a mistake neither locks every device out nor lets anyone in.
   */
  public synchronized Reload reloadIfChanged() {
    Stamp now;
    try {
      now = Stamp.of(PasswordFile.attributes(file));
    } catch (PasswordFileException e) {
      return refuse(Stamp.GONE, e);
    }
    if (now.equals(stamp)) {
      return UNCHANGED;
    }
    State next;
    try {
      next = load(PasswordFile.read(file));
    } catch (PasswordFileException e) {
      return refuse(now, e);
    }
    // The stamp from before the read: a change during the read shows as another change next time.
    stamp = now;
    Map<String, String> before = state.hashes();
    Set<String> revoked = before.keySet().stream()
        .filter(id -> !before.get(id).equals(next.hashes().get(id)))
        .collect(Collectors.toCollection(TreeSet::new));
    state = next;
    synchronized (cache) {
      cache.keySet().removeAll(revoked);
    }
    return new Reload(Outcome.RELOADED, revoked, null);
  }

  private Reload refuse(Stamp now, PasswordFileException e) {
    // Reported once per version of the file (and once while it is missing).
    if (now.equals(stamp)) {
      return UNCHANGED;
    }
    stamp = now;
    return new Reload(Outcome.REFUSED, Set.of(), e.getMessage() + "; the previous device passwords stay in use");
  }

  private static State load(PasswordFile f) {
    Map<String, String> hashes = f.entries();
    // The unknown device's hash costs what most known ones cost: the parameters most of them use.
    PasswordHashes.Phc like = hashes.values().stream()
        .map(PasswordHashes::parse)
        .collect(Collectors.groupingBy(p -> List.of(p.memoryKiB(), p.iterations(), p.parallelism(), p.salt().length, p.hash().length)))
        .values().stream().max(Comparator.comparingInt(List::size))
        .map(l -> l.get(0))
        .orElse(null);
    String dummy = like == null ? PasswordHashes.dummy() : PasswordHashes.dummyLike(like);
    return new State(Collections.unmodifiableMap(new HashMap<>(hashes)), dummy);
  }

  /**
   * Whether {@code password} is {@code deviceId}'s. Blocking: an Argon2id check (tens of milliseconds,
   * about 19 MiB of memory) unless the device's last successful check had this password; call it on a
   * worker thread. An unknown device, a null device id and a null password (none given) do the same
   * work as a known device and return false.
   */
  public boolean verify(String deviceId, byte[] password) {
    State s = state;
    String encoded = deviceId == null ? null : s.hashes().get(deviceId);
    byte[] mac = mac(password == null ? new byte[0] : password);
    if (encoded != null && password != null && cached(deviceId, encoded, mac)) {
      return true;
    }
    boolean match = slowVerify.test(encoded == null ? s.dummy() : encoded, password == null ? new byte[0] : password);
    if (match && encoded != null && password != null) {
      remember(deviceId, encoded, mac);
      return true;
    }
    return false;
  }

  private boolean cached(String deviceId, String encoded, byte[] mac) {
    Cached c;
    synchronized (cache) {
      c = cache.get(deviceId);
    }
    return c != null && c.encoded().equals(encoded) && MessageDigest.isEqual(c.mac(), mac);
  }

  private void remember(String deviceId, String encoded, byte[] mac) {
    if (cacheEntries == 0 || !encoded.equals(state.hashes().get(deviceId))) {
      return; // the file changed during the check: nothing to remember for an old hash
    }
    synchronized (cache) {
      cache.put(deviceId, new Cached(encoded, mac));
    }
  }

  /** Entries in the cache of successful checks. */
  int cacheSize() {
    synchronized (cache) {
      return cache.size();
    }
  }

  private byte[] mac(byte[] password) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(macKey);
      return m.doFinal(password);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }

  /** For logs: the file and how many devices it holds, never a hash. */
  @Override
  public String toString() {
    return "CredentialStore[" + file + ", " + size() + " devices]";
  }
}
