package dev.cairn.kernels;

import java.util.Map;
import java.util.Objects;

/**
 * The decoded arguments of one kernel call: scalar parameters ({@link Double} for numbers and whole
 * numbers, {@link String} for choices) and float input arrays. Defaults are applied by
 * {@link Kernel#check}.
 *
 * @param mayOverwriteInputs whether the kernel may write an output into an input array of the same
 *     length instead of a new one (saves allocating, zeroing and writing fresh memory, which is most of
 *     the time of a streaming kernel): only when the arrays belong to this call alone and nothing reads
 *     them after it. False unless asked for with {@link #givingInputsOver()}.
 */
public record KernelArgs(Map<String, Object> params, Map<String, float[]> inputs, boolean mayOverwriteInputs) {
  public KernelArgs {
    params = Map.copyOf(Objects.requireNonNull(params, "params"));
    inputs = Map.copyOf(Objects.requireNonNull(inputs, "inputs"));
  }

  /** Arguments whose input arrays the kernel must leave as they are. */
  public KernelArgs(Map<String, Object> params, Map<String, float[]> inputs) {
    this(params, inputs, false);
  }

  /** The same arguments, with the input arrays given over to the kernel to overwrite. */
  public KernelArgs givingInputsOver() {
    return new KernelArgs(params, inputs, true);
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
