package dev.cairn.runtime.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.anchor.MutableClock;
import dev.cairn.runtime.Gateway;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sleeping devices with real Paho clients: a device subscribes with a persistent session, disconnects, its job
 * finishes, and when it reconnects with the same client id its result arrives, once, in order, across a
 * gateway restart too; a device that floods while asleep is refused with BUSY at the bound and gets every
 * result it was accepted for.
 */
class PersistentSessionsEndToEndTest {
  static final String SAXPY =
      "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2.0},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dataDir;
  final MutableClock clock = new MutableClock(System.currentTimeMillis());
  Gateway gateway;

  Gateway start(int maxQueued) throws Exception {
    gateway = TestGateways.startLocal(dataDir, clock, c -> c.mqtt().sessions().setMaxQueuedResults(maxQueued));
    return gateway;
  }

  /** Publishes jobs from a clean connection of the device, one after the other; the ids accepted and those refused BUSY. */
  List<List<String>> flood(String device, int jobs, String bound) throws Exception {
    List<String> accepted = new ArrayList<>();
    List<String> busy = new ArrayList<>();
    try (SessionDevices.V5 pub = new SessionDevices.V5(gateway.mqttPort(), device, device + "-pub", true, 0)) {
      pub.subscribe("cairn/" + device + "/results");
      for (int i = 1; i <= jobs; i++) {
        pub.publish("cairn/" + device + "/jobs", SAXPY.formatted("f" + i), null);
        JsonNode r = pub.inbox.next();
        if (r.path("status").asText().equals("ok")) {
          accepted.add(r.path("id").asText());
        } else {
          assertEquals("BUSY", r.path("code").asText(), r.toString());
          assertTrue(r.path("message").asText().contains(bound), r.toString());
          busy.add(r.path("id").asText());
        }
      }
    }
    return List.of(accepted, busy);
  }

