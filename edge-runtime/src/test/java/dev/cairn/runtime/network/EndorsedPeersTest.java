package dev.cairn.runtime.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.embedded.EmbeddedHiveMQ;
import dev.cairn.anchor.MutableClock;
import dev.cairn.anchor.PeerSignature;
import dev.cairn.anchor.impl.GatewayKey;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.ConfigException;
import dev.cairn.runtime.fleet.OperatorKey;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gateways known by the fleet operator's endorsement of their keys instead of a pin in network.peers. */
class EndorsedPeersTest {
  @TempDir Path dir;
  final MutableClock clock = new MutableClock();

  Ed25519PrivateKeyParameters operator(String name) throws Exception {
    OperatorKey.generate(dir.resolve(name), dir.resolve(name + ".pub"));
    return OperatorKey.readPrivate(dir.resolve(name));
  }

  static Announcement announcement(GatewayKey key, String id, long at, Endorsement e) {
    return new Announcement(id, key.publicKey(), Map.of("vector.saxpy", "1.0.0"), List.of("jvm"), 10, 0, 0, Map.of(), "test", at, e);
  }

  static boolean offer(PeerTable t, GatewayKey key, Announcement a) {
    return t.accept(a.id(), a.toJson(), key.sign(PeerSignature.ANNOUNCE.message(a.toJson())), false);
  }

  @Test
  void anEndorsedGatewayIsKnownWithoutAPinAndEveryOtherIsIgnored() throws Exception {
    Ed25519PrivateKeyParameters op = operator("operator");
    Ed25519PrivateKeyParameters stranger = operator("stranger");
    GatewayKey k3 = GatewayKey.loadOrCreate(dir.resolve("gw-3"));
    GatewayKey k4 = GatewayKey.loadOrCreate(dir.resolve("gw-4"));
    PeerTable t = new PeerTable("gw-1", Map.of(), op.generatePublicKey().getEncoded(), 2, clock, 15_000, 60_000);

    assertFalse(offer(t, k3, announcement(k3, "gw-3", 1, null)), "neither pinned nor endorsed");
    assertFalse(offer(t, k3, announcement(k3, "gw-3", 2, Endorsement.sign(stranger, "gw-3", k3.publicKey()))),
        "endorsed by another operator");
    assertFalse(offer(t, k3, announcement(k3, "gw-3", 3, Endorsement.sign(op, "gw-4", k3.publicKey()))),
        "an endorsement of another gateway id");
    assertFalse(offer(t, k3, announcement(k3, "gw-3", 4, Endorsement.sign(op, "gw-3", k4.publicKey()))),
        "an endorsement of another key");
    Endorsement forged = Endorsement.sign(op, "gw-3", k3.publicKey());
    byte[] sig = forged.signature();
    sig[0] ^= 1;
    assertFalse(offer(t, k3, announcement(k3, "gw-3", 5, new Endorsement("gw-3", k3.publicKey(), forged.operatorKey(), sig))),
        "an endorsement whose signature does not verify");
    assertNull(t.peer("gw-3"));
    assertEquals(5, t.ignored());

    Endorsement e3 = Endorsement.sign(op, "gw-3", k3.publicKey());
    assertTrue(e3.verifies());
    // Signed by gw-4's key, though it names gw-3 and carries gw-3's endorsement: not gw-3's announcement.
    assertFalse(t.accept("gw-3", announcement(k3, "gw-3", 6, e3).toJson(),
        k4.sign(PeerSignature.ANNOUNCE.message(announcement(k3, "gw-3", 6, e3).toJson())), false));
    assertTrue(offer(t, k3, announcement(k3, "gw-3", 7, e3)));
    assertEquals(PeerTable.State.UP, t.peer("gw-3").state());
    assertEquals(k3.publicKey().length, t.key("gw-3").length);

    GatewayKey k5 = GatewayKey.loadOrCreate(dir.resolve("gw-5"));
    assertTrue(offer(t, k4, announcement(k4, "gw-4", 1, Endorsement.sign(op, "gw-4", k4.publicKey()))));
    assertFalse(offer(t, k5, announcement(k5, "gw-5", 1, Endorsement.sign(op, "gw-5", k5.publicKey()))),
        "past network.maxPeers (2)");
    assertEquals(List.of("gw-3", "gw-4"), t.peers().stream().map(PeerTable.Peer::id).toList());
  }

