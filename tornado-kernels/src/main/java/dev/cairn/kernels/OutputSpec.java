package dev.cairn.kernels;

import java.util.Objects;

/** An output of a kernel, with the Java type a backend returns for it. */
public record OutputSpec(String name, Kind kind, String doc) {
  public OutputSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
  }

  public enum Kind {
    /** {@code float[]} */
    F32_ARRAY,
    /** {@code int[]} */
    I32_ARRAY,
    /** {@code Double} */
    F64,
    /** {@code Long} */
    I64
  }
}
