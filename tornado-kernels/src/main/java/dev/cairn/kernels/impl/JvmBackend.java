package dev.cairn.kernels.impl;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import java.util.Map;

/** Stub. */
public final class JvmBackend implements Backend {
  public JvmBackend(int threads) {}

  @Override
  public String name() {
    return "jvm";
  }

  @Override
  public Map<String, Object> execute(Kernel kernel, KernelArgs args) {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public void close() {}
}
