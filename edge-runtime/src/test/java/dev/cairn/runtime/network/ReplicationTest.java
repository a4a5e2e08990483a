package dev.cairn.runtime.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.embedded.EmbeddedHiveMQ;
import dev.cairn.anchor.MutableClock;
import dev.cairn.anchor.PeerSignature;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.cli.CairnCommand;
import dev.cairn.runtime.demo.LyingKernels;
import dev.cairn.runtime.demo.NoDelaySocketFactory;
import dev.cairn.runtime.e2e.Mqtt5Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas with a quorum across three gateways on an embedded HiveMQ CE broker, one of which (gw-3) lies: its
 * vector.saxpy adds 1 to the first output. The quorum of gw-1 and gw-2 is delivered, gw-3 is quarantined, and
 * its signed answer is published on cairn/net/evidence where anyone can check it against gw-3's key.
 */
class ReplicationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  static final String SAXPY = "\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}";

  @Test
  void aQuorumOfReplicasIsDeliveredAndTheLiarIsQuarantinedWithVerifiableEvidence() throws Exception {
    int port = TestNetwork.freePort();
    EmbeddedHiveMQ broker = TestNetwork.broker(dir.resolve("broker"), port);
    String url = "tcp://127.0.0.1:" + port;
    MutableClock clock = new MutableClock();
    Gateway gw1 = null;
    Gateway gw2 = null;
    Gateway gw3 = null;
    MqttClient watcher = null;
    try {
      gw1 = TestNetwork.start(dir, "gw-1", url, List.of("gw-2", "gw-3"), Map.of(), clock,
          c -> c.network().setReplication(Map.of("signal.fir", Map.of("replicas", 2))));
      gw2 = TestNetwork.start(dir, "gw-2", url, List.of("gw-1", "gw-3"), Map.of("zone", "x"), clock, c -> {});
      gw3 = TestNetwork.start(dir, "gw-3", url, List.of("gw-1", "gw-2"), Map.of("zone", "x"), clock, c -> {}, new LyingKernels());
      Gateway a = gw1;
      await().atMost(Duration.ofSeconds(30)).until(() -> a.network().peers().peers().stream()
          .allMatch(p -> p.state() == PeerTable.State.UP));
      BlockingQueue<MqttMessage> evidence = new LinkedBlockingQueue<>();
      watcher = Mqtt5Device.client(url, new NoDelaySocketFactory(), null, null);
      watcher.subscribe(new MqttSubscription[] {new MqttSubscription("cairn/net/evidence", 1)},
          new IMqttMessageListener[] {(t, m) -> evidence.add(m)});

      try (Mqtt5Device dev = Mqtt5Device.connect(gw1.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"r1\"," + SAXPY + ",\"replicas\":3}");
        JsonNode r = dev.next().json();
        assertEquals("ok", r.path("status").asText(), r.toString());
        assertEquals("[6.0,9.0,12.0]", r.path("outputs").path("y").toString());
        assertEquals("[\"gw-1\",\"gw-2\"]", r.path("executedBy").toString(), r.toString());

        await().atMost(Duration.ofSeconds(10)).until(() -> a.network().peers().peer("gw-3").state() == PeerTable.State.QUARANTINED);
        assertTrue(gw1.network().peers().peer("gw-3").quarantineReason().contains("answered job r1 of dev1 unlike [gw-1, gw-2]"));
        assertEquals(1, gw1.network().peers().peer("gw-3").contradicted());
        assertEquals(1, gw1.network().peers().peer("gw-2").agreed());
        assertTrue(gw1.network().peers().peer("gw-3").score() < gw1.network().peers().peer("gw-2").score(), "the liar's score fell");
        MqttMessage m = evidence.poll(10, TimeUnit.SECONDS);
        JsonNode e = JSON.readTree(m.getPayload());
        assertEquals("gw-1", e.path("from").asText());
        assertEquals("r1", e.path("job").asText());
        JsonNode lie = e.path("dissenting").get(0);
        assertEquals("gw-3", lie.path("gateway").asText());
        byte[] gw3Key = HexFormat.of().parseHex(Files.readString(TestNetwork.pub(dir, "gw-3")).trim());
        byte[] answer = Base64.getDecoder().decode(lie.path("answer").asText());
        assertTrue(PeerSignature.WORK_RESULT.verify(gw3Key, answer, Base64.getDecoder().decode(lie.path("signature").asText())),
            "gw-3's own signature is on the wrong answer");
        assertTrue(new String(answer).contains("\"from\":\"gw-3\""));
        byte[] gw1Key = HexFormat.of().parseHex(Files.readString(TestNetwork.pub(dir, "gw-1")).trim());
        byte[] sig = Base64.getDecoder().decode(m.getProperties().getUserProperties().get(0).getValue());
        assertTrue(PeerSignature.EVIDENCE.verify(gw1Key, m.getPayload(), sig), "the evidence is signed by gw-1");
        assertEquals(2, e.path("agreeing").size());
        JsonNode kept = JSON.readTree(new java.net.URL("http://127.0.0.1:" + gw1.adminPort() + "/v1/evidence"));
        assertEquals(1, kept.size());
        // cairn verify checks the record offline against the keys as the operator knows them.
        Path record = dir.resolve("evidence.json");
        Files.writeString(record, kept.get(0).toString());
        List<String> args = new java.util.ArrayList<>(List.of("verify", record.toString(), "--gateway-key", TestNetwork.pub(dir, "gw-1").toString()));
        for (String id : List.of("gw-1", "gw-2", "gw-3")) {
          args.addAll(List.of("--peer-key", id + "=" + TestNetwork.pub(dir, id)));
        }
        assertEquals(0, CairnCommand.execute(args.toArray(String[]::new)));
        Files.writeString(record, kept.get(0).toString().replace(kept.get(0).path("signature").asText(),
            lie.path("signature").asText()));
        assertEquals(1, CairnCommand.execute(args.toArray(String[]::new)), "a record whose signature is not gw-1's");

        // signal.fir is replicated on two gateways by gw-1's configuration, without the device asking.
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"f1\",\"kernel\":\"signal.fir\",\"inputs\":{\"x\":[1,2,3,4],\"taps\":[1,1]}}");
        JsonNode fir = dev.next().json();
        assertEquals("[1.0,3.0,5.0,7.0]", fir.path("outputs").path("y").toString(), fir.toString());
        assertEquals("[\"gw-1\",\"gw-2\"]", fir.path("executedBy").toString(), fir.toString());

        // With gw-3 quarantined only two gateways take the job.
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"r2\"," + SAXPY + ",\"replicas\":3}");
        JsonNode tooFew = dev.next().json();
        assertEquals("BUSY", tooFew.path("code").asText(), tooFew.toString());
        assertTrue(tooFew.path("message").asText().contains("replicas: 3 needs 3 gateways up"), tooFew.toString());

        // Lifted, gw-3 disagrees again with gw-2 alone (labels leave gw-1 out): no quorum, nobody quarantined.
        gw1.network().peers().quarantine("gw-3", null);
        dev.publishJson("cairn/dev1/jobs", "{\"id\":\"r3\"," + SAXPY + ",\"replicas\":2,\"placement\":{\"labels\":{\"zone\":\"x\"}}}");
        JsonNode split = dev.next().json();
        assertEquals("INTERNAL", split.path("code").asText(), split.toString());
        assertTrue(split.path("message").asText().contains("2 of 2 replicas had to give the same outputs and did not"), split.toString());
        JsonNode e3 = JSON.readTree(evidence.poll(10, TimeUnit.SECONDS).getPayload());
        assertEquals("r3", e3.path("job").asText());
        assertEquals(0, e3.path("agreeing").size());
        assertEquals(PeerTable.State.UP, gw1.network().peers().peer("gw-3").state());
      }
    } finally {
      if (watcher != null) {
        watcher.disconnect();
        watcher.close();
      }
      for (Gateway g : new Gateway[] {gw1, gw2, gw3}) {
        if (g != null) {
          g.stop().toCompletionStage().toCompletableFuture().get();
        }
      }
      broker.stop().join();
    }
  }
}
