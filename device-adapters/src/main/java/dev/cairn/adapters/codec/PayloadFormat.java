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
   * Guesses the format of a payload that came without a content type: a job is a map, and a CBOR map
   * starts with a byte from 0xa0 to 0xbf (major type 5); anything else is read as JSON, so that a
   * stray text payload gets its error back in readable JSON.
   */
  public static PayloadFormat sniff(byte[] payload) {
    if (payload.length > 0 && (payload[0] & 0xe0) == 0xa0) {
      return CBOR;
    }
    return JSON;
  }
}
