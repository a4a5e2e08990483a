package dev.cairn.runtime.network;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.Parallel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The built-in kernels plus {@code test.gate}, which waits until the test opens its gate (a gateway the test keeps
 * busy), and {@code test.slow}, whose every job takes {@link #SLOW_MS} (a gateway whose jobs are slow).
 */
final class GatedKernels implements KernelCatalog {
  static final long SLOW_MS = 200;
  final CountDownLatch gate = new CountDownLatch(1);
  private final KernelCatalog builtIn = KernelCatalog.builtIn();
  private final Kernel gated = new Kernel() {
    private final KernelSpec spec = new KernelSpec("test.gate", "0.1", "waits for the test", List.of(),
        List.of(new InputSpec("x", 0, "x")), List.of(new OutputSpec("y", OutputSpec.Kind.F32_ARRAY, "y")));

    @Override
    public KernelSpec spec() {
      return spec;
    }

    @Override
    public KernelArgs check(KernelArgs args) {
      return args;
    }

    @Override
    public Map<String, Object> run(KernelArgs args, Parallel parallel) {
      try {
        if (!gate.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never opened the gate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Map.of("y", args.input("x"));
    }
  };

  private final Kernel slow = new Kernel() {
    private final KernelSpec spec = new KernelSpec("test.slow", "0.1", "takes its time", List.of(),
        List.of(new InputSpec("x", 0, "x")), List.of(new OutputSpec("y", OutputSpec.Kind.F32_ARRAY, "y")));

    @Override
    public KernelSpec spec() {
      return spec;
    }

    @Override
    public KernelArgs check(KernelArgs args) {
      return args;
    }

    @Override
    public Map<String, Object> run(KernelArgs args, Parallel parallel) {
      try {
        Thread.sleep(SLOW_MS); // the work of a slow job, not a wait for anything
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Map.of("y", args.input("x"));
    }
  };

  @Override
  public Optional<Kernel> find(String name) {
    return name.equals("test.gate") ? Optional.of(gated) : name.equals("test.slow") ? Optional.of(slow) : builtIn.find(name);
  }

  @Override
  public Collection<Kernel> all() {
    List<Kernel> all = new ArrayList<>(builtIn.all());
    all.add(gated);
    all.add(slow);
    return all;
  }
}
