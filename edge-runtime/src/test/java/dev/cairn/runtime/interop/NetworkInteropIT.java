package dev.cairn.runtime.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.anchor.impl.GatewayKey;
import dev.cairn.runtime.process.GatewayProcess;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn.jar} processes joined through Debian's Mosquitto 2: mosquitto_sub reads their signed, retained
 * announcements, {@code cairn peers} shows each gateway its peers up, and jobs sent by mosquitto_rr (MQTT 5
 * request/response) to gw-1 run on a peer by a placement hint, on a peer for a kernel gw-1 does not have, and
 * on another peer when the first was killed with SIGKILL; the executing gateway journals the leaf. Also across
 * two Mosquitto brokers bridged to each other.
 */
class NetworkInteropIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> IDS = List.of("gw-1", "gw-2", "gw-3");
  @TempDir Path dir;

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    return out;
  }

  static String cairn(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
        GatewayProcess.jar().toString()));
    cmd.addAll(List.of(args));
    return run(cmd.toArray(String[]::new));
  }

  /** gateway.yaml of {@code id}: on loopback, joined to {@code url}, pinning the other two, gw-1 with one kernel only. */
  Path config(String id, String url) throws Exception {
    return config(id, url, IDS);
  }

  Path config(String id, String url, List<String> ids) throws Exception {
    StringBuilder peers = new StringBuilder();
    for (String p : ids) {
      if (!p.equals(id)) {
        peers.append("    - {id: ").append(p).append(", publicKeyFile: ").append(dir.resolve(p).resolve(GatewayKey.PUB_FILE)).append("}\n");
      }
    }
    Path yaml = dir.resolve(id + ".yaml");
    Files.writeString(yaml, """
        mqtt: {host: 127.0.0.1}
        coap: {host: 127.0.0.1}
        %s
        network:
          broker: %s
          labels: {site: interop}
          announceIntervalMs: 1000
          unknownAfterMs: 4000
          downAfterMs: 8000
          offload: {timeoutMs: 2000}
          peers:
        %s""".formatted(id.equals("gw-1") ? "kernels: [vector.saxpy]" : "", url, peers));
    return yaml;
  }

  static JsonNode job(String rr, int port, String json) throws Exception {
    String reply = run(rr, "-V", "mqttv5", "-h", "127.0.0.1", "-p", String.valueOf(port), "-u", "dev1", "-i", "dev1-rr-" + System.nanoTime(),
        "-t", "cairn/dev1/jobs", "-e", "cairn/dev1/replies", "-W", "30", "-m", json);
    return JSON.readTree(reply.lines().filter(l -> l.startsWith("{")).findFirst()
        .orElseThrow(() -> new AssertionError("mosquitto_rr printed no result: " + reply)));
  }

  @Test
  void threeJarsAnnounceThemselvesAndOffloadJobsThroughMosquitto() throws Exception {
    String mosquitto = ExternalTools.require("mosquitto", "mosquitto");
    String sub = ExternalTools.require("mosquitto_sub", "mosquitto-clients");
    String rr = ExternalTools.require("mosquitto_rr", "mosquitto-clients");
    int port = freePort();
    Process broker = mosquitto(mosquitto, "mosquitto", "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
        + "set_tcp_nodelay true\n");
    String url = "tcp://127.0.0.1:" + port;
    IDS.forEach(id -> GatewayKey.loadOrCreate(dir.resolve(id)));
    List<GatewayProcess> gateways = new ArrayList<>();
    try {
      for (String id : IDS) {
        gateways.add(new GatewayProcess(dir.resolve(id), "--gateway-id", id, "--config", config(id, url).toString()));
      }
      // The three retained announcements, as Mosquitto's own client reads them from the broker's store.
      await().atMost(Duration.ofSeconds(60)).until(() -> announced(sub, port).equals(Set.copyOf(IDS)));

      for (GatewayProcess g : gateways) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
          String table = cairn("peers", "--admin", "http://127.0.0.1:" + g.adminPort);
          return table.lines().filter(l -> l.contains(" up ")).count() == 2;
        });
      }

      GatewayProcess gw1 = gateways.get(0);
      String admin1 = "http://127.0.0.1:" + gw1.adminPort;
      JsonNode placed = job(rr, gw1.mqttPort, """
          {"id":"n1","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1,2,3],"y":[4,5,6]},"placement":{"gateway":"gw-3"}}""");
      assertEquals("ok", placed.path("status").asText(), placed.toString());
      assertEquals("[\"gw-3\"]", placed.path("executedBy").toString());
      assertEquals("[6.0,9.0,12.0]", placed.path("outputs").path("y").toString());

      // gw-3 now has a measured round trip and gw-2 none, so gw-2 is tried first for a job either may run. gw-2 is
      // killed with SIGKILL while gw-1 still counts it up: the job sent to it gets no answer, and after
      // offload.timeoutMs it runs on gw-3, with one result.
      gateways.get(1).kill();
      JsonNode retried = job(rr, gw1.mqttPort, """
          {"id":"n2","kernel":"matrix.dense","params":{"activation":"relu"},"inputs":{"W":[1,0,0,1,-1,-1],"x":[2,3],"b":[0,0,0]},
           "placement":{"labels":{"site":"interop"}}}""");
      assertEquals("ok", retried.path("status").asText(), retried.toString());
      assertEquals("[2.0,3.0,0.0]", retried.path("outputs").path("y").toString());
      assertEquals("[\"gw-3\"]", retried.path("executedBy").toString(), retried.toString());
      JsonNode gw2 = JSON.readTree(cairn("peers", "--json", "--admin", admin1)).get(0);
      assertEquals("gw-2", gw2.path("id").asText());
      assertEquals(1, gw2.path("timedOut").asLong(), "the job went to the killed gw-2 first: " + gw2);

      // A kernel gw-1 does not have runs on the peer left.
      JsonNode dense = job(rr, gw1.mqttPort, """
          {"id":"n3","kernel":"matrix.dense","params":{"activation":"relu"},"inputs":{"W":[1,0,0,1,-1,-1],"x":[2,3],"b":[0,0,0]}}""");
      assertEquals("ok", dense.path("status").asText(), dense.toString());
      assertEquals("[\"gw-3\"]", dense.path("executedBy").toString(), dense.toString());

      JsonNode local = job(rr, gw1.mqttPort, """
          {"id":"n4","kernel":"vector.saxpy","params":{"a":2},"inputs":{"x":[1,2,3],"y":[4,5,6]}}""");
      assertEquals("[\"gw-1\"]", local.path("executedBy").toString(), local.toString());

      // gw-3 journaled the three it ran for gw-1's device; gw-1 its own job's leaf and one naming each of gw-3's.
      assertEquals(4, leaves(gw1));
      assertEquals(3, leaves(gateways.get(2)));
      assertTrue(JSON.readTree(cairn("peers", "--json", "--admin", admin1)).get(1).path("latencyMs").asDouble() > 0);
      // Mosquitto's shared subscription: four jobs signed by gw-1 offered on cairn/net/work/vector.saxpy, each taken
      // by exactly one member of the group ($share/cairn/...: gw-1 and gw-3 now) and answered once on gw-1's reply topic.
      sharedJobsAreEachAnsweredOnce(port);
      // The killed gateway goes unknown, then down.
      await().atMost(Duration.ofSeconds(30)).until(() -> cairn("peers", "--admin", admin1)
          .lines().anyMatch(l -> l.startsWith("gw-2") && l.contains(" down ")));
    } finally {
      for (GatewayProcess g : gateways) {
        g.close();
      }
      broker.toHandle().destroy();
      broker.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The gateways whose retained announcement is on the broker, each checked against its key and labels. */
  Set<String> announced(String sub, int port) throws Exception {
    String out = run(sub, "-h", "127.0.0.1", "-p", String.valueOf(port), "-t", "cairn/net/gateways/+", "--retained-only",
        "-C", "3", "-W", "5", "-V", "mqttv5");
    Set<String> ids = new HashSet<>();
    for (String line : out.lines().filter(l -> l.startsWith("{")).toList()) {
      JsonNode a = JSON.readTree(line);
      String id = a.path("id").asText();
      assertEquals(Files.readString(dir.resolve(id).resolve(GatewayKey.PUB_FILE)).trim(), a.path("publicKey").asText(), line);
      assertEquals("interop", a.path("labels").path("site").asText(), line);
      ids.add(id);
    }
    return ids;
  }

  /** {@code cairn demo --network 3} on Debian's Mosquitto: offload shown, the lying gateway caught by the quorum. */
  @Test
  void theNetworkDemoShowsOffloadAndCatchesTheLiar() throws Exception {
    ExternalTools.require("mosquitto", "mosquitto");
    String out = cairn("demo", "--network", "3", "--data-dir", dir.resolve("demo").toString());
    assertTrue(out.contains("a kernel gw-1 does not have: ok"), out);
    assertTrue(out.contains("replicas 3, quorum 2:        ok   executedBy [\"gw-1\",\"gw-2\"]"), out);
    assertTrue(out.contains("liar gw-3 caught:   yes"), out);
  }

  void sharedJobsAreEachAnsweredOnce(int port) throws Exception {
    GatewayKey gw1 = GatewayKey.loadOrCreate(dir.resolve("gw-1"));
    org.eclipse.paho.mqttv5.client.MqttClient c = dev.cairn.runtime.e2e.Mqtt5Device.client("tcp://127.0.0.1:" + port,
        new dev.cairn.runtime.demo.NoDelaySocketFactory(), null, null);
    java.util.concurrent.BlockingQueue<org.eclipse.paho.mqttv5.common.MqttMessage> replies = new java.util.concurrent.LinkedBlockingQueue<>();
    try {
      c.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {new org.eclipse.paho.mqttv5.common.MqttSubscription("cairn/net/reply/gw-1", 1)},
          new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(t, m) -> replies.add(m)});
      for (int i = 0; i < 4; i++) {
        String corr = "shared-" + i;
        byte[] body = ("{\"v\":1,\"from\":\"gw-1\",\"to\":\"*\",\"corr\":\"" + corr + "\",\"job\":{\"device\":\"probe\",\"id\":\"" + corr
            + "\",\"kernel\":\"vector.saxpy\",\"priority\":5,\"deadlineMs\":0,\"params\":{\"a\":2.0},"
            + "\"inputs\":{\"x\":\"AACAPw==\",\"y\":\"AACAPw==\"}}}").getBytes(StandardCharsets.UTF_8);
        org.eclipse.paho.mqttv5.common.packet.MqttProperties p = new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
        p.setUserProperties(List.of(new org.eclipse.paho.mqttv5.common.packet.UserProperty("cairn-sig",
            java.util.Base64.getEncoder().encodeToString(gw1.sign(dev.cairn.anchor.PeerSignature.WORK.message(body))))));
        p.setResponseTopic("cairn/net/reply/gw-1");
        p.setCorrelationData(corr.getBytes(StandardCharsets.US_ASCII));
        c.publish("cairn/net/work/vector.saxpy", new org.eclipse.paho.mqttv5.common.MqttMessage(body, 1, false, p));
      }
      Set<String> answered = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        org.eclipse.paho.mqttv5.common.MqttMessage m = replies.poll(30, TimeUnit.SECONDS);
        assertTrue(m != null, "only " + i + " of 4 shared jobs were answered");
        JsonNode reply = JSON.readTree(m.getPayload());
        assertEquals("ok", reply.path("result").path("status").asText(), reply.toString());
        assertTrue(Set.of("gw-1", "gw-2", "gw-3").contains(reply.path("from").asText()), reply.toString());
        assertTrue(answered.add(reply.path("corr").asText()), "answered twice: " + reply);
      }
    } finally {
      c.disconnect();
      c.close();
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  Process mosquitto(String mosquitto, String name, String conf) throws Exception {
    Files.writeString(dir.resolve(name + ".conf"), conf);
    return new ProcessBuilder(mosquitto, "-c", dir.resolve(name + ".conf").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
  }

  /**
   * Two Mosquitto brokers bridged to each other (an MQTT 5 bridge, so user properties and correlation data
   * cross it): gw-1 on one, gw-2 on the other. They see each other's signed announcements and a job runs across.
   */
  @Test
  void gatewaysOnTwoBridgedMosquittoBrokersPeerAndOffload() throws Exception {
    String mosquitto = ExternalTools.require("mosquitto", "mosquitto");
    String rr = ExternalTools.require("mosquitto_rr", "mosquitto-clients");
    int portA = freePort();
    int portB = freePort();
    Process a = mosquitto(mosquitto, "broker-a", "listener " + portA + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
        + "set_tcp_nodelay true\n");
    Process b = mosquitto(mosquitto, "broker-b", "listener " + portB + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
        + "set_tcp_nodelay true\nconnection to-a\naddress 127.0.0.1:" + portA + "\nbridge_protocol_version mqttv50\n"
        + "topic cairn/net/# both 1\n");
    List<String> two = List.of("gw-1", "gw-2");
    two.forEach(id -> GatewayKey.loadOrCreate(dir.resolve(id)));
    List<GatewayProcess> gateways = new ArrayList<>();
    try {
      gateways.add(new GatewayProcess(dir.resolve("gw-1"), "--gateway-id", "gw-1", "--config",
          config("gw-1", "tcp://127.0.0.1:" + portA, two).toString()));
      gateways.add(new GatewayProcess(dir.resolve("gw-2"), "--gateway-id", "gw-2", "--config",
          config("gw-2", "tcp://127.0.0.1:" + portB, two).toString()));
      for (GatewayProcess g : gateways) {
        await().atMost(Duration.ofSeconds(60)).until(() -> cairn("peers", "--admin", "http://127.0.0.1:" + g.adminPort)
            .lines().anyMatch(l -> l.startsWith("gw-") && l.contains(" up ")));
      }
      JsonNode across = job(rr, gateways.get(0).mqttPort, """
          {"id":"x1","kernel":"matrix.dense","params":{"activation":"relu"},"inputs":{"W":[1,0,0,1,-1,-1],"x":[2,3],"b":[0,0,0]}}""");
      assertEquals("ok", across.path("status").asText(), across.toString());
      assertEquals("[\"gw-2\"]", across.path("executedBy").toString(), across.toString());
      assertEquals("[2.0,3.0,0.0]", across.path("outputs").path("y").toString());
    } finally {
      for (GatewayProcess g : gateways) {
        g.close();
      }
      for (Process p : new Process[] {b, a}) {
        p.toHandle().destroy();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  static long leaves(GatewayProcess g) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort + "/v1/stats"))
        .build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body()).path("receipts").path("leaves").asLong();
  }
}
