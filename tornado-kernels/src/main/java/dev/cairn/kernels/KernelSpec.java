package dev.cairn.kernels;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a kernel accepts and returns: its name and version, typed parameters, input arrays and outputs.
 * Admission validates every job against this before the kernel runs.
 */
public record KernelSpec(
    String name,
    String version,
    String summary,
    List<ParamSpec> params,
    List<InputSpec> inputs,
    List<OutputSpec> outputs) {

  public KernelSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(summary, "summary");
    params = List.copyOf(params);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  public Optional<ParamSpec> param(String paramName) {
    return params.stream().filter(p -> p.name().equals(paramName)).findFirst();
  }

  public Optional<InputSpec> input(String inputName) {
    return inputs.stream().filter(i -> i.name().equals(inputName)).findFirst();
  }

  /** {@code name@version}, as kernels are named in logs and receipts. */
  public String qualifiedName() {
    return name + "@" + version;
  }
}
