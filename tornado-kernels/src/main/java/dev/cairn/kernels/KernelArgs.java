package dev.cairn.kernels;

import java.util.Map;
import java.util.Objects;

/**
 * The decoded arguments of one kernel call: scalar parameters ({@link Double} for numbers and whole
 * numbers, {@link String} for choices) and float input arrays. Defaults are applied by
 * {@link Kernel#check}.
 */
public record KernelArgs(Map<String, Object> params, Map<String, float[]> inputs) {
  public KernelArgs {
    params = Map.copyOf(Objects.requireNonNull(params, "params"));
    inputs = Map.copyOf(Objects.requireNonNull(inputs, "inputs"));
  }

  public float[] input(String name) {
    float[] a = inputs.get(name);
    if (a == null) {
      throw new KernelArgumentException("input '" + name + "' is missing");
    }
    return a;
  }

  public double number(String name) {
    Object v = params.get(name);
    if (!(v instanceof Number n)) {
      throw new KernelArgumentException("param '" + name + "' must be a number");
    }
    return n.doubleValue();
  }

  public String choice(String name) {
    Object v = params.get(name);
    if (!(v instanceof String s)) {
      throw new KernelArgumentException("param '" + name + "' must be a string");
    }
    return s;
  }

  /** Total number of input elements, for size limits and cost estimates. */
  public long elementCount() {
    long n = 0;
    for (float[] a : inputs.values()) {
      n += a.length;
    }
    return n;
  }
}
