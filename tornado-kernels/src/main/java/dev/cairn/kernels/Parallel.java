package dev.cairn.kernels;

/**
 * Runs a loop body over {@code [0, n)} split into chunks, possibly on several threads. Chunk
 * boundaries depend only on {@code n} and {@code grain}, never on the number of threads, so kernels
 * that combine per-chunk partial results in chunk order give identical bytes run to run.
 */
public interface Parallel {

  /** Calls {@code body.run(from, to)} for consecutive chunks of at most {@code grain} indices. */
  void forRange(int n, int grain, RangeBody body);

  /** Number of chunks {@link #forRange} uses for {@code n} and {@code grain}. */
  static int chunkCount(int n, int grain) {
    if (grain <= 0) {
      throw new IllegalArgumentException("grain must be positive, was " + grain);
    }
    return n == 0 ? 0 : (int) ((n + (long) grain - 1) / grain);
  }

  /** Runs everything on the calling thread. */
  static Parallel sequential() {
    return (n, grain, body) -> {
      int chunks = chunkCount(n, grain);
      for (int c = 0; c < chunks; c++) {
        int from = c * grain;
        body.run(from, Math.min(n, from + grain));
      }
    };
  }

  @FunctionalInterface
  interface RangeBody {
    void run(int from, int to);
  }
}
