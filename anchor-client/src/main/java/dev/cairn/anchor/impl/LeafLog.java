package dev.cairn.anchor.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The journal's durability point for leaves: a preallocated file of checksummed records, written in
 * place and synced with {@code fdatasync} once per group of leaves. SQLite then takes the same leaves
 * without a sync of its own; whatever it loses in a power cut is read back from here at start.
 *
 * <p>Layout: a 32-byte header (magic, version, the journal's id) and records from offset 32, each
 * {@code [body length:int][crc32c of seq and body:int][seq:long][body]}. Once SQLite has made every
 * leaf in here durable on its own, writing starts again at offset 32 over the old records: reading
 * stops at the first record that does not check out or does not continue the sequence, so stale
 * records are never taken for new ones.
 */
final class LeafLog implements AutoCloseable {
  static final String FILE = "leaves.log";
  static final int HEADER = 32;
  private static final byte[] MAGIC = "CAIRNLOG".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;
  private static final int RECORD_HEAD = 16;
  /** A record larger than this is damage, not a leaf (leaves are a few hundred bytes). */
  private static final int MAX_BODY = 1 << 20;
  /** Preallocated so that a sync writes data blocks only: no size or allocation to journal. */
  static final int DEFAULT_CAPACITY = 8 << 20;

  /** A leaf as recorded. */
  record Entry(long seq, String device, String job, byte[] leaf, byte[] leafHash, long createdMs) {}

  /** What a log held when opened: the journal it belongs to (null if there was none) and its records. */
  record Contents(byte[] journalId, List<Entry> entries) {}

  private final Path file;
  private final FileChannel channel;
  private final int capacity;
  private ByteBuffer buffer = ByteBuffer.allocateDirect(64 << 10);
  private long position = HEADER;
  /** Sequence the next record must carry to continue the log; -1 right after a rewind. */
  private long expected = -1;

  private LeafLog(Path file, FileChannel channel, int capacity) {
    this.file = file;
    this.channel = channel;
    this.capacity = capacity;
  }

  /** Reads every record of the log in {@code dir} that checks out, in order; empty if there is no log. */
  static Contents read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return new Contents(null, List.of());
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER) {
        return new Contents(null, List.of());
      }
      ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
      byte[] magic = new byte[MAGIC.length];
      all.get(magic);
      if (!Arrays.equals(magic, MAGIC) || all.getInt() != VERSION) {
        throw new IOException(file + " is not a leaf log of this gateway version (bad magic or version)");
      }
      all.getInt();
      byte[] id = new byte[16];
      all.get(id);
      List<Entry> entries = new ArrayList<>();
      CRC32C crc = new CRC32C();
      long last = -1;
      int pos = HEADER;
      while (pos + RECORD_HEAD <= size) {
        int length = all.getInt(pos);
        int sum = all.getInt(pos + 4);
        long seq = all.getLong(pos + 8);
        if (length <= 0 || length > MAX_BODY || pos + RECORD_HEAD + (long) length > size
            || (last >= 0 && seq != last + 1)) {
          break;
        }
        crc.reset();
        crc.update(all.slice(pos + 8, 8 + length));
        if ((int) crc.getValue() != sum) {
          break;
        }
        entries.add(decode(seq, all.slice(pos + RECORD_HEAD, length)));
        last = seq;
        pos += RECORD_HEAD + length;
      }
      return new Contents(id, entries);
    }
  }

  /** Creates a new, empty log for the journal {@code journalId}, replacing any file there, and syncs it. */
  static LeafLog create(Path dir, byte[] journalId, int capacity) throws IOException {
    Path file = dir.resolve(FILE);
    Path fresh = dir.resolve(FILE + ".new");
    try (FileChannel ch = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      ByteBuffer head = ByteBuffer.allocate(HEADER);
      head.put(MAGIC).putInt(VERSION).putInt(0).put(journalId).flip();
      long at = 0;
      while (head.hasRemaining()) {
        at += ch.write(head, at);
      }
      ByteBuffer zeros = ByteBuffer.allocateDirect(64 << 10);
      while (at < capacity) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), capacity - at));
        while (zeros.hasRemaining()) {
          at += ch.write(zeros, at);
        }
      }
      ch.force(true);
    }
    Files.move(fresh, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(dir);
    return reopen(dir, capacity);
  }

  /** Whether {@code bytes} more would still fit before the preallocated end. */
  boolean fits(int bytes) {
    return position + bytes <= capacity;
  }

  /** At most the bytes the given leaves take in the log. */
  static int size(List<DefaultAnchorService.Pending> leaves) {
    int n = 0;
    for (DefaultAnchorService.Pending p : leaves) {
      n += RECORD_HEAD + 4 + 3 * p.deviceId.length() + 4 + 3 * p.jobId.length() + 4 + p.leaf.length + p.leafHash.length + 8;
    }
    return n;
  }

  /**
   * Writes the leaves after the last record and syncs them: when this returns they survive a crash.
   * Writes past the preallocated end if it must (slower: the size changes too).
   */
  void append(List<DefaultAnchorService.Pending> leaves) throws IOException {
    int bytes = size(leaves);
    if (buffer.capacity() < bytes) {
      buffer = ByteBuffer.allocateDirect(Integer.highestOneBit(bytes) << 1);
    }
    ByteBuffer b = buffer.clear();
    CRC32C crc = new CRC32C();
    long next = expected;
    for (DefaultAnchorService.Pending p : leaves) {
      if (next >= 0 && p.seq != next) {
        throw new IllegalStateException("leaf " + p.seq + " does not follow leaf " + (next - 1) + " in " + file);
      }
      next = p.seq + 1;
      int start = b.position();
      byte[] device = p.deviceId.getBytes(StandardCharsets.UTF_8);
      byte[] job = p.jobId.getBytes(StandardCharsets.UTF_8);
      int length = 4 + device.length + 4 + job.length + 4 + p.leaf.length + p.leafHash.length + 8;
      b.putInt(length).putInt(0).putLong(p.seq);
      b.putInt(device.length).put(device).putInt(job.length).put(job);
      b.putInt(p.leaf.length).put(p.leaf).put(p.leafHash).putLong(p.createdMs);
      crc.reset();
      crc.update(b.slice(start + 8, 8 + length));
      b.putInt(start + 4, (int) crc.getValue());
    }
    b.flip();
    long at = position;
    try {
      while (b.hasRemaining()) {
        at += channel.write(b, at);
      }
      channel.force(false);
    } catch (IOException e) {
      // These leaves fail and their sequence numbers go to the next ones: no record of them may stay readable.
      try {
        ByteBuffer zeros = ByteBuffer.allocate((int) (at - position));
        for (long z = position; zeros.hasRemaining(); ) {
          z += channel.write(zeros, z);
        }
      } catch (IOException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
    position = at;
    expected = next;
  }

  /** Starts writing at the first record again; only once every leaf in the log is durable elsewhere. */
  void rewind() {
    position = HEADER;
    expected = -1;
  }

  /** Whether the file can be written again from the start: it exists with the capacity asked for. */
  static boolean reusable(Path dir, int capacity) throws IOException {
    Path file = dir.resolve(FILE);
    return Files.exists(file) && Files.size(file) == capacity;
  }

  /** Opens an existing log of the right capacity to write it again from the start. */
  static LeafLog reopen(Path dir, int capacity) throws IOException {
    Path file = dir.resolve(FILE);
    return new LeafLog(file, FileChannel.open(file, StandardOpenOption.WRITE), capacity);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private static Entry decode(long seq, ByteBuffer body) throws IOException {
    try {
      String device = getString(body);
      String job = getString(body);
      byte[] leaf = new byte[body.getInt()];
      body.get(leaf);
      byte[] hash = new byte[32];
      body.get(hash);
      long created = body.getLong();
      return new Entry(seq, device, job, leaf, hash, created);
    } catch (RuntimeException e) {
      throw new IOException("leaf " + seq + " in the leaf log has a valid checksum but cannot be read: " + e, e);
    }
  }

  private static String getString(ByteBuffer b) {
    byte[] bytes = new byte[b.getInt()];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory for syncing; the rename is then as durable as they make it.
    }
  }
}
