/** The {@code cairn} command line (picocli): {@code run}, {@code demo}, {@code kernels}. */
package dev.cairn.runtime.cli;
