package dev.cairn.kernels.impl;

import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelCatalog;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Stub: replaced by the real catalog. */
public final class BuiltInCatalog implements KernelCatalog {
  public static final BuiltInCatalog INSTANCE = new BuiltInCatalog();

  @Override
  public Optional<Kernel> find(String name) {
    return Optional.empty();
  }

  @Override
  public Collection<Kernel> all() {
    return List.of();
  }
}
