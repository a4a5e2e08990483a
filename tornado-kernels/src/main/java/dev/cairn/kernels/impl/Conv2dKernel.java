package dev.cairn.kernels.impl;

import dev.cairn.kernels.InputSpec;
import dev.cairn.kernels.KernelArgs;
import dev.cairn.kernels.KernelArgumentException;
import dev.cairn.kernels.KernelSpec;
import dev.cairn.kernels.OutputSpec;
import dev.cairn.kernels.Parallel;
import dev.cairn.kernels.ParamSpec;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** {@code image.conv2d}: 3×3 or 5×5 filter over a row-major grayscale image, edges clamped. */
final class Conv2dKernel extends AbstractKernel {
  static final int WORK_PER_CHUNK = 1 << 16;

  Conv2dKernel() {
    super(new KernelSpec(
        "image.conv2d", "1.0.0", "3x3 or 5x5 filter over a row-major grayscale image, edges clamped",
        List.of(ParamSpec.integer("width", null, 1, 1 << 20, "image width in pixels; height = length / width")),
        List.of(new InputSpec("image", 1, "pixels, row-major"), new InputSpec("filter", 9, "3x3 or 5x5 weights, row-major")),
        List.of(new OutputSpec("image", OutputSpec.Kind.F32_ARRAY, "filtered image, same size"))));
  }

  @Override
  void checkShapes(KernelArgs args) {
    int len = args.input("image").length;
    int w = (int) args.number("width");
    if (len % w != 0) {
      throw new KernelArgumentException("input 'image' has " + len + " pixels, not a whole number of rows of width " + w);
    }
    int f = args.input("filter").length;
    if (f != 9 && f != 25) {
      throw new KernelArgumentException("input 'filter' has " + f + " weights; a 3x3 filter has 9, a 5x5 filter 25");
    }
  }

  @Override
  public Map<String, Object> run(KernelArgs args, Parallel parallel) {
    float[] img = args.input("image");
    float[] filter = args.input("filter");
    int w = (int) args.number("width");
    int h = img.length / w;
    int k = filter.length == 9 ? 3 : 5;
    float[] out = new float[img.length];
    int rows = Math.max(1, WORK_PER_CHUNK / (w * k * k));
    parallel.forRange(h, rows, (from, to) -> ImageKernels.conv2d(img, w, h, filter, k, out, from, to));
    return Map.of("image", out);
  }

  @Override
  public KernelArgs sample(int elements, Random random) {
    int side = Math.max(1, (int) Math.sqrt(elements));
    return check(new KernelArgs(Map.of("width", (double) side), Map.of("image", AbstractKernel.randomFloats(side * side, random),
        "filter", AbstractKernel.randomFloats(9, random))));
  }
}
