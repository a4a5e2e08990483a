package dev.cairn.kernels;

/**
 * A job's parameters or inputs do not fit the kernel. The message says what is wrong and what is
 * allowed, in words a firmware developer can act on.
 */
public class KernelArgumentException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public KernelArgumentException(String message) {
    super(message);
  }
}
