package dev.cairn.scheduler.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.cairn.scheduler.DevicePolicy;
import org.junit.jupiter.api.Test;

/** The bucket table: only devices with a rate, bounded, least recently used forgotten first. */
class DeviceAdmissionTest {
  static final DevicePolicy ONE_PER_SECOND = DevicePolicy.none().withJobsPerSecond(1);

  /** Takes the device's one token; its next job is then over the quota. */
  static void spend(DeviceAdmission table, String device, long now) {
    DeviceAdmission.Bucket b = table.bucket(device, ONE_PER_SECOND, now);
    assertNull(b.refusal(device, 10));
    b.take(10);
    assertNotNull(table.bucket(device, ONE_PER_SECOND, now).refusal(device, 10));
  }

  @Test
  void devicesWithoutARateGetNoBucket() {
    DeviceAdmission table = new DeviceAdmission(10);
    assertNull(table.bucket("dev1", DevicePolicy.none().withMaxInFlight(3).withKernels(java.util.Set.of("k")), 0));
    assertEquals(0, table.size());
  }

  @Test
  void theTableHoldsAtMostItsBoundForgettingTheLeastRecentlyUsed() {
    DeviceAdmission table = new DeviceAdmission(3);
    long now = 1_000;
    spend(table, "a", now);
    spend(table, "b", now);
    spend(table, "c", now);
    DeviceAdmission.Bucket a = table.bucket("a", ONE_PER_SECOND, now); // a is now the most recently used
    spend(table, "d", now);
    assertEquals(3, table.size());
    assertSame(a, table.bucket("a", ONE_PER_SECOND, now), "a was used since b, so b went");
    // b was forgotten: its next job finds a full bucket (one second's burst), which is all it can gain.
    assertNull(table.bucket("b", ONE_PER_SECOND, now).refusal("b", 10));
    assertEquals(3, table.size());
  }

  @Test
  void aHundredThousandDevicesAreKeptByDefault() {
    DeviceAdmission table = new DeviceAdmission(DeviceAdmission.DEFAULT_MAX_BUCKETS);
    for (int i = 0; i < DeviceAdmission.DEFAULT_MAX_BUCKETS + 5_000; i++) {
      table.bucket("dev" + i, ONE_PER_SECOND, 0);
    }
    assertEquals(100_000, table.size());
  }
}
