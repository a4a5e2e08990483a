package dev.cairn.adapters.codec.impl;

/**
 * Device text as the codec checks and writes it. A JSON escape of a lone surrogate (backslash, u, D800
 * to DFFF), or its three-byte form in a CBOR text string, decodes to an unpaired surrogate: a Java
 * string holds it, but UTF-8 has no encoding for it, so Jackson's generators refuse to write it and
 * {@code getBytes(UTF_8)} turns it into {@code '?'}.
 */
final class Text {
  private Text() {}

  /** Index of the first unpaired surrogate, or -1 when {@code s} is well-formed Unicode. */
  static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /** {@code s} with each unpaired surrogate replaced by U+FFFD, so that it can be written as UTF-8. */
  static String writable(String s) {
    int at = s == null ? -1 : unpairedSurrogate(s);
    if (at < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length()).append(s, 0, at);
    for (int i = at; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
      } else {
        b.append(Character.isSurrogate(c) ? '\ufffd' : c);
      }
    }
    return b.toString();
  }
}
