package dev.cairn.adapters.codec.impl;

/**
 * Device text as the codec checks and writes it. A JSON escape of a lone surrogate (backslash, u, D800
 * to DFFF), or its three-byte form in a CBOR text string, decodes to an unpaired surrogate: a Java
 * string holds it, but UTF-8 has no encoding for it, so Jackson's generators refuse to write it and
 * {@code getBytes(UTF_8)} turns it into {@code '?'}.
 */
final class Text {
  /** Characters of device text that a message repeats; the rest is cut. */
  static final int SHOWN = 40;

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

  /** Device text to repeat in a message: writable, and at most {@code max} characters of it. */
  static String shown(String s, int max) {
    String w = writable(s);
    if (w.length() <= max) {
      return w;
    }
    int end = Character.isHighSurrogate(w.charAt(max - 1)) ? max - 1 : max;
    return w.substring(0, end) + "... (" + w.length() + " characters)";
  }

  static String shown(String s) {
    return shown(s, SHOWN);
  }
}
