package dev.cairn.kernels.impl;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.Kernel;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelArgumentException;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.ParamSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Checks a call against the spec (names, types, ranges, finiteness), then the kernel's shape rules. */
abstract class AbstractKernel implements Kernel {
  private final KernelSpec spec;

  AbstractKernel(KernelSpec spec) {
    this.spec = spec;
  }

  @Override
  public final KernelSpec spec() {
    return spec;
  }

  @Override
  public final KernelArgs check(KernelArgs args) {
    Map<String, Object> params = new LinkedHashMap<>();
    for (String name : args.params().keySet()) {
      if (spec.param(name).isEmpty()) {
        throw new KernelArgumentException(
            spec.name() + " has no param '" + name + "'; " + allowedParams());
      }
    }
    for (ParamSpec p : spec.params()) {
      Object v = args.params().get(p.name());
      if (v == null) {
        if (p.required()) {
          throw new KernelArgumentException(spec.name() + " needs param '" + p.name() + "' (" + describe(p) + ")");
        }
        v = p.defaultValue() instanceof Integer i ? Double.valueOf(i) : p.defaultValue();
      }
      params.put(p.name(), checkParam(p, v));
    }
    for (String name : args.inputs().keySet()) {
      if (spec.input(name).isEmpty()) {
        throw new KernelArgumentException(spec.name() + " has no input '" + name + "'; its inputs are " + inputNames());
      }
    }
    for (InputSpec in : spec.inputs()) {
      float[] a = args.inputs().get(in.name());
      if (a == null) {
        throw new KernelArgumentException(spec.name() + " needs input '" + in.name() + "'; its inputs are " + inputNames());
      }
      if (a.length < in.minLength()) {
        throw new KernelArgumentException(
            "input '" + in.name() + "' has " + a.length + " elements; " + spec.name() + " needs at least " + in.minLength());
      }
      for (int i = 0; i < a.length; i++) {
        if (!Float.isFinite(a[i])) {
          throw new KernelArgumentException(
              "input '" + in.name() + "' has " + (Float.isNaN(a[i]) ? "NaN" : a[i] > 0 ? "Infinity" : "-Infinity")
                  + " at index " + i + "; only finite numbers are allowed");
        }
      }
    }
    KernelArgs checked = new KernelArgs(params, args.inputs(), args.mayOverwriteInputs());
    checkShapes(checked);
    return checked;
  }

  /** Kernel-specific relations between inputs and params. */
  abstract void checkShapes(KernelArgs args);

  private Object checkParam(ParamSpec p, Object v) {
    switch (p.type()) {
      case CHOICE -> {
        if (!(v instanceof String s) || !p.choices().contains(s)) {
          throw new KernelArgumentException(
              "param '" + p.name() + "' is " + quote(v) + "; allowed: " + String.join(", ", p.choices()));
        }
        return s;
      }
      case NUMBER, INTEGER -> {
        if (!(v instanceof Number n)) {
          throw new KernelArgumentException("param '" + p.name() + "' is " + quote(v) + "; it must be " + describe(p));
        }
        double d = n.doubleValue();
        if (!Double.isFinite(d)) {
          throw new KernelArgumentException("param '" + p.name() + "' is " + d + "; only finite numbers are allowed");
        }
        if (p.type() == ParamSpec.ParamType.INTEGER && d != Math.rint(d)) {
          throw new KernelArgumentException("param '" + p.name() + "' is " + d + "; it must be a whole number");
        }
        if (d < p.min() || d > p.max()) {
          throw new KernelArgumentException(
              "param '" + p.name() + "' is " + d + "; it must be from " + fmt(p.min()) + " to " + fmt(p.max()));
        }
        return d;
      }
      default -> throw new IllegalStateException(p.type().name());
    }
  }

  private String allowedParams() {
    return spec.params().isEmpty()
        ? "it takes no params"
        : "its params are " + spec.params().stream().map(ParamSpec::name).collect(Collectors.joining(", "));
  }

  private String inputNames() {
    return spec.inputs().stream().map(InputSpec::name).collect(Collectors.joining(", "));
  }

  private static String describe(ParamSpec p) {
    return switch (p.type()) {
      case NUMBER -> "a number";
      case INTEGER -> "a whole number from " + fmt(p.min()) + " to " + fmt(p.max());
      case CHOICE -> "one of " + String.join(", ", p.choices());
    };
  }

  private static String quote(Object v) {
    return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  /** {@code n} floats uniform in [-1, 1), for samples. */
  static float[] randomFloats(int n, java.util.Random random) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextFloat() * 2 - 1;
    }
    return v;
  }
}
