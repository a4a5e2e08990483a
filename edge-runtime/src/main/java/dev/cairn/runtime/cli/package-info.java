/**
 * The {@code cairn} command line (picocli): {@code run}, {@code demo}, {@code kernels}, {@code devices},
 * {@code fleet}, {@code verify}, {@code credentials} and {@code bench}.
 */
package dev.cairn.runtime.cli;
