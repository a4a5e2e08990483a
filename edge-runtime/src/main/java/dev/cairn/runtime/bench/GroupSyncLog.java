package dev.cairn.runtime.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The durable write of the benches' echo floors: the least a server can do that answers only after a
 * request is durable. Each payload is appended to a preallocated 8 MiB file (written again from its
 * start when full); one thread, {@code durable-echo}, writes what has arrived, syncs it with one
 * {@code fdatasync} and then tells that group's waiters, while the next requests gather. No decoding,
 * no hashing. At most {@code maxWaiting} requests wait; past that {@link #append} refuses.
 */
public final class GroupSyncLog implements AutoCloseable {
  /** Bytes of the file, preallocated. */
  public static final int SIZE = 8 << 20;
  /** The largest payload: what one write buffer holds with its length prefix. */
  public static final int MAX_PAYLOAD = (1 << 20) - 4;

  /** Told once, on the syncing thread: answer from the request's own thread, so the next sync need not wait. */
  public interface Waiter {
    void durable();

    void failed(IOException e);
  }

  private record Entry(byte[] payload, Waiter waiter) {}

  private final FileChannel file;
  private final BlockingQueue<Entry> waiting;
  private final Thread writer;
  private final AtomicLong syncs = new AtomicLong();
  private final AtomicLong synced = new AtomicLong();
  private volatile boolean open = true;

  /** Creates {@code path} (which must not exist), fills it with zeros and starts the syncing thread. */
  public GroupSyncLog(Path path, int maxWaiting) throws IOException {
    if (maxWaiting < 1) {
      throw new IllegalArgumentException("maxWaiting must be at least 1, was " + maxWaiting);
    }
    waiting = new ArrayBlockingQueue<>(maxWaiting);
    file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    // Written, not just sized, so a sync flushes data and no block allocation.
    ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
    for (int at = 0; at < SIZE; at += zeros.capacity()) {
      file.write(zeros.clear(), at);
    }
    file.force(true);
    writer = new Thread(this::write, "durable-echo");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Queues {@code payload} for the next group; {@code waiter} is told once it is durable. False, and the
   * waiter never told, when {@code maxWaiting} requests already wait.
   *
   * @throws IllegalArgumentException if the payload is longer than {@link #MAX_PAYLOAD}
   */
  public boolean append(byte[] payload, Waiter waiter) {
    if (payload.length > MAX_PAYLOAD) {
      throw new IllegalArgumentException("a payload of " + payload.length + " bytes is longer than the durable log takes ("
          + MAX_PAYLOAD + ")");
    }
    return waiting.offer(new Entry(payload, waiter));
  }

  /** The counts of syncs and of requests synced so far, for {@link #perSyncSince}. */
  public long[] counts() {
    return new long[] {syncs.get(), synced.get()};
  }

  /** Requests per sync since the counts {@code before} ({@link #counts()}), or "" if none. */
  public String perSyncSince(long[] before) {
    long n = syncs.get() - before[0];
    return n == 0 ? "" : String.format(Locale.ROOT, "; %.1f requests per sync", (synced.get() - before[1]) / (double) n);
  }

  private void write() {
    List<Entry> group = new ArrayList<>();
    ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    long position = 0;
    try {
      while (open) {
        Entry first = waiting.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        waiting.drainTo(group);
        try {
          buffer.clear();
          for (Entry e : group) {
            if (buffer.remaining() < 4 + e.payload().length) {
              position = append(buffer, position);
            }
            buffer.putInt(e.payload().length).put(e.payload());
          }
          position = append(buffer, position);
          file.force(false);
        } catch (IOException e) {
          for (Entry w : group) {
            w.waiter().failed(e);
          }
          group.clear();
          continue;
        }
        syncs.incrementAndGet();
        synced.addAndGet(group.size());
        for (Entry e : group) {
          e.waiter().durable();
        }
        group.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes the buffer's contents at {@code position}, or at the file's start if they would pass its end; the next position. */
  private long append(ByteBuffer buffer, long position) throws IOException {
    buffer.flip();
    if (position + buffer.remaining() > SIZE) {
      position = 0;
    }
    while (buffer.hasRemaining()) {
      position += file.write(buffer, position);
    }
    buffer.clear();
    return position;
  }

  /** Stops the syncing thread (requests still waiting are not answered) and closes the file. */
  @Override
  public void close() throws IOException, InterruptedException {
    open = false;
    writer.join(5_000);
    file.close();
  }
}
