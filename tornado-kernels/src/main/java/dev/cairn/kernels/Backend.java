package dev.cairn.kernels;

import java.util.List;
import java.util.Map;

/** A place where kernels run: {@code jvm} (multi-core CPU) or {@code tornado} (TornadoVM). */
public interface Backend extends AutoCloseable {

  /** Short name reported in every job result, e.g. {@code jvm}. */
  String name();

  /**
   * Runs a checked call on the calling thread, using the backend's threads for parallel ranges.
   *
   * @throws BackendException when this backend cannot run the call (it then says why); the caller
   *     runs it elsewhere
   */
  Map<String, Object> execute(Kernel kernel, KernelArgs checkedArgs);

  /** Whether this backend can run {@code kernel} at all. */
  default boolean supports(Kernel kernel) {
    return true;
  }

  /**
   * What calls must share to run in one launch ({@link #executeBatch}): the kernel and the shape of
   * its inputs. Null when this backend runs calls one by one.
   */
  default String batchKey(Kernel kernel, KernelArgs checkedArgs) {
    return null;
  }

  /** Most calls {@link #executeBatch} takes at once. */
  default int maxBatch() {
    return 1;
  }

  /**
   * Runs checked calls of one kernel with the same {@link #batchKey}, in one launch where the backend
   * can; the outputs in call order.
   */
  default List<Map<String, Object>> executeBatch(Kernel kernel, List<KernelArgs> checkedCalls) {
    List<Map<String, Object>> out = new java.util.ArrayList<>(checkedCalls.size());
    for (KernelArgs call : checkedCalls) {
      out.add(execute(kernel, call));
    }
    return out;
  }

  /**
   * Whether a call of this shape runs without first compiling anything (a JIT backend is always ready;
   * an accelerator has compiled the shape's plan).
   */
  default boolean prepared(Kernel kernel, KernelArgs checkedArgs) {
    return true;
  }

  /**
   * Compiles what a call of this shape needs, by running it once; may take seconds. Calls of the shape
   * are then {@link #prepared}.
   *
   * @throws BackendException when the kernel does not run on this backend
   */
  default void prepare(Kernel kernel, KernelArgs checkedArgs) {
    execute(kernel, checkedArgs);
  }

  /** The processors behind this backend, one line each (what {@code cairn devices} prints). */
  default List<String> devices() {
    return List.of();
  }

  @Override
  void close();
}
