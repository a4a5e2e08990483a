package dev.cairn.kernels;

import java.util.Collection;
import java.util.Optional;

/** The kernels installed on this gateway. Devices can run only these. */
public interface KernelCatalog {

  Optional<Kernel> find(String name);

  /** Installed kernels, sorted by name. */
  Collection<Kernel> all();

  /** The kernels that ship with Cairn. */
  static KernelCatalog builtIn() {
    return dev.cairn.kernels.impl.BuiltInCatalog.INSTANCE;
  }
}
