/** {@code gateway.yaml}: typed settings with embedded defaults, checked once at start with file:line errors. */
package dev.cairn.runtime.config;
