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

  /**
   * A catalog of exactly {@code kernels}, e.g. the built-in ones plus a site's own.
   *
   * @throws IllegalArgumentException if two kernels share a name
   */
  static KernelCatalog of(Collection<Kernel> kernels) {
    java.util.Map<String, Kernel> byName = new java.util.TreeMap<>();
    for (Kernel k : kernels) {
      if (byName.put(k.spec().name(), k) != null) {
        throw new IllegalArgumentException("two kernels are named " + k.spec().name());
      }
    }
    java.util.List<Kernel> sorted = java.util.List.copyOf(byName.values());
    return new KernelCatalog() {
      @Override
      public Optional<Kernel> find(String name) {
        return Optional.ofNullable(byName.get(name));
      }

      @Override
      public Collection<Kernel> all() {
        return sorted;
      }
    };
  }
}
