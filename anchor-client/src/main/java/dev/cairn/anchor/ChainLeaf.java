package dev.cairn.anchor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cairn.anchor.impl.Cbor;
import dev.cairn.anchor.impl.Hashes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The leaf a gateway journals for its device's job that another gateway ran: canonical CBOR of
 * {@code {"v": 1, "t": "offload", "gw", "dev", "job", "k", "out", "done", "ex": [{"gw", "leaf"}]}}, where
 * {@code out} is the output commitment made with the executing gateway's salt (so it equals that gateway's
 * own leaf's {@code out}) and each {@code ex} names an executing gateway and the RFC 9162 hash of its own
 * leaf of the job. Its {@code "t"} keeps it out of job metering here: the job's work was done elsewhere.
 */
public final class ChainLeaf {
  public static final String TYPE = "offload";
  private static final CBORMapper CBOR = new CBORMapper();

  private ChainLeaf() {}

  /** An executing gateway and the hash of its leaf of the job. */
  public record Link(String gateway, byte[] leafHash) {}

  /** What a chain leaf says. */
  public record Parsed(String gateway, String deviceId, String jobId, String kernel, byte[] outputCommitment, long completedMillis,
      List<Link> executed) {}

  /**
   * The leaf of {@code gateway} for its device's job run by the gateways of {@code executed}.
   *
   * @param salt the executing gateway's salt, as its answer gave it
   */
  public static byte[] leaf(String gateway, String deviceId, String jobId, String kernel, Map<String, Object> outputs, byte[] salt,
      long completedMillis, List<Link> executed) {
    if (executed.isEmpty()) {
      throw new IllegalArgumentException("a chain leaf names at least one executing gateway");
    }
    Map<String, Object> m = new TreeMap<>();
    m.put("v", 1L);
    m.put("t", TYPE);
    m.put("gw", gateway);
    m.put("dev", deviceId);
    m.put("job", jobId);
    m.put("k", kernel);
    m.put("out", Hashes.sha256(salt, Canonical.outputBytes(outputs)));
    m.put("done", completedMillis);
    List<Object> ex = new ArrayList<>();
    for (Link l : executed) {
      ex.add(new TreeMap<>(Map.of("gw", l.gateway(), "leaf", l.leafHash())));
    }
    m.put("ex", ex);
    return Cbor.encode(m);
  }

  /** The chain leaf in {@code leaf}, or empty when it is another kind of leaf (or not CBOR). */
  public static Optional<Parsed> parse(byte[] leaf) {
    try {
      JsonNode n = CBOR.readTree(leaf);
      if (n == null || !n.isObject() || n.path("v").asInt() != 1 || !TYPE.equals(n.path("t").asText())
          || !n.path("out").isBinary() || !n.path("ex").isArray()) {
        return Optional.empty();
      }
      List<Link> links = new ArrayList<>();
      for (JsonNode e : n.path("ex")) {
        if (!e.path("gw").isTextual() || !e.path("leaf").isBinary()) {
          return Optional.empty();
        }
        links.add(new Link(e.path("gw").asText(), e.path("leaf").binaryValue()));
      }
      return Optional.of(new Parsed(n.path("gw").asText(), n.path("dev").asText(), n.path("job").asText(), n.path("k").asText(),
          n.path("out").binaryValue(), n.path("done").asLong(), links));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
