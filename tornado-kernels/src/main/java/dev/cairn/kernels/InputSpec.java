package dev.cairn.kernels;

import java.util.Objects;

/**
 * An input array of a kernel. Every input is a one-dimensional array of 32-bit floats; matrices are
 * row-major. Non-finite values (NaN, infinities) are refused at admission.
 *
 * @param minLength fewest elements allowed (shape relations between inputs are checked by the kernel)
 */
public record InputSpec(String name, int minLength, String doc) {
  public InputSpec {
    Objects.requireNonNull(name, "name");
    if (minLength < 0) {
      throw new IllegalArgumentException("minLength must not be negative");
    }
  }
}
