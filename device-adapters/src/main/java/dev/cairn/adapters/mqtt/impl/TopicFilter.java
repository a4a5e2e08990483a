package dev.cairn.adapters.mqtt.impl;

/** MQTT topic filter matching ({@code +} one level, {@code #} the rest). */
final class TopicFilter {
  private TopicFilter() {}

  static boolean matches(String filter, String topic) {
    String[] f = filter.split("/", -1);
    String[] t = topic.split("/", -1);
    for (int i = 0; i < f.length; i++) {
      if (f[i].equals("#")) {
        return true;
      }
      if (i >= t.length) {
        return false;
      }
      if (!f[i].equals("+") && !f[i].equals(t[i])) {
        return false;
      }
    }
    return f.length == t.length;
  }

  /** True when every topic the filter can match lies under {@code prefix} (which ends with '/'). */
  static boolean within(String filter, String prefix) {
    return filter.startsWith(prefix) && filter.length() > prefix.length();
  }
}