  @Test
  void aPinnedKeyWinsOverAnEndorsementOfAnotherKey() throws Exception {
    Ed25519PrivateKeyParameters op = operator("operator");
    GatewayKey pinned = GatewayKey.loadOrCreate(dir.resolve("gw-2"));
    GatewayKey other = GatewayKey.loadOrCreate(dir.resolve("other"));
    PeerTable t = new PeerTable("gw-1", Map.of("gw-2", pinned.publicKey()), op.generatePublicKey().getEncoded(), 8, clock,
        15_000, 60_000);
    assertFalse(offer(t, other, announcement(other, "gw-2", 1, Endorsement.sign(op, "gw-2", other.publicKey()))));
    assertEquals(PeerTable.State.UNKNOWN, t.peer("gw-2").state());
  }

  @Test
  void anEndorsementFileMustBeOfThisGatewaysIdAndKey() throws Exception {
    Ed25519PrivateKeyParameters op = operator("operator");
    GatewayKey k2 = GatewayKey.loadOrCreate(dir.resolve("gw-2"));
    Path file = dir.resolve("gw-2.endorsement");
    Endorsement.sign(op, "gw-2", k2.publicKey()).write(file);
    assertEquals("gw-2", Endorsement.own(file, "gw-2", k2.publicKey()).gatewayId());
    ConfigException e = assertThrows(ConfigException.class, () -> Endorsement.own(file, "gw-3", k2.publicKey()));
    assertTrue(e.getMessage().contains("endorses 'gw-2'") && e.getMessage().contains("this gateway is 'gw-3'"), e.getMessage());
    java.nio.file.Files.writeString(file, "{\"v\":1,\"gatewayId\":\"gw-2\"}");
    e = assertThrows(ConfigException.class, () -> Endorsement.own(file, "gw-2", k2.publicKey()));
    assertTrue(e.getMessage().contains("cairn fleet endorse"), e.getMessage());
  }

  /** Through a real broker: gw-1 pins nobody, trusts the operator, and runs a job on the endorsed gw-2. */
  @Test
  void aGatewayRunsJobsOnAPeerItKnowsByTheOperatorsEndorsement() throws Exception {
    operator("operator");
    Ed25519PrivateKeyParameters op = OperatorKey.readPrivate(dir.resolve("operator"));
    GatewayKey k1 = GatewayKey.loadOrCreate(TestNetwork.keyed(dir, "gw-1"));
    GatewayKey k2 = GatewayKey.loadOrCreate(TestNetwork.keyed(dir, "gw-2"));
    Endorsement.sign(op, "gw-1", k1.publicKey()).write(dir.resolve("gw-1.endorsement"));
    Endorsement.sign(op, "gw-2", k2.publicKey()).write(dir.resolve("gw-2.endorsement"));
    int port = TestNetwork.freePort();
    EmbeddedHiveMQ broker = TestNetwork.broker(dir.resolve("broker"), port);
    Gateway gw1 = null;
    Gateway gw2 = null;
    try {
      String url = "tcp://127.0.0.1:" + port;
      for (String id : List.of("gw-1", "gw-2")) {
        Gateway g = TestNetwork.start(dir, id, url, List.of(), Map.of(), Clock.systemUTC(), c -> {
          c.network().setOperatorKeyFile(dir.resolve("operator.pub").toString());
          c.network().setEndorsementFile(dir.resolve(id + ".endorsement").toString());
          c.network().setAnnounceIntervalMs(200);
          c.network().setUnknownAfterMs(5_000);
        });
        if (id.equals("gw-1")) {
          gw1 = g;
        } else {
          gw2 = g;
        }
      }
      Gateway a = gw1;
      await().atMost(Duration.ofSeconds(30)).until(() -> a.network().peers().peer("gw-2") != null
          && a.network().peers().peer("gw-2").state() == PeerTable.State.UP);
      var result = a.scheduler().submit(new dev.cairn.scheduler.JobRequest("dev1", "e1", "vector.saxpy", Map.of("a", 2.0),
          Map.of("x", new float[] {1, 2}, "y", new float[] {3, 4}), 5, 0, 64, false,
          new dev.cairn.scheduler.PlacementHint("gw-2", Map.of(), 1, 1))).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertTrue(result.isOk(), String.valueOf(result));
      assertEquals(List.of("gw-2"), result.executedBy());
    } finally {
      for (Gateway g : new Gateway[] {gw1, gw2}) {
        if (g != null) {
          g.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
      }
      broker.stop().join();
    }
  }
}
