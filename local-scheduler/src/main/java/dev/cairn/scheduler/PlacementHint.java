package dev.cairn.scheduler;

import java.util.Map;

/**
 * Where a device asks its job to run ({@code "placement"} in the request): on one gateway by id, or on
 * a gateway whose labels include all of {@code labels}; and on how many ({@code "replicas"}, with
 * {@code "quorum"} of them agreeing). The gateway the device talks to decides; the result names the
 * gateways that ran it.
 *
 * @param gateway a gateway id, or null for any
 * @param labels labels the executing gateways must have; empty for any
 * @param replicas distinct gateways that run the job, 1 for one
 * @param quorum how many of their outputs must be the same, bit for bit, for the result to be delivered
 */
public record PlacementHint(String gateway, Map<String, String> labels, int replicas, int quorum) {
  public static final int MAX_REPLICAS = 5;

  public PlacementHint {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    if (replicas < 1 || replicas > MAX_REPLICAS || quorum < 1 || quorum > replicas) {
      throw new IllegalArgumentException("replicas must be 1 to " + MAX_REPLICAS + " and quorum 1 to replicas, were "
          + replicas + " and " + quorum);
    }
  }

  /** One gateway, by id or labels. */
  public PlacementHint(String gateway, Map<String, String> labels) {
    this(gateway, labels, 1, 1);
  }

  /** The quorum of {@code replicas} when the device names none: a majority. */
  public static int majority(int replicas) {
    return replicas / 2 + 1;
  }
}
