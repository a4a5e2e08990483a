package dev.cairn.adapters.codec;

import java.util.Locale;
import java.util.Optional;

/** The two encodings of JobRequest and JobResult. */
public enum PayloadFormat {
  JSON("application/json", 50),
  CBOR("application/cbor", 60);

  private final String contentType;
  private final int coapContentFormat;

  PayloadFormat(String contentType, int coapContentFormat) {
    this.contentType = contentType;
    this.coapContentFormat = coapContentFormat;
  }

  public String contentType() {
    return contentType;
  }

  public int coapContentFormat() {
    return coapContentFormat;
  }

  /** The format named by an MQTT 5 content type, ignoring parameters such as {@code ;charset=utf-8}. */
  public static Optional<PayloadFormat> ofContentType(String contentType) {
    if (contentType == null) {
      return Optional.empty();
    }
    String base = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    for (PayloadFormat f : values()) {
      if (f.contentType.equals(base)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  /**
   * Guesses the format of a payload that came without a content type: JSON starts with '{' (after
   * white space); anything else is taken as CBOR.
   */
  public static PayloadFormat sniff(byte[] payload) {
    for (byte b : payload) {
      if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
        continue;
      }
      return b == '{' ? JSON : CBOR;
    }
    return JSON;
  }
}
