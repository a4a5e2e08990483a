package dev.cairn.scheduler;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelArgumentException;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.Parallel;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Small kernels the scheduler tests control: one adds, one waits at a gate, one fails. */
final class TestKernels implements KernelCatalog {
  final CountDownLatch gate = new CountDownLatch(1);
  final CountDownLatch gateReached = new CountDownLatch(1);
  /** Job order and thread names, as seen by the kernels. */
  final Queue<String> ran = new ConcurrentLinkedQueue<>();
  final Queue<String> threads = new ConcurrentLinkedQueue<>();

  private final Map<String, Kernel> kernels = Map.of(
      "test.add", new Simple("test.add") {
        @Override
        public Map<String, Object> run(KernelArgs args, Parallel p) {
          record(args);
          float[] x = args.input("x");
          float[] y = args.input("y");
          float[] out = new float[x.length];
          for (int i = 0; i < x.length; i++) {
            out[i] = x[i] + y[i];
          }
          return Map.of("y", out);
        }

        @Override
        public KernelArgs check(KernelArgs args) {
          if (!args.inputs().containsKey("x") || !args.inputs().containsKey("y")) {
            throw new KernelArgumentException("test.add needs inputs x and y");
          }
          return args;
        }
      },
      "test.gate", new Simple("test.gate") {
        @Override
        public Map<String, Object> run(KernelArgs args, Parallel p) {
          gateReached.countDown();
          try {
            if (!gate.await(30, TimeUnit.SECONDS)) {
              throw new IllegalStateException("gate never opened");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          record(args);
          return Map.of();
        }
      },
      "test.fail", new Simple("test.fail") {
        @Override
        public Map<String, Object> run(KernelArgs args, Parallel p) {
          throw new ArithmeticException("boom");
        }
      });

  private void record(KernelArgs args) {
    ran.add(String.valueOf(args.params().getOrDefault("tag", "")));
    threads.add(Thread.currentThread().getName());
  }

  @Override
  public Optional<Kernel> find(String name) {
    return Optional.ofNullable(kernels.get(name));
  }

  @Override
  public Collection<Kernel> all() {
    return kernels.values().stream().sorted(java.util.Comparator.comparing(k -> k.spec().name())).toList();
  }

  abstract static class Simple implements Kernel {
    private final KernelSpec spec;

    Simple(String name) {
      spec = new KernelSpec(name, "0.1", name, List.of(), List.of(new InputSpec("x", 0, "x")),
          List.of(new OutputSpec("y", OutputSpec.Kind.F32_ARRAY, "y")));
    }

    @Override
    public KernelSpec spec() {
      return spec;
    }

    @Override
    public KernelArgs check(KernelArgs args) {
      return args;
    }
  }

  /** Runs kernels sequentially on the calling thread. */
  static Backend backend() {
    return new Backend() {
      @Override
      public String name() {
        return "test";
      }

      @Override
      public Map<String, Object> execute(Kernel kernel, KernelArgs args) {
        return kernel.run(args, Parallel.sequential());
      }

      @Override
      public void close() {}
    };
  }
}
