package dev.cairn.runtime.fleet;

import dev.cairn.runtime.config.ConfigException;
import java.util.List;

/** A fleet manifest with errors: every one found, each with file, line and setting. */
public final class FleetManifestException extends ConfigException {
  private static final long serialVersionUID = 1L;
  private final List<String> errors;

  public FleetManifestException(List<String> errors) {
    super(String.join("\n", errors));
    this.errors = List.copyOf(errors);
  }

  public List<String> errors() {
    return errors;
  }
}
