/**
 * Observability: Prometheus metrics through Micrometer ({@code GET /metrics}), the live status page
 * ({@code GET /}) and its JSON ({@code GET /v1/status}), and the log line of each refusal.
 */
package dev.cairn.runtime.metrics;
