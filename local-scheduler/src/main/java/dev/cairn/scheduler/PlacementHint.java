package dev.cairn.scheduler;

import java.util.Map;

/**
 * Where a device asks its job to run ({@code "placement"} in the request): on one gateway by id, or on
 * a gateway whose labels include all of {@code labels}. The gateway the device talks to decides; the
 * result names the gateways that ran it.
 *
 * @param gateway a gateway id, or null for any
 * @param labels labels the executing gateway must have; empty for any
 */
public record PlacementHint(String gateway, Map<String, String> labels) {
  public PlacementHint {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
