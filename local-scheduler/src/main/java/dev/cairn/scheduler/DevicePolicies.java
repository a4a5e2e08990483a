package dev.cairn.scheduler;

import java.util.Map;
import java.util.Objects;

/**
 * The {@link DevicePolicy} of every device: its own entry, or the default one.
 *
 * @param defaults the policy of every device without an entry of its own
 * @param devices entries by device id (the MQTT user name or client id, the CoAP {@code ?d=} or DTLS
 *     identity); each is a whole policy, so a configuration that overrides the default field by field
 *     builds it from the default with the {@code with...} methods
 */
public record DevicePolicies(DevicePolicy defaults, Map<String, DevicePolicy> devices) {
  /** Longest device id, as the adapters accept them. */
  public static final int MAX_DEVICE_ID_LENGTH = 128;

  private static final DevicePolicies NONE = new DevicePolicies(DevicePolicy.none(), Map.of());

  public DevicePolicies {
    Objects.requireNonNull(defaults, "defaults");
    devices = Map.copyOf(Objects.requireNonNull(devices, "devices"));
    devices.keySet().forEach(DevicePolicies::checkDeviceId);
  }

  /** No device has limits of its own (every device as today: the gateway-wide limits only). */
  public static DevicePolicies none() {
    return NONE;
  }

  /** The policy {@code deviceId} is held to. */
  public DevicePolicy forDevice(String deviceId) {
    if (devices.isEmpty() || deviceId == null) {
      return defaults;
    }
    return devices.getOrDefault(deviceId, defaults);
  }

  /** Short, for logs: the default policy and how many devices have their own (there may be thousands). */
  @Override
  public String toString() {
    return "DevicePolicies[defaults=" + defaults + ", devices with their own: " + devices.size() + "]";
  }

  /**
   * @throws IllegalArgumentException unless {@code id} is a device id a device could have: 1 to 128
   *     characters, none of them '/', '+', '#' or a control character
   */
  public static String checkDeviceId(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_DEVICE_ID_LENGTH
        || id.chars().anyMatch(c -> c == '/' || c == '+' || c == '#' || Character.isISOControl(c))) {
      throw new IllegalArgumentException("a device id must be 1 to " + MAX_DEVICE_ID_LENGTH
          + " characters without '/', '+', '#' or control characters, was '" + id + "'");
    }
    return id;
  }
}
