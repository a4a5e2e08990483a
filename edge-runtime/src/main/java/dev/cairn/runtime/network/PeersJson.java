package dev.cairn.runtime.network;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** The peers as {@code GET /v1/peers} gives them: a JSON array, one object a pinned peer. */
public final class PeersJson {
  private PeersJson() {}

  /** The array for {@code node}; empty when the gateway has no network. */
  public static JsonArray of(NetworkNode node) {
    JsonArray out = new JsonArray();
    if (node == null) {
      return out;
    }
    for (PeerTable.Peer p : node.peers().peers()) {
      JsonObject o = new JsonObject()
          .put("id", p.id())
          .put("state", p.state().label())
          .put("load", Math.round(p.load() * 1000) / 1000.0)
          .put("latencyMs", p.latencyMs() < 0 ? null : Math.round(p.latencyMs() * 100) / 100.0)
          .put("score", Math.round(p.score() * 1000) / 1000.0)
          .put("answered", p.answered())
          .put("timedOut", p.timedOut())
          .put("agreed", p.agreed())
          .put("contradicted", p.contradicted())
          .put("runMs", p.runMs() < 0 ? null : Math.round(p.runMs() * 100) / 100.0)
          .put("heardAt", p.heardAtMillis() < 0 ? null : Instant.ofEpochMilli(p.heardAtMillis()).toString());
      Announcement a = p.last();
      if (a != null) {
        o.put("queueLength", a.queueLength()).put("freeCapacity", a.freeCapacity()).put("running", a.running())
            .put("kernels", new JsonObject(new java.util.TreeMap<>(a.kernels())))
            .put("backends", new JsonArray(a.backends()))
            .put("labels", new JsonObject(new java.util.TreeMap<>(a.labels())))
            .put("software", a.software());
      }
      if (p.quarantineReason() != null) {
        o.put("quarantineReason", p.quarantineReason());
      }
      out.add(o);
    }
    return out;
  }
}