  /** Reconnects the device's session and returns the ids of the first {@code n} results that arrive. */
  List<String> wake(String device, int n) throws Exception {
    try (SessionDevices.V5 back = new SessionDevices.V5(gateway.mqttPort(), device, device + "-s", false, 3600)) {
      List<String> got = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        got.add(back.inbox.next().path("id").asText());
      }
      return got;
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      TestGateways.stop(gateway);
    }
  }

  /** Runs a job from a clean connection of the device that also subscribes, and returns its result once done. */
  JsonNode runWhileAsleep(String device, String id) throws Exception {
    try (SessionDevices.V5 pub = new SessionDevices.V5(gateway.mqttPort(), device, device + "-pub", true, 0)) {
      pub.subscribe("cairn/" + device + "/results");
      pub.publish("cairn/" + device + "/jobs", SAXPY.formatted(id), null);
      return pub.inbox.next();
    }
  }

  @Test
  void mqtt311CleanSessionOffGetsTheResultOfAJobThatFinishedWhileItWasAwayExactlyOnce() throws Exception {
    start(1000);
    try (SessionDevices.V3 first = new SessionDevices.V3(gateway.mqttPort(), "dev9", "dev9-s", false)) {
      assertFalse(first.sessionPresent, "a new session");
      first.subscribe("cairn/dev9/results");
    }
    assertEquals("ok", runWhileAsleep("dev9", "j1").path("status").asText());
    assertEquals("ok", runWhileAsleep("dev9", "j2").path("status").asText());
    try (SessionDevices.V3 back = new SessionDevices.V3(gateway.mqttPort(), "dev9", "dev9-s", false)) {
      assertTrue(back.sessionPresent, "the session was kept");
      assertEquals("j1", back.inbox.next().path("id").asText(), "in order");
      assertEquals("j2", back.inbox.next().path("id").asText());
      // The next thing to arrive is the next job's result: nothing came twice.
      back.publish("cairn/dev9/jobs", SAXPY.formatted("j3"));
      assertEquals("j3", back.inbox.next().path("id").asText());
    }
    try (SessionDevices.V3 again = new SessionDevices.V3(gateway.mqttPort(), "dev9", "dev9-s", false)) {
      again.publish("cairn/dev9/jobs", SAXPY.formatted("j4"));
      assertEquals("j4", again.inbox.next().path("id").asText(), "acknowledged results are not sent again");
    }
    try (SessionDevices.V3 clean = new SessionDevices.V3(gateway.mqttPort(), "dev9", "dev9-s", true)) {
      assertFalse(clean.sessionPresent, "clean session 1 ends the kept session");
    }
  }

  @Test
  void mqtt5CleanStartOffWithExpiryGetsItsResultAcrossARestartAndExpiresWithItsInterval() throws Exception {
    start(1000);
    try (SessionDevices.V5 first = new SessionDevices.V5(gateway.mqttPort(), "dev5", "dev5-s", false, 3600)) {
      assertFalse(first.sessionPresent);
      first.subscribe("cairn/dev5/results");
    }
    assertEquals("ok", runWhileAsleep("dev5", "a1").path("status").asText());
    TestGateways.stop(gateway);
    start(1000);
    try (SessionDevices.V5 back = new SessionDevices.V5(gateway.mqttPort(), "dev5", "dev5-s", false, 3600)) {
      assertTrue(back.sessionPresent, "the session survived the restart");
      JsonNode r = back.inbox.next();
      assertEquals("a1", r.path("id").asText(), r.toString());
      assertEquals("ok", r.path("status").asText());
      back.publish("cairn/dev5/jobs", SAXPY.formatted("a2"), null);
      assertEquals("a2", back.inbox.next().path("id").asText(), "nothing came twice");
    }
    clock.advanceMillis(3_600_000);
    assertEquals(1, gateway.mqtt().expireSessions().toCompletionStage().toCompletableFuture().get().intValue());
    assertEquals(1, gateway.mqtt().sessionStats().expired());
    try (SessionDevices.V5 late = new SessionDevices.V5(gateway.mqttPort(), "dev5", "dev5-s", false, 3600)) {
      assertFalse(late.sessionPresent, "expired with its interval");
    }
  }

  @Test
  void mqtt5MessageExpiryOfTheRequestIsHonouredForItsQueuedResult() throws Exception {
    start(1000);
    try (SessionDevices.V5 first = new SessionDevices.V5(gateway.mqttPort(), "dev6", "dev6-s", false, 3600)) {
      first.subscribe("cairn/dev6/results");
    }
    try (SessionDevices.V5 pub = new SessionDevices.V5(gateway.mqttPort(), "dev6", "dev6-pub", true, 0)) {
      pub.subscribe("cairn/dev6/results");
      pub.publish("cairn/dev6/jobs", SAXPY.formatted("short"), 5L);
      assertEquals("short", pub.inbox.next().path("id").asText());
      pub.publish("cairn/dev6/jobs", SAXPY.formatted("long"), null);
      assertEquals("long", pub.inbox.next().path("id").asText());
    }
    clock.advanceMillis(6000);
    try (SessionDevices.V5 back = new SessionDevices.V5(gateway.mqttPort(), "dev6", "dev6-s", false, 3600)) {
      assertEquals("long", back.inbox.next().path("id").asText(), "the result of 'short' expired with its request's interval");
    }
  }

  @Test
  void floodingWhileAsleepIsRefusedWithBusyAtTheBoundAndEveryAcceptedResultArrives() throws Exception {
    start(3);
    new SessionDevices.V5(gateway.mqttPort(), "dev7", "dev7-s", false, 3600).subscribe("cairn/dev7/results").close();
    List<List<String>> outcome = flood("dev7", 6, "mqtt.sessions.maxQueuedResults 3");
    assertEquals(List.of("f1", "f2", "f3"), outcome.get(0));
    assertEquals(List.of("f4", "f5", "f6"), outcome.get(1));
    assertEquals(3, gateway.mqtt().sessionStats().refusedJobs());
    assertEquals(outcome.get(0), wake("dev7", 3), "every result it was told about, in order");
  }

  @Test
  void theBytesBoundRefusesTooAndDropsNothing() throws Exception {
    gateway = TestGateways.startLocal(dataDir, clock, c -> c.mqtt().sessions().setMaxQueuedBytes(1024));
    new SessionDevices.V5(gateway.mqttPort(), "dev8", "dev8-s", false, 3600).subscribe("cairn/dev8/results").close();
    List<List<String>> outcome = flood("dev8", 12, "maxQueuedBytes 1024");
    assertFalse(outcome.get(0).isEmpty(), "some fit");
    assertFalse(outcome.get(1).isEmpty(), "then the bytes bound refused: " + outcome);
    assertEquals(outcome.get(0), wake("dev8", outcome.get(0).size()));
  }

  @Test
  void aLongQueueGoesOutAtTheDevicesPaceWithoutOverflowingItsConnection() throws Exception {
    gateway = TestGateways.startLocal(dataDir, clock, c -> c.mqtt().setMaxQueuedBytesPerConnection(65536));
    new SessionDevices.V5(gateway.mqttPort(), "dev4", "dev4-s", false, 3600).subscribe("cairn/dev4/results").close();
    StringBuilder xs = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      xs.append(i == 0 ? "" : ",").append(i * 1.25);
    }
    String big = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2.0},\"inputs\":{\"x\":[" + xs + "],\"y\":[" + xs + "]}}";
    List<String> sent = new ArrayList<>();
    try (SessionDevices.V5 pub = new SessionDevices.V5(gateway.mqttPort(), "dev4", "dev4-pub", true, 0)) {
      pub.subscribe("cairn/dev4/results");
      for (int i = 1; i <= 60; i++) {
        pub.publish("cairn/dev4/jobs", big.formatted("b" + i), null);
        assertEquals("ok", pub.inbox.next().path("status").asText());
        sent.add("b" + i);
      }
    }
    // About 10 KB a result: 600 KB wait, ten times what the connection may hold unsent.
    assertEquals(sent, wake("dev4", sent.size()), "all of them, in order, on one connection");
  }
}
