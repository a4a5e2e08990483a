package dev.cairn.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DevicePolicyTest {

  static void refused(String fragment, Runnable make) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::run);
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  @Test
  void eachFieldIsCheckedWithWhatIsAllowed() {
    refused("kernels must name at least one kernel (leave it out", () -> new DevicePolicy(Set.of(), 0, 0, 0));
    refused("jobsPerSecond must be 0 (no limit) or 1 to 1000000, was -1", () -> DevicePolicy.none().withJobsPerSecond(-1));
    refused("jobsPerSecond must be 0 (no limit) or 1 to 1000000, was 1000001", () -> DevicePolicy.none().withJobsPerSecond(1_000_001));
    refused("bytesPerSecond must be 0 (no limit) or a positive number of bytes, was -5", () -> DevicePolicy.none().withBytesPerSecond(-5));
    refused("maxInFlight must be 0 (the gateway's maxInFlightPerDevice)", () -> DevicePolicy.none().withMaxInFlight(-1));
    refused("one is empty", () -> DevicePolicy.none().withKernels(Set.of(" ")));
  }

  @Test
  void noneLimitsNothingAndKernelsAreAnUnmodifiableSet() {
    DevicePolicy none = DevicePolicy.none();
    assertTrue(none.allows("anything"));
    assertFalse(none.limitsRate());
    DevicePolicy p = none.withKernels(new java.util.HashSet<>(List.of("b", "a"))).withBytesPerSecond(1);
    assertEquals(List.of("a", "b"), List.copyOf(p.kernels()));
    assertTrue(p.allows("a"));
    assertFalse(p.allows("c"));
    assertTrue(p.limitsRate());
    assertThrows(UnsupportedOperationException.class, () -> p.kernels().add("c"));
  }

  @Test
  void devicesWithoutAnEntryGetTheDefault() {
    DevicePolicy def = DevicePolicy.none().withJobsPerSecond(5);
    DevicePolicy own = def.withMaxInFlight(2);
    DevicePolicies policies = new DevicePolicies(def, Map.of("dev1", own));
    assertSame(own, policies.forDevice("dev1"));
    assertSame(def, policies.forDevice("dev2"));
    assertSame(DevicePolicy.none(), DevicePolicies.none().forDevice("dev1"));
    assertTrue(policies.toString().contains("devices with their own: 1]"), policies.toString());
  }

  @Test
  void deviceIdsMustBeOnesADeviceCouldHave() {
    for (String bad : List.of("", "a/b", "a+b", "a#", "tab\there", "x".repeat(129))) {
      refused("a device id must be 1 to 128 characters", () -> new DevicePolicies(DevicePolicy.none(), Map.of(bad, DevicePolicy.none())));
    }
    new DevicePolicies(DevicePolicy.none(), Map.of("sensor-7.site:a_b", DevicePolicy.none(), "x".repeat(128), DevicePolicy.none()));
  }

  @Test
  void optionsKeepTheirSixArgumentFormWithoutPolicies() {
    SchedulerOptions o = new SchedulerOptions(1024, 1000, 10, 10, 1, 100);
    assertSame(DevicePolicies.none(), o.devicePolicies());
    assertSame(DevicePolicies.none(), SchedulerOptions.defaults().devicePolicies());
    DevicePolicies p = new DevicePolicies(DevicePolicy.none().withJobsPerSecond(1), Map.of());
    SchedulerOptions with = o.withDevicePolicies(p);
    assertSame(p, with.devicePolicies());
    assertEquals(o.maxInFlightPerDevice(), with.maxInFlightPerDevice());
    assertThrows(NullPointerException.class, () -> o.withDevicePolicies(null));
  }
}
