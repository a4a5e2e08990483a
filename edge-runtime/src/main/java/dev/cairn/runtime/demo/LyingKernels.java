package dev.cairn.runtime.demo;

import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.Parallel;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in kernels, but vector.saxpy (same name and version) adds 1 to its first output: a gateway that lies,
 * for {@code cairn demo --network} and the tests of replication. Never part of a real gateway.
 */
public final class LyingKernels implements KernelCatalog {
  private final KernelCatalog builtIn = KernelCatalog.builtIn();
  private final Kernel saxpy = builtIn.find("vector.saxpy").orElseThrow();
  private final Kernel liar = new Kernel() {
    @Override
    public KernelSpec spec() {
      return saxpy.spec();
    }

    @Override
    public KernelArgs check(KernelArgs args) {
      return saxpy.check(args);
    }

    @Override
    public Map<String, Object> run(KernelArgs args, Parallel parallel) {
      Map<String, Object> out = new LinkedHashMap<>(saxpy.run(args, parallel));
      float[] y = ((float[]) out.get("y")).clone();
      y[0] += 1;
      out.put("y", y);
      return out;
    }
  };

  @Override
  public Optional<Kernel> find(String name) {
    return name.equals("vector.saxpy") ? Optional.of(liar) : builtIn.find(name);
  }

  @Override
  public Collection<Kernel> all() {
    return builtIn.all().stream().map(k -> k.spec().name().equals("vector.saxpy") ? liar : k).toList();
  }
}
