package dev.cairn.kernels;

import java.util.Map;

/** A place where kernels run: {@code jvm} (multi-core CPU) or {@code tornado} (TornadoVM). */
public interface Backend extends AutoCloseable {

  /** Short name reported in every job result, e.g. {@code jvm}. */
  String name();

  /** Runs a checked call on the calling thread, using the backend's threads for parallel ranges. */
  Map<String, Object> execute(Kernel kernel, KernelArgs checkedArgs);

  @Override
  void close();
}
