package dev.cairn.kernels;

/** Factories for the backends. */
public final class Backends {
  /** Threads of the default JVM backend: one per available processor. */
  public static final int DEFAULT_JVM_THREADS = Runtime.getRuntime().availableProcessors();

  private Backends() {}

  /** The multi-core CPU backend with {@code threads} worker threads (daemon, named {@code cairn-jvm-N}). */
  public static Backend jvm(int threads) {
    return new dev.cairn.kernels.impl.JvmBackend(threads);
  }
}
