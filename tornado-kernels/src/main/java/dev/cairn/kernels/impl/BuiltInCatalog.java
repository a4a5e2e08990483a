package dev.cairn.kernels.impl;

import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelCatalog;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The kernels that ship with Cairn. */
public final class BuiltInCatalog implements KernelCatalog {
  public static final BuiltInCatalog INSTANCE = new BuiltInCatalog();

  private final Map<String, Kernel> kernels = new TreeMap<>();

  private BuiltInCatalog() {
    for (Kernel k : new Kernel[] {new SaxpyKernel(), new StatsKernel(), new DenseKernel(), new FirKernel(),
        new FftKernel(), new Conv2dKernel(), new HistogramKernel(), new AnomalyKernel()}) {
      kernels.put(k.spec().name(), k);
    }
  }

  @Override
  public Optional<Kernel> find(String name) {
    return Optional.ofNullable(kernels.get(name));
  }

  @Override
  public Collection<Kernel> all() {
    return java.util.List.copyOf(kernels.values());
  }
}
