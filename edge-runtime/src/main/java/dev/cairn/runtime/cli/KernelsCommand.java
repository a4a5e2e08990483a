package dev.cairn.runtime.cli;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelCatalog;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.ParamSpec;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code cairn kernels}: the kernels devices can run on this gateway. */
@Command(name = "kernels", mixinStandardHelpOptions = true, description = "List the installed kernels.")
final class KernelsCommand implements Runnable {
  @Override
  public void run() {
    for (Kernel k : KernelCatalog.builtIn().all()) {
      KernelSpec s = k.spec();
      System.out.printf("%s %s  %s%n", s.name(), s.version(), s.summary());
      System.out.printf("  params:  %s%n", s.params().isEmpty() ? "-" : s.params().stream().map(KernelsCommand::param).collect(Collectors.joining(", ")));
      System.out.printf("  inputs:  %s%n", s.inputs().stream().map(InputSpec::name).collect(Collectors.joining(", ")));
      System.out.printf("  outputs: %s%n", s.outputs().stream().map(OutputSpec::name).collect(Collectors.joining(", ")));
    }
  }

  private static String param(ParamSpec p) {
    String type = p.type() == ParamSpec.ParamType.CHOICE ? String.join("|", p.choices()) : p.type().name().toLowerCase();
    return p.name() + " (" + type + (p.required() ? ", required" : ", default " + p.defaultValue()) + ")";
  }
}
