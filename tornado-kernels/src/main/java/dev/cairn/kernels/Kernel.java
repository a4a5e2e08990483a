package dev.cairn.kernels;

import java.util.Map;

/**
 * A computation a device may ask for by name. Implementations are stateless; the arithmetic lives in
 * static, allocation-free methods over primitive arrays (TornadoVM's style), which a {@link Backend}
 * runs over index ranges.
 */
public interface Kernel {

  KernelSpec spec();

  /**
   * Checks a call against the spec and the kernel's shape rules, and returns the arguments with
   * defaults filled in.
   *
   * @throws KernelArgumentException naming what is wrong and what is allowed
   */
  KernelArgs check(KernelArgs args);

  /**
   * Runs the kernel on checked arguments. {@code parallel} splits index ranges over the backend's
   * threads; a kernel must give the same bytes whatever the number of threads.
   *
   * @return outputs in spec order, typed as {@link OutputSpec.Kind} says
   */
  Map<String, Object> run(KernelArgs args, Parallel parallel);

  /**
   * A checked call of about {@code elements} input elements with random inputs, for calibrating where
   * the kernel runs fastest; null when the kernel offers none (it is then never calibrated).
   */
  default KernelArgs sample(int elements, java.util.Random random) {
    return null;
  }
}
