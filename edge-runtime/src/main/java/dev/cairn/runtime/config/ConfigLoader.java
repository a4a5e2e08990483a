package dev.cairn.runtime.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Reads {@code gateway.yaml}. Errors name the file, line, column and dotted setting. */
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);

  private ConfigLoader() {}

  /** The embedded defaults. */
  public static GatewayConfig defaults() {
    return new GatewayConfig();
  }

  public static GatewayConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e.getMessage(), e);
    }
    return parse(file.toString(), text);
  }

  /** Reads settings from text (YAML or JSON); errors name {@code fileName}. */
  public static GatewayConfig parse(String fileName, String text) {
    GatewayConfig config = new GatewayConfig();
    if (text.isBlank()) {
      return config;
    }
    try {
      YAML.readerForUpdating(config).readValue(text);
      return config;
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(
          where(fileName, e.getLocation()) + ": unknown setting '" + path(e) + "'; allowed here: "
              + names(e.getKnownPropertyIds()));
    } catch (JsonMappingException e) {
      String reason = rootMessage(e);
      throw new ConfigException(where(fileName, e.getLocation()) + ": setting '" + path(e) + "' " + reason);
    } catch (JsonProcessingException e) {
      throw new ConfigException(where(fileName, e.getLocation()) + ": not valid YAML: " + e.getOriginalMessage());
    }
  }

  /**
   * Applies the settings object the parser is at (its START_OBJECT) onto {@code config}; errors name
   * {@code fileName}, the line in it, and the setting prefixed with {@code prefix}.
   */
  public static void apply(String fileName, com.fasterxml.jackson.core.JsonParser parser, GatewayConfig config, String prefix) {
    try {
      YAML.readerForUpdating(config).readValue(parser);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(
          where(fileName, e.getLocation()) + ": unknown setting '" + prefix + path(e) + "'; allowed here: "
              + names(e.getKnownPropertyIds()));
    } catch (JsonMappingException e) {
      throw new ConfigException(where(fileName, e.getLocation()) + ": setting '" + prefix + path(e) + "' " + rootMessage(e));
    } catch (IOException e) {
      throw new ConfigException(fileName + ": not valid YAML: " + e.getMessage());
    }
  }

  /** The YAML mapper gateway.yaml is read with (strict: unknown settings and wrong types are errors). */
  public static ObjectMapper yaml() {
    return YAML;
  }

  private static String where(String fileName, JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return fileName;
    }
    return fileName + ":" + loc.getLineNr() + ":" + loc.getColumnNr();
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }

  private static String names(Collection<Object> ids) {
    return String.join(", ", new TreeSet<>(ids.stream().map(String::valueOf).toList()));
  }

  private static String rootMessage(JsonMappingException e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    if (t instanceof IllegalArgumentException) {
      return t.getMessage();
    }
    String msg = e.getOriginalMessage();
    // Jackson's own type messages name Java types; say it in the file's terms instead.
    if (msg.contains("Cannot deserialize value of type `int`")
        || msg.contains("Cannot deserialize value of type `long`")) {
      return "must be a whole number";
    }
    java.util.regex.Matcher coerce = java.util.regex.Pattern.compile("Cannot coerce (\\w+) value \\(([^)]*)\\) to `(\\w+)`").matcher(msg);
    if (coerce.find()) {
      String wanted = switch (coerce.group(3)) {
        case "int", "long", "java" -> "a whole number";
        case "boolean" -> "true or false";
        case "double", "float" -> "a number";
        default -> "a " + coerce.group(3);
      };
      return "must be " + wanted + ", was " + coerce.group(1).toLowerCase(java.util.Locale.ROOT) + " " + coerce.group(2);
    }
    if (msg.contains("Cannot coerce")) {
      return "has the wrong type: " + msg.replaceAll("\\s*\\(.*", "");
    }
    return "is invalid: " + msg;
  }
}
