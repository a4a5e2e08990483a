package dev.cairn.kernels;

/** Factories for the backends. */
public final class Backends {
  /** Threads of the default JVM backend: one per available processor. */
  public static final int DEFAULT_JVM_THREADS = Runtime.getRuntime().availableProcessors();

  private Backends() {}

  /** Class of the TornadoVM backend, present in builds made with a TornadoVM SDK (see the README). */
  static final String TORNADO_CLASS = "dev.cairn.kernels.impl.TornadoBackend";

  /**
   * The TornadoVM backend on its default device: discovers TornadoVM's devices and compiles kernels for
   * them on first use.
   *
   * @throws IllegalStateException saying what is missing when this JVM cannot run it: a build without
   *     the backend, a JDK older than 25, TornadoVM not on the module path (its argfile not given), or
   *     the JDK's signal-chaining library not preloaded ({@link #signalChainingMissing})
   */
  public static Backend tornado() {
    Class<?> type;
    try {
      type = Class.forName(TORNADO_CLASS);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("this build of Cairn has no TornadoVM backend; build it with a TornadoVM SDK"
          + " (TORNADOVM_HOME set, Maven on JDK 25): see the README, \"Kernels on TornadoVM\"");
    } catch (UnsupportedClassVersionError e) {
      throw new IllegalStateException("the TornadoVM backend needs JDK 25; this is Java " + Runtime.version().feature());
    } catch (LinkageError e) {
      throw notOnModulePath(e);
    }
    try {
      Class.forName("uk.ac.manchester.tornado.api.TornadoExecutionPlan", false, Backends.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw notOnModulePath(e);
    }
    String chaining = signalChainingMissing(java.nio.file.Path.of("/proc/self/maps"));
    if (chaining != null) {
      throw new IllegalStateException(chaining);
    }
    try {
      return (Backend) type.getConstructor().newInstance();
    } catch (java.lang.reflect.InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LinkageError) {
        throw notOnModulePath(cause);
      }
      throw new IllegalStateException("TornadoVM could not start: " + cause, cause);
    } catch (LinkageError e) {
      throw notOnModulePath(e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the TornadoVM backend could not be created: " + e, e);
    }
  }

  /**
   * Why TornadoVM must not start in this JVM, or null: the JDK's signal-chaining library {@code libjsig.so}
   * is not among the JVM's mapped libraries ({@code maps}, /proc/self/maps). An OpenCL driver brings native
   * code that installs its own handlers for signals the JVM relies on (PoCL's LLVM takes SIGSEGV, SIGBUS,
   * SIGILL and SIGUSR2 when it compiles a kernel, with SA_RESETHAND); two threads that fault at once, as
   * at a safepoint, then kill the JVM without a crash report. Preloaded, libjsig keeps the JVM's handlers
   * and passes the driver's signals on. Null as well where the mapped libraries cannot be read (not Linux).
   */
  static String signalChainingMissing(java.nio.file.Path maps) {
    try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(maps)) {
      if (lines.anyMatch(line -> line.endsWith("/libjsig.so"))) {
        return null;
      }
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return null;
    }
    return "this JVM runs without the JDK's signal-chaining library, and TornadoVM's OpenCL driver would replace the JVM's"
        + " signal handlers (PoCL's LLVM takes SIGSEGV, SIGBUS and SIGILL when it compiles a kernel), which lets the JVM die"
        + " without a crash report; start Java with LD_PRELOAD=" + java.nio.file.Path.of(System.getProperty("java.home"), "lib", "libjsig.so")
        + " (see the README, \"Kernels on TornadoVM\")";
  }

  /** Whether this build has the TornadoVM backend (it may still be unable to start here). */
  public static boolean tornadoBuilt() {
    return Backends.class.getClassLoader().getResource(TORNADO_CLASS.replace('.', '/') + ".class") != null;
  }

  private static IllegalStateException notOnModulePath(Throwable e) {
    return new IllegalStateException("TornadoVM is not on this JVM's module path (" + e
        + "); run Cairn on JDK 25 with TornadoVM's argfile and the JDK's signal chaining:"
        + " LD_PRELOAD=$JAVA_HOME/lib/libjsig.so java @$TORNADOVM_HOME/tornado-argfile -jar cairn.jar ...", e);
  }

  /** The machine kernels run on: {@code N cores (arch, CPU model)}. */
  public static String host() {
    return Runtime.getRuntime().availableProcessors() + " cores (" + System.getProperty("os.arch") + ", "
        + dev.cairn.kernels.impl.JvmBackend.cpuModel() + ")";
  }

  /**
   * Whether the JVM backend's vector kernels (dense, stats, FIR, conv2d) run on the Vector API, and if
   * not why, e.g. {@code SIMD 512-bit (jdk.incubator.vector)}. Results have the same bytes either way.
   */
  public static String simd() {
    return dev.cairn.kernels.impl.Simd.describe();
  }

  /**
   * The multi-core CPU backend: the calling thread and {@code threads - 1} helper threads (daemon,
   * named {@code cairn-jvm-N}).
   */
  public static Backend jvm(int threads) {
    return new dev.cairn.kernels.impl.JvmBackend(threads);
  }
}
