package dev.cairn.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.scheduler.DevicePolicies;
import dev.cairn.scheduler.DevicePolicy;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@code acl:} section of gateway.yaml: what it resolves to, and each wrong setting with its line. */
class AclSettingsTest {

  static void refused(String yaml, String... parts) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("gw.yaml", yaml));
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), e.getMessage());
    }
  }

  @Test
  void withoutTheSectionNoDeviceHasLimitsOfItsOwn() {
    assertSame(DevicePolicies.none(), ConfigLoader.defaults().schedulerOptions().devicePolicies());
    assertSame(DevicePolicies.none(), ConfigLoader.parse("gw.yaml", "acl: {}\n").schedulerOptions().devicePolicies());
  }

  @Test
  void theDefaultHoldsForEveryDeviceAndAnEntryOverridesItFieldByField() {
    DevicePolicies p = ConfigLoader.parse("gw.yaml", """
        acl:
          default:
            kernels: [vector.saxpy, vector.stats]
            jobsPerSecond: 50
            bytesPerSecond: 1048576
            maxInFlight: 16
          devices:
            dev1: {kernels: [matrix.dense], jobsPerSecond: 5}
            trusted: {jobsPerSecond: 0, maxInFlight: 0}
        """).schedulerOptions().devicePolicies();
    assertEquals(new DevicePolicy(Set.of("vector.saxpy", "vector.stats"), 50, 1_048_576, 16), p.forDevice("anyone"));
    assertEquals(new DevicePolicy(Set.of("matrix.dense"), 5, 1_048_576, 16), p.forDevice("dev1"));
    // 0 given explicitly is no limit (or the gateway's in-flight limit), not the default's value.
    assertEquals(new DevicePolicy(Set.of("vector.saxpy", "vector.stats"), 0, 1_048_576, 0), p.forDevice("trusted"));
  }

  @Test
  void devicesAloneKeepEveryoneElseUnlimited() {
    DevicePolicies p = ConfigLoader.parse("gw.yaml", "acl: {devices: {noisy: {bytesPerSecond: 4096}}}\n")
        .schedulerOptions().devicePolicies();
    assertEquals(DevicePolicy.none(), p.forDevice("quiet"));
    assertEquals(DevicePolicy.none().withBytesPerSecond(4096), p.forDevice("noisy"));
  }

  @Test
  void aKernelThatIsNotInstalledIsNamedWithTheInstalledOnes() {
    refused("""
        acl:
          devices:
            dev1: {kernels: [vector.saxpy, vector.fft9]}
        """, "gw.yaml:3:", "'acl.devices.dev1.kernels'", "names kernel 'vector.fft9', which is not installed; installed: ", "vector.saxpy");
    refused("acl:\n  default: {kernels: []}\n", "gw.yaml:2:", "'acl.default.kernels'", "must list at least one kernel");
  }

  @Test
  void numbersOutOfRangeSayWhatIsAllowed() {
    refused("acl:\n  default:\n    jobsPerSecond: -1\n", "gw.yaml:3:", "'acl.default.jobsPerSecond'", "must be 0 (no limit) or 1 to 1000000 jobs, was -1");
    refused("acl:\n  default:\n    bytesPerSecond: 3000000000\n", "gw.yaml:3:", "'acl.default.bytesPerSecond'", "1 to 2147483647 bytes, was 3000000000");
    refused("acl:\n  devices:\n    d: {maxInFlight: -2}\n", "gw.yaml:3:", "'acl.devices.d.maxInFlight'", "must be 0 (the gateway's limits.maxInFlightPerDevice)");
    refused("acl:\n  default:\n    jobsPerSecond: lots\n", "gw.yaml:3:", "'acl.default.jobsPerSecond'", "whole number");
    refused("acl:\n  default:\n    jobsPerSecond: 1.5\n", "gw.yaml:3:", "'acl.default.jobsPerSecond'");
  }

  @Test
  void aDeviceIdNoDeviceCouldHaveIsRefused() {
    refused("""
        acl:
          devices:
            ok-1: {jobsPerSecond: 1}
            "site/dev2": {jobsPerSecond: 1}
        """, "gw.yaml:4:", "acl.devices.site/dev2", "is not a device id", "without '/', '+', '#'");
    refused("acl:\n  devices:\n    d1:\n", "gw.yaml:3:", "acl.devices.d1", "must be a mapping");
  }

  @Test
  void unknownFieldsListWhatIsAllowed() {
    refused("acl:\n  defaults: {jobsPerSecond: 1}\n", "gw.yaml:2:", "unknown setting 'acl.defaults'", "default, devices");
    refused("acl:\n  devices:\n    d1: {jobsPerSec: 1}\n", "gw.yaml:3:", "unknown setting 'acl.devices.d1.jobsPerSec'",
        "bytesPerSecond, cpuSecondsPerEpoch, jobsPerEpoch, jobsPerSecond, kernels, maxInFlight");
  }

  @Test
  void usageQuotasMergeFieldByFieldAndBadValuesAreNamed() {
    AclSettings.Quotas q = ConfigLoader.parse("gw.yaml", """
        acl:
          default: {jobsPerEpoch: 100}
          devices:
            big: {cpuSecondsPerEpoch: 2.5}
            free: {jobsPerEpoch: 0}
        """).acl().quotas();
    assertEquals(new AclSettings.Quota(100, 0), q.forDevice("anyone"));
    assertEquals(new AclSettings.Quota(100, 2.5), q.forDevice("big"));
    assertFalse(q.forDevice("free").limited());
    assertFalse(ConfigLoader.defaults().acl().quotas().any());
    refused("acl:\n  default: {jobsPerEpoch: -1}\n", "gw.yaml:2:", "must be 0 (no limit) or a positive number of jobs per epoch");
    refused("acl:\n  devices:\n    d1: {cpuSecondsPerEpoch: -0.5}\n", "gw.yaml:3:", "CPU seconds per epoch");
    refused("metering: {epochSeconds: 10}\n", "gw.yaml:1:", "must be 60 to 2678400 seconds");
  }
}
