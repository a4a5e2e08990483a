package dev.cairn.runtime.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The per-device key file of coaps: one {@code deviceId=secret} per line ({@code #} starts a comment);
 * a secret written {@code hex:0a1b...} is taken as hex bytes, anything else as its UTF-8 text (as
 * libcoap's {@code -k} gives it). The file must be readable by its owner only.
 */
public final class PskFile {
  private static final Pattern DEVICE = Pattern.compile("[^/+#=\\s]{1,128}");

  private PskFile() {}

  /** Refuses a secret file that anyone but its owner may read or write. */
  static void requireOwnerOnly(Path file, String setting, String what) {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (IOException e) {
      throw new ConfigException(setting + " " + file + " cannot be read: " + e);
    }
    if (perms.stream().anyMatch(x -> !x.name().startsWith("OWNER"))) {
      throw new ConfigException(setting + " " + file + " is readable or writable by others; " + what + " must be owner-only: chmod 600 " + file);
    }
  }

  public static Map<String, byte[]> read(Path file) {
    List<String> lines;
    requireOwnerOnly(file, "coap.dtls.pskFile", "device keys");
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("coap.dtls.pskFile " + file + " cannot be read: " + e.getMessage());
    }
    Map<String, byte[]> keys = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      String where = file + ":" + (i + 1);
      if (eq <= 0 || eq == line.length() - 1) {
        throw new ConfigException(where + ": expected deviceId=secret");
      }
      String device = line.substring(0, eq).strip();
      String secret = line.substring(eq + 1).strip();
      if (!DEVICE.matcher(device).matches()) {
        throw new ConfigException(where + ": device id '" + device + "' must be 1 to 128 characters without '/', '+', '#', '=' or spaces");
      }
      byte[] key;
      try {
        key = secret.startsWith("hex:") ? HexFormat.of().parseHex(secret.substring(4)) : secret.getBytes(StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ": the secret of '" + device + "' is not valid hex");
      }
      if (keys.put(device, key) != null) {
        throw new ConfigException(where + ": device '" + device + "' has a key already");
      }
    }
    if (keys.isEmpty()) {
      throw new ConfigException("coap.dtls.pskFile " + file + " holds no device keys");
    }
    return keys;
  }
}
