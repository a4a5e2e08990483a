package dev.cairn.runtime.cli;

import dev.cairn.kernels.Backend;
import dev.cairn.kernels.Backends;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelCatalog;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/**
 * {@code cairn devices}: the processors kernels can run on here: the CPU, and TornadoVM's devices when
 * this build and JVM can run TornadoVM (or why not).
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
    description = "List the processors kernels can run on: the CPU, and TornadoVM's devices (or why TornadoVM is not available).")
final class DevicesCommand implements Runnable {
  @Override
  public void run() {
    try (Backend jvm = Backends.jvm(Backends.DEFAULT_JVM_THREADS)) {
      print(jvm);
    }
    Backend tornado;
    try {
      tornado = Backends.tornado();
    } catch (IllegalStateException e) {
      System.out.println("tornado: not available: " + e.getMessage());
      return;
    }
    try (tornado) {
      print(tornado);
    }
  }

  private static void print(Backend b) {
    b.devices().forEach(System.out::println);
    System.out.println("  kernels: " + KernelCatalog.builtIn().all().stream().filter(b::supports)
        .map(Kernel::spec).map(s -> s.name()).collect(Collectors.joining(", ")));
  }
}
