package dev.cairn.kernels;

import java.util.List;
import java.util.Objects;

/**
 * A scalar parameter of a kernel.
 *
 * @param name the parameter's key in {@code params}
 * @param type number, whole number, or one of a fixed set of words
 * @param defaultValue used when the job leaves the parameter out; {@code null} makes it required
 * @param min smallest allowed value (numbers only)
 * @param max largest allowed value (numbers only)
 * @param choices allowed words ({@link ParamType#CHOICE} only)
 */
public record ParamSpec(
    String name, ParamType type, Object defaultValue, double min, double max, List<String> choices, String doc) {

  public ParamSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    choices = List.copyOf(choices);
  }

  public static ParamSpec number(String name, Double defaultValue, String doc) {
    return new ParamSpec(name, ParamType.NUMBER, defaultValue, -Double.MAX_VALUE, Double.MAX_VALUE, List.of(), doc);
  }

  public static ParamSpec integer(String name, Integer defaultValue, int min, int max, String doc) {
    return new ParamSpec(name, ParamType.INTEGER, defaultValue, min, max, List.of(), doc);
  }

  public static ParamSpec choice(String name, String defaultValue, List<String> choices, String doc) {
    return new ParamSpec(name, ParamType.CHOICE, defaultValue, 0, 0, choices, doc);
  }

  public boolean required() {
    return defaultValue == null;
  }

  public enum ParamType {
    NUMBER,
    INTEGER,
    CHOICE
  }
}
