/**
 * The kernel SPI and catalog. A {@link dev.cairn.kernels.Kernel} is a named, versioned computation
 * over float arrays, described by a {@link dev.cairn.kernels.KernelSpec} that admission validates jobs
 * against; a {@link dev.cairn.kernels.Backend} runs it ({@code jvm}: the multi-core CPU). Nothing here
 * depends on Vert.x or on any other Cairn module.
 */
package dev.cairn.kernels;
