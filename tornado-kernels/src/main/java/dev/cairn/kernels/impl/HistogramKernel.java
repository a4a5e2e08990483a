package dev.cairn.kernels.impl;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelArgumentException;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.Parallel;
import dev.cairn.kernels.ParamSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code image.histogram}: values into N equal bins over [min, max]; the max goes into the last bin. */
final class HistogramKernel extends AbstractKernel {
  static final int GRAIN = 1 << 16;

  HistogramKernel() {
    super(new KernelSpec(
        "image.histogram", "1.0.0", "counts of values in N equal bins over [min, max]",
        List.of(
            ParamSpec.integer("bins", 16, 1, 65_536, "number of bins"),
            ParamSpec.number("min", 0.0, "lower edge of the first bin"),
            ParamSpec.number("max", 255.0, "upper edge of the last bin (inclusive)")),
        List.of(new InputSpec("x", 1, "values")),
        List.of(
            new OutputSpec("counts", OutputSpec.Kind.I32_ARRAY, "count per bin"),
            new OutputSpec("outside", OutputSpec.Kind.I64, "values below min or above max"))));
  }

  @Override
  void checkShapes(KernelArgs args) {
    if (!(args.number("min") < args.number("max"))) {
      throw new KernelArgumentException("param 'min' (" + args.number("min") + ") must be less than 'max' (" + args.number("max") + ")");
    }
  }

  @Override
  public Map<String, Object> run(KernelArgs args, Parallel parallel) {
    float[] x = args.input("x");
    int bins = (int) args.number("bins");
    double min = args.number("min");
    double max = args.number("max");
    int chunks = Parallel.chunkCount(x.length, GRAIN);
    int[] partial = new int[chunks * bins];
    long[] outside = new long[chunks];
    parallel.forRange(x.length, GRAIN,
        (from, to) -> ImageKernels.histogram(x, min, max, bins, partial, outside, from / GRAIN, from, to));
    int[] counts = new int[bins];
    long out = 0;
    for (int c = 0; c < chunks; c++) {
      for (int b = 0; b < bins; b++) {
        counts[b] += partial[c * bins + b];
      }
      out += outside[c];
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("counts", counts);
    result.put("outside", out);
    return result;
  }
}
