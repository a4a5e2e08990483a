package dev.cairn.runtime.fleet;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.runtime.config.ConfigException;
import dev.cairn.runtime.config.ConfigLoader;
import dev.cairn.runtime.config.GatewayConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A fleet manifest ({@code apiVersion: cairn.dev/v1}, {@code kind: Fleet}): fleet-wide defaults of any
 * gateway setting, the gateways with their labels, and overrides selected by gateway id or by labels,
 * applied in order. {@link #resolve} gives each gateway's effective configuration.
 *
 * <pre>
 * apiVersion: cairn.dev/v1
 * kind: Fleet
 * metadata: {name: plant-7, version: 3}
 * defaults: {limits: {queueCapacity: 4096}, anchor: {sinks: [local]}}
 * gateways:
 *   - {id: gw-north-1, labels: {site: north}}
 * overrides:
 *   - selector: {labels: {site: north}}
 *     settings: {batch: {maxLeaves: 500}}
 * </pre>
 */
public final class FleetManifest {
  public static final String API_VERSION = "cairn.dev/v1";
  public static final String KIND = "Fleet";
  static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata", "defaults", "gateways", "overrides");
  static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final long version;
  private final ObjectNode defaults;
  private final Map<String, Map<String, String>> gateways;
  private final List<Override> overrides;

  /** An override: gateways with this id, or with all these labels, get these settings. */
  record Override(String id, Map<String, String> labels, ObjectNode settings) {
    boolean matches(String gatewayId, Map<String, String> gatewayLabels) {
      if (id != null) {
        return id.equals(gatewayId);
      }
      return labels.entrySet().stream().allMatch(e -> e.getValue().equals(gatewayLabels.get(e.getKey())));
    }
  }

  private FleetManifest(String name, long version, ObjectNode defaults, Map<String, Map<String, String>> gateways,
      List<Override> overrides) {
    this.name = name;
    this.version = version;
    this.defaults = defaults;
    this.gateways = gateways;
    this.overrides = overrides;
  }

  public String name() {
    return name;
  }

  public long version() {
    return version;
  }

  /** Gateway ids in manifest order. */
  public List<String> gatewayIds() {
    return List.copyOf(gateways.keySet());
  }

  /** Reads and checks a manifest file. */
  public static FleetManifest load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e.getMessage());
    }
    return parse(file.toString(), text);
  }

  /**
   * Checks a manifest and returns it.
   *
   * @throws FleetManifestException listing every error found, each with file, line and setting
   */
  public static FleetManifest parse(String fileName, String text) {
    List<String> errors = new ArrayList<>();
    Map<String, JsonLocation> lines = new HashMap<>();
    JsonNode root;
    try {
      root = ConfigLoader.yaml().readTree(text);
      // Second pass over the tokens: where each field is, and which settings the settings blocks hold.
      List<String> settings = new ArrayList<>();
      try (JsonParser p = ConfigLoader.yaml().getFactory().createParser(text)) {
        JsonToken t;
        while ((t = p.nextToken()) != null) {
          String at = p.getParsingContext().pathAsPointer().toString();
          if (t == JsonToken.FIELD_NAME) {
            lines.put(at, p.currentTokenLocation());
            String parent = at.substring(0, at.lastIndexOf('/'));
            String grandParent = parent.isEmpty() ? "" : parent.substring(0, parent.lastIndexOf('/'));
            // Each setting and each field of a section is checked on its own, so that every error shows.
            if (isSettings(parent) || isSettings(grandParent)) {
              settings.add(at);
            }
          }
        }
      }
      java.util.Set<String> seen = new java.util.LinkedHashSet<>();
      for (String ptr : settings) {
        if (settings.stream().anyMatch(other -> other.startsWith(ptr + "/"))) {
          continue; // a section: its fields are checked one by one
        }
        String block = isSettings(ptr.substring(0, ptr.lastIndexOf('/'))) ? ptr.substring(0, ptr.lastIndexOf('/'))
            : ptr.substring(0, ptr.lastIndexOf('/', ptr.lastIndexOf('/') - 1));
        String prefix = block.substring(1).replace('/', '.').replaceAll("\\.(\\d+)", "[$1]") + ".";
        try (JsonParser p = new com.fasterxml.jackson.core.filter.FilteringParserDelegate(
            ConfigLoader.yaml().getFactory().createParser(text), new com.fasterxml.jackson.core.filter.JsonPointerBasedFilter(ptr),
            com.fasterxml.jackson.core.filter.TokenFilter.Inclusion.INCLUDE_ALL_AND_PATH, false)) {
          // Down to the settings block: the filtered parser names the block's own pointer at the field
          // that opens it, and the block's START_OBJECT comes next.
          JsonToken t;
          while ((t = p.nextToken()) != null && !(t == JsonToken.FIELD_NAME && p.getParsingContext().pathAsPointer().toString().equals(block))) {
            // skip the path above the block
          }
          if (t != null && p.nextToken() == JsonToken.START_OBJECT) {
            ConfigLoader.apply(fileName, p, new GatewayConfig(), prefix);
          }
        } catch (ConfigException e) {
          if (seen.add(e.getMessage())) {
            errors.add(e.getMessage());
          }
        }
      }
    } catch (IOException e) {
      throw new FleetManifestException(List.of(fileName + ": not valid YAML: " + e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new FleetManifestException(List.of(fileName + ": a fleet manifest is a mapping with apiVersion, kind, metadata, gateways"));
    }
    Where where = (ptr, msg) -> errors.add(at(fileName, lines.get(ptr)) + ": " + msg);
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!TOP.contains(f)) {
        where.add("/" + f, "unknown field '" + f + "'; allowed: " + String.join(", ", new java.util.TreeSet<>(TOP)));
      }
    }
    if (!API_VERSION.equals(root.path("apiVersion").asText(null))) {
      where.add("/apiVersion", "apiVersion must be " + API_VERSION + ", was " + root.path("apiVersion"));
    }
    if (!KIND.equals(root.path("kind").asText(null))) {
      where.add("/kind", "kind must be " + KIND + ", was " + root.path("kind"));
    }
    JsonNode meta = root.path("metadata");
    String name = meta.path("name").asText("");
    if (!ID.matcher(name).matches()) {
      where.add("/metadata/name", "metadata.name must be 1 to 64 letters, digits or _.:-, was " + meta.path("name"));
    }
    JsonNode v = meta.path("version");
    long version = v.canConvertToLong() && v.isIntegralNumber() ? v.asLong() : -1;
    if (version < 1) {
      where.add("/metadata/version", "metadata.version must be a whole number from 1 up (raise it with every change), was " + v);
    }
    for (Iterator<String> it = meta.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("name") && !f.equals("version")) {
        where.add("/metadata/" + f, "unknown field 'metadata." + f + "'; allowed: name, version");
      }
    }
    ObjectNode defaults = settings(root.get("defaults"), "/defaults", where);
    Map<String, Map<String, String>> gateways = new LinkedHashMap<>();
    JsonNode gws = root.path("gateways");
    if (!gws.isArray() || gws.isEmpty()) {
      where.add("/gateways", "gateways must list at least one gateway ({id, labels})");
    } else {
      for (int i = 0; i < gws.size(); i++) {
        JsonNode g = gws.get(i);
        String ptr = "/gateways/" + i;
        String id = g.path("id").asText("");
        if (!ID.matcher(id).matches()) {
          where.add(ptr + "/id", "gateways[" + i + "].id must be 1 to 64 letters, digits or _.:-, was " + g.path("id"));
          continue;
        }
        for (Iterator<String> it = g.fieldNames(); it.hasNext(); ) {
          String f = it.next();
          if (!f.equals("id") && !f.equals("labels")) {
            where.add(ptr + "/" + f, "unknown field 'gateways[" + i + "]." + f + "'; allowed: id, labels");
          }
        }
        Map<String, String> labels = labels(g.get("labels"), ptr + "/labels", "gateways[" + i + "].labels", where);
        if (gateways.put(id, labels) != null) {
          where.add(ptr + "/id", "gateway '" + id + "' is listed twice");
        }
      }
    }
    List<Override> overrides = new ArrayList<>();
    JsonNode ovs = root.path("overrides");
    if (!ovs.isMissingNode() && !ovs.isArray()) {
      where.add("/overrides", "overrides must be a list of {selector, settings}");
    }
    for (int i = 0; ovs.isArray() && i < ovs.size(); i++) {
      JsonNode o = ovs.get(i);
      String ptr = "/overrides/" + i;
      JsonNode sel = o.path("selector");
      String id = sel.has("id") ? sel.get("id").asText() : null;
      boolean byLabels = sel.has("labels");
      if ((id == null) == !byLabels || sel.size() != 1) {
        where.add(ptr + "/selector", "overrides[" + i + "].selector must be either {id: GATEWAY} or {labels: {key: value}}");
        continue;
      }
      if (id != null && !gateways.containsKey(id)) {
        where.add(ptr + "/selector", "overrides[" + i + "] selects gateway '" + id + "', which is not in gateways");
      }
      Map<String, String> labels = byLabels ? labels(sel.get("labels"), ptr + "/selector/labels", "overrides[" + i + "].selector.labels", where) : Map.of();
      ObjectNode s = settings(o.get("settings"), ptr + "/settings", where);
      for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!f.equals("selector") && !f.equals("settings")) {
          where.add(ptr + "/" + f, "unknown field 'overrides[" + i + "]." + f + "'; allowed: selector, settings");
        }
      }
      overrides.add(new Override(id, labels, s));
    }
    FleetManifest m = new FleetManifest(name, version, defaults, gateways, overrides);
    if (errors.isEmpty()) {
      // Each gateway's combination must hold together too (e.g. both halves of an X.509 setting).
      for (String id : gateways.keySet()) {
        try {
          ConfigLoader.parse(fileName + " (resolved for " + id + ")", m.resolve(id).toString());
        } catch (ConfigException e) {
          errors.add(e.getMessage());
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new FleetManifestException(errors);
    }
    return m;
  }

  /** Adds an error at a JSON pointer of the manifest. */
  @FunctionalInterface
  interface Where {
    void add(String pointer, String message);
  }

  private static boolean isSettings(String pointer) {
    return pointer.equals("/defaults") || pointer.matches("/overrides/\\d+/settings");
  }

  private static ObjectNode settings(JsonNode node, String ptr, Where where) {
    if (node == null || node.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!node.isObject()) {
      where.add(ptr, ptr.substring(1).replace('/', '.') + " must be a mapping of gateway settings");
      return JsonNodeFactory.instance.objectNode();
    }
    if (node.has("gatewayId")) {
      where.add(ptr, ptr.substring(1).replace('/', '.') + ".gatewayId is not a fleet setting: each gateway's id comes from gateways[].id");
    }
    return (ObjectNode) node;
  }

  private static Map<String, String> labels(JsonNode node, String ptr, String name, Where where) {
    Map<String, String> labels = new TreeMap<>();
    if (node == null || node.isNull()) {
      return labels;
    }
    if (!node.isObject()) {
      where.add(ptr, name + " must be a mapping of label names to values");
      return labels;
    }
    node.fields().forEachRemaining(e -> {
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        where.add(ptr + "/" + e.getKey(), name + "." + e.getKey() + " must be a single value");
      } else {
        labels.put(e.getKey(), e.getValue().asText());
      }
    });
    return labels;
  }

  private static String at(String fileName, JsonLocation loc) {
    return loc == null || loc.getLineNr() < 1 ? fileName : fileName + ":" + loc.getLineNr() + ":" + loc.getColumnNr();
  }

  /** The effective settings of one gateway: the defaults, then every matching override in order. */
  public ObjectNode resolve(String gatewayId) {
    Map<String, String> labels = gateways.get(gatewayId);
    if (labels == null) {
      throw new IllegalArgumentException("gateway '" + gatewayId + "' is not in fleet " + name + "; it lists " + gateways.keySet());
    }
    ObjectNode out = defaults.deepCopy();
    for (Override o : overrides) {
      if (o.matches(gatewayId, labels)) {
        merge(out, o.settings());
      }
    }
    out.put("gatewayId", gatewayId);
    return sorted(out);
  }

  /** SHA-256 of a gateway's effective settings: what its status reports as {@code configSha256}. */
  public String settingsSha256(String gatewayId) {
    return SignedConfig.sha256Of(resolve(gatewayId));
  }

  /** Mappings merge key by key; anything else (numbers, text, lists) is replaced. */
  static void merge(ObjectNode into, ObjectNode from) {
    from.fields().forEachRemaining(e -> {
      JsonNode mine = into.get(e.getKey());
      if (mine instanceof ObjectNode m && e.getValue() instanceof ObjectNode f) {
        merge(m, f);
      } else {
        into.set(e.getKey(), e.getValue().deepCopy());
      }
    });
  }

  /** A copy with every mapping's keys sorted, so equal settings serialize to equal bytes. */
  static ObjectNode sorted(ObjectNode node) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    new TreeMap<String, JsonNode>(toMap(node)).forEach((k, v) -> out.set(k, v instanceof ObjectNode o ? sorted(o) : v));
    return out;
  }

  private static Map<String, JsonNode> toMap(ObjectNode node) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
    return m;
  }
}
