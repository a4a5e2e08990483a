package dev.cairn.runtime.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CoAP device contract, driven by Californium's CoapClient against a whole gateway. */
class CoapEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SAXPY = "{\"id\":\"%s\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":2},\"inputs\":{\"x\":[1,2,3],\"y\":[4,5,6]}}";

  @TempDir Path dir;
  /** A kernel that runs until the test opens it, so a job can be seen while it runs. */
  final GateKernel gate = new GateKernel();
  Gateway gateway;
  String base;

  @BeforeEach
  void start() throws Exception {
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, """
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: 0}
        admin: {port: 0}
        coap: {host: 127.0.0.1, port: 0}
        limits: {maxPayloadBytes: 65536}
        batch: {maxLeaves: 1, maxDelayMs: 1000}
        """.formatted(dir.resolve("data")));
    java.util.List<dev.cairn.kernels.Kernel> kernels = new java.util.ArrayList<>(dev.cairn.kernels.KernelCatalog.builtIn().all());
    kernels.add(gate);
    gateway = Gateway.start(ConfigLoader.load(yaml), Clock.systemUTC(), dev.cairn.kernels.KernelCatalog.of(kernels))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    base = "coap://127.0.0.1:" + gateway.coapPort();
  }

  @AfterEach
  void stop() throws Exception {
    TestGateways.stop(gateway);
  }

  CoapResponse post(String path, String body, int format) throws Exception {
    CoapClient client = new CoapClient(base + path);
    try {
      return client.post(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), format);
    } finally {
      client.shutdown();
    }
  }

  /** A handler that puts every response (notification) into {@code seen}. */
  static org.eclipse.californium.core.CoapHandler into(java.util.Queue<CoapResponse> seen) {
    return new org.eclipse.californium.core.CoapHandler() {
      @Override
      public void onLoad(CoapResponse response) {
        seen.add(response);
      }

      @Override
      public void onError() {}
    };
  }

  CoapResponse get(String path) throws Exception {
    CoapClient client = new CoapClient(base + path);
    try {
      return client.get();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void jsonJobGetsItsResultAndItsStateAndReceiptCanBeFetched() throws Exception {
    CoapResponse r = post("/jobs?d=dev1", SAXPY.formatted("c1"), MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.CONTENT, r.getCode(), r.getResponseText());
    JsonNode result = JSON.readTree(r.getPayload());
    assertEquals("ok", result.path("status").asText());
    assertEquals("[6.0,9.0,12.0]", result.path("outputs").path("y").toString());
    assertEquals(MediaTypeRegistry.APPLICATION_JSON, r.getOptions().getContentFormat());

    CoapResponse state = get("/jobs/c1?d=dev1");
    assertEquals(ResponseCode.CONTENT, state.getCode(), state.getResponseText());
    assertEquals(JSON.readTree(r.getPayload()), JSON.readTree(state.getPayload()));
    assertEquals(ResponseCode.NOT_FOUND, get("/jobs/c1?d=dev2").getCode());

    CoapResponse receipt = await().atMost(10, TimeUnit.SECONDS).until(() -> get("/receipts/c1?d=dev1"),
        resp -> resp.getCode() == ResponseCode.CONTENT);
    byte[] leaf = java.util.HexFormat.of().parseHex(JSON.readTree(receipt.getPayload()).path("leaf").asText());
    assertEquals(result.path("leaf").asText(), java.util.HexFormat.of().formatHex(dev.cairn.anchor.Merkle.leafHash(leaf)));
    assertEquals(ResponseCode.NOT_FOUND, get("/receipts/nope?d=dev1").getCode());
  }

  /**
   * A CON request sent again with the same message id (a retransmission) gets the answer already sent,
   * not a second run; only the last {@code DEDUPLICATED_PER_PEER} requests of a peer are remembered, so
   * memory stays bounded at any request rate, and an older one sent again gets the job's kept result.
   */
  @Test
  void retransmissionsGetTheSameAnswerAndOnlyAPeersLastRequestsAreRemembered() throws Exception {
    var serializer = new org.eclipse.californium.core.network.serialization.UdpDataSerializer();
    var parser = new org.eclipse.californium.core.network.serialization.UdpDataParser();
    java.net.InetSocketAddress gw = new java.net.InetSocketAddress("127.0.0.1", gateway.coapPort());
    try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
      socket.setSoTimeout(10_000);
      java.util.function.IntFunction<byte[]> datagram = n -> {
        Request r = Request.newPost();
        r.setURI(base + "/jobs?d=dev1");
        r.setMID(1000 + n);
        r.setToken(new byte[] {1, (byte) (n >> 8), (byte) n});
        r.setPayload(SAXPY.formatted("r" + n));
        r.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
        return serializer.getByteArray(r);
      };
      java.util.function.Function<byte[], org.eclipse.californium.core.coap.Response> exchange = bytes -> {
        try {
          socket.send(new java.net.DatagramPacket(bytes, bytes.length, gw));
          java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[2048], 2048);
          socket.receive(in);
          return (org.eclipse.californium.core.coap.Response) parser.parseMessage(java.util.Arrays.copyOf(in.getData(), in.getLength()));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      };
      byte[] first = datagram.apply(0);
      var answer = exchange.apply(first);
      assertEquals(ResponseCode.CONTENT, answer.getCode(), answer.getPayloadString());
      var again = exchange.apply(first);
      assertEquals(ResponseCode.CONTENT, again.getCode(), "a retransmission must not run the job again: " + again.getPayloadString());
      assertEquals(answer.getPayloadString(), again.getPayloadString());
      int remembered = dev.cairn.adapters.coap.CoapEndpoint.DEDUPLICATED_PER_PEER;
      for (int n = 1; n <= remembered; n++) {
        assertEquals(ResponseCode.CONTENT, exchange.apply(datagram.apply(n)).getCode(), "request " + n);
      }
      // Forgotten by CoAP's deduplication, the job is still not run again: its kept result is replayed.
      var forgotten = exchange.apply(first);
      assertEquals(ResponseCode.CONTENT, forgotten.getCode(), forgotten.getPayloadString());
      JsonNode replayed = JSON.readTree(forgotten.getPayloadString());
      assertTrue(replayed.path("replayed").asBoolean(), forgotten.getPayloadString());
      assertEquals(JSON.readTree(answer.getPayloadString()).path("leaf"), replayed.path("leaf"));
    }
  }

  /** A saxpy job of two inputs of {@code n} small whole numbers. */
  static String saxpyOf(String id, int n) {
    StringBuilder xs = new StringBuilder();
    for (int i = 0; i < n; i++) {
      xs.append(i == 0 ? "" : ",").append(i % 97);
    }
    return "{\"id\":\"" + id + "\",\"kernel\":\"vector.saxpy\",\"params\":{\"a\":1},\"inputs\":{\"x\":[" + xs + "],\"y\":[" + xs + "]}}";
  }

  /** Sends {@code datagram} from a socket of its own and returns the first message that comes back. */
  org.eclipse.californium.core.coap.Response rawExchange(byte[] datagram) throws Exception {
    try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
      socket.setSoTimeout(10_000);
      socket.send(new java.net.DatagramPacket(datagram, datagram.length, new java.net.InetSocketAddress("127.0.0.1", gateway.coapPort())));
      java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[65_536], 65_536);
      socket.receive(in);
      return (org.eclipse.californium.core.coap.Response) new org.eclipse.californium.core.network.serialization.UdpDataParser()
          .parseMessage(java.util.Arrays.copyOf(in.getData(), in.getLength()));
    }
  }

  static Request confirmablePost(String uri, int mid) {
    Request r = Request.newPost();
    r.setURI(uri);
    r.setMID(mid);
    r.setToken(new byte[] {(byte) mid});
    return r;
  }

  /**
   * Found by CoapFuzzTest: a confirmable job of more than 2 KiB in one datagram (a device that does not
   * send block-wise) was cut by Californium's 2 KiB read and dropped, and never answered. Datagrams are
   * now read whole.
   */
  @Test
  void aJobInOneLargeDatagramIsAnswered() throws Exception {
    String job = saxpyOf("one", 1000);
    assertTrue(job.length() > 2048, "the job fits Californium's default datagram");
    Request r = confirmablePost(base + "/jobs?d=dev1", 77);
    r.setPayload(job);
    r.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
    var answer = rawExchange(new org.eclipse.californium.core.network.serialization.UdpDataSerializer().getByteArray(r));
    assertEquals(77, answer.getMID());
    assertEquals(ResponseCode.CONTENT, answer.getCode(), answer.getPayloadString());
  }

  /**
   * Found by CoapFuzzTest: a request whose payload was longer than its Block1 option's size made
   * Californium's parser throw; its endpoint only logged that (at ERROR) and the request was never
   * answered. It is now refused with 4.00 saying why.
   */
  @Test
  void aBlockLongerThanItsBlock1SizeIsRefused() throws Exception {
    Request r = confirmablePost(base + "/jobs?d=dev1", 78);
    r.getOptions().setBlock1(6, true, 0);
    r.setPayload(new byte[1024]);
    byte[] valid = new org.eclipse.californium.core.network.serialization.UdpDataSerializer().getByteArray(r);
    var answer = rawExchange(java.util.Arrays.copyOf(valid, valid.length + 51));
    assertEquals(78, answer.getMID());
    assertEquals(ResponseCode.BAD_REQUEST, answer.getCode());
    assertTrue(answer.getPayloadString().contains("1075 bytes") && answer.getPayloadString().contains("Block1"), answer.getPayloadString());
  }

  @Test
  void cborJobGetsACborResult() throws Exception {
    CBORMapper cbor = new CBORMapper();
    byte[] job = cbor.writeValueAsBytes(Map.of("id", "b1", "kernel", "vector.stats", "inputs", Map.of("x", List.of(1.0, 2.0, 3.0, 4.0))));
    CoapClient client = new CoapClient(base + "/jobs?d=dev1");
    CoapResponse r = client.post(job, MediaTypeRegistry.APPLICATION_CBOR);
    client.shutdown();
    assertEquals(ResponseCode.CONTENT, r.getCode());
    assertEquals(MediaTypeRegistry.APPLICATION_CBOR, r.getOptions().getContentFormat());
    assertEquals(2.5, cbor.readTree(r.getPayload()).path("outputs").path("mean").asDouble(), 1e-9);
  }

  @Test
  void largeJobsAndResultsTravelBlockWise() throws Exception {
    String job = saxpyOf("big", 3000);
    assertTrue(job.length() > 10_000);
    // The client must accept a body larger than Californium's default 8 KiB.
    var config = new org.eclipse.californium.elements.config.Configuration()
        .set(org.eclipse.californium.core.config.CoapConfig.MAX_RESOURCE_BODY_SIZE, 65536);
    var endpoint = new org.eclipse.californium.core.network.CoapEndpoint.Builder().setConfiguration(config).build();
    CoapClient client = new CoapClient(base + "/jobs?d=dev1");
    client.setEndpoint(endpoint);
    CoapResponse r;
    try {
      r = client.post(job.getBytes(java.nio.charset.StandardCharsets.UTF_8), MediaTypeRegistry.APPLICATION_JSON);
    } finally {
      client.shutdown();
      endpoint.destroy();
    }
    assertEquals(ResponseCode.CONTENT, r.getCode(), r.getResponseText());
    assertEquals(3000, JSON.readTree(r.getPayload()).path("outputs").path("y").size());
  }

  @Test
  void errorsComeBackAsCoapCodesWithADiagnostic() throws Exception {
    CoapResponse unknown = post("/jobs?d=dev1", "{\"id\":\"u\",\"kernel\":\"nope\",\"inputs\":{}}", MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.NOT_FOUND, unknown.getCode());
    assertEquals("UNKNOWN_KERNEL", JSON.readTree(unknown.getPayload()).path("code").asText());
    CoapResponse bad = post("/jobs?d=dev1", "{\"id\":", MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.BAD_REQUEST, bad.getCode());
    assertEquals(ResponseCode.CONTENT, post("/jobs?d=dev1", SAXPY.formatted("d1"), MediaTypeRegistry.APPLICATION_JSON).getCode());
    CoapResponse dup = post("/jobs?d=dev1", SAXPY.formatted("d1"), MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.CONTENT, dup.getCode(), "a job already done is answered with its kept result");
    assertTrue(JSON.readTree(dup.getPayload()).path("replayed").asBoolean(), dup.getResponseText());
    CoapResponse anonymous = post("/jobs", SAXPY.formatted("a1"), MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.BAD_REQUEST, anonymous.getCode());
    assertTrue(anonymous.getResponseText().contains("?d="), anonymous.getResponseText());
    CoapResponse format = post("/jobs?d=dev1", SAXPY.formatted("f1"), MediaTypeRegistry.TEXT_PLAIN);
    assertEquals(ResponseCode.UNSUPPORTED_CONTENT_FORMAT, format.getCode());
    StringBuilder xs = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      xs.append(i == 0 ? "" : ",").append("1.25");
    }
    CoapResponse large = post("/jobs?d=dev1", "{\"id\":\"l\",\"kernel\":\"vector.stats\",\"inputs\":{\"x\":[" + xs + "]}}",
        MediaTypeRegistry.APPLICATION_JSON);
    assertEquals(ResponseCode.REQUEST_ENTITY_TOO_LARGE, large.getCode());
    assertTrue(large.getOptions().hasSize1(), "4.13 carries Size1");
    // The endpoint still serves after all that.
    assertEquals(ResponseCode.CONTENT, post("/jobs?d=dev1", SAXPY.formatted("after"), MediaTypeRegistry.APPLICATION_JSON).getCode());
  }

  @Test
  void observingAJobDeliversItsResult() throws Exception {
    assertEquals(ResponseCode.CONTENT, post("/jobs?d=dev1", SAXPY.formatted("o1"), MediaTypeRegistry.APPLICATION_JSON).getCode());
    CoapClient client = new CoapClient(base + "/jobs/o1?d=dev1");
    try {
      java.util.concurrent.BlockingQueue<CoapResponse> seen = new java.util.concurrent.LinkedBlockingQueue<>();
      var relation = client.observe(into(seen));
      CoapResponse first = seen.poll(10, TimeUnit.SECONDS);
      assertEquals(ResponseCode.CONTENT, first.getCode());
      assertEquals("ok", JSON.readTree(first.getPayload()).path("status").asText());
      relation.proactiveCancel();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void observingARunningJobGetsRunningThenTheResult() throws Exception {
    // POST as a separate response: the job runs until the gate opens.
    CoapClient poster = new CoapClient(base + "/jobs?d=dev1");
    java.util.concurrent.BlockingQueue<CoapResponse> posted = new java.util.concurrent.LinkedBlockingQueue<>();
    poster.post(into(posted), "{\"id\":\"slow\",\"kernel\":\"test.gate\",\"inputs\":{\"x\":[1,2]}}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        MediaTypeRegistry.APPLICATION_JSON);
    assertTrue(gate.entered.await(10, TimeUnit.SECONDS), "the job started");
    CoapClient client = new CoapClient(base + "/jobs/slow?d=dev1");
    java.util.concurrent.BlockingQueue<CoapResponse> seen = new java.util.concurrent.LinkedBlockingQueue<>();
    try {
      var relation = client.observe(into(seen));
      CoapResponse first = seen.poll(10, TimeUnit.SECONDS);
      assertEquals(ResponseCode.CONTENT, first.getCode());
      assertEquals("running", JSON.readTree(first.getPayload()).path("status").asText());
      assertTrue(first.getOptions().hasObserve(), "the first answer registers the observer");
      // Another device cannot see it, running or not.
      assertEquals(ResponseCode.NOT_FOUND, get("/jobs/slow?d=dev2").getCode());
      gate.open.countDown();
      CoapResponse done = seen.poll(10, TimeUnit.SECONDS);
      assertEquals(ResponseCode.CONTENT, done.getCode());
      JsonNode result = JSON.readTree(done.getPayload());
      assertEquals("ok", result.path("status").asText(), result.toString());
      assertEquals(3.0, result.path("outputs").path("y").get(0).asDouble());
      relation.proactiveCancel();
      // The separate response of the POST carries the same result.
      CoapResponse separate = posted.poll(10, TimeUnit.SECONDS);
      assertEquals("ok", JSON.readTree(separate.getPayload()).path("status").asText());
    } finally {
      gate.open.countDown();
      client.shutdown();
      poster.shutdown();
    }
  }

  /** {@code test.gate}: outputs x + 2, once the test opens the gate. */
  static final class GateKernel implements dev.cairn.kernels.Kernel {
    final java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);

    @Override
    public dev.cairn.kernels.KernelSpec spec() {
      return new dev.cairn.kernels.KernelSpec("test.gate", "1.0.0", "waits for the test", List.of(),
          List.of(new dev.cairn.kernels.InputSpec("x", 1, "vector")),
          List.of(new dev.cairn.kernels.OutputSpec("y", dev.cairn.kernels.OutputSpec.Kind.F32_ARRAY, "x + 2")));
    }

    @Override
    public dev.cairn.kernels.KernelArgs check(dev.cairn.kernels.KernelArgs args) {
      return args;
    }

    @Override
    public Map<String, Object> run(dev.cairn.kernels.KernelArgs args, dev.cairn.kernels.Parallel parallel) {
      entered.countDown();
      try {
        if (!open.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never opened the gate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      float[] x = args.input("x");
      float[] y = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        y[i] = x[i] + 2;
      }
      return Map.of("y", y);
    }
  }
}
