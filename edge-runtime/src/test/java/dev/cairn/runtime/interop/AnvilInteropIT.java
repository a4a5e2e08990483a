package dev.cairn.runtime.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.anchor.AnchorOptions;
import dev.cairn.anchor.AnchorService;
import dev.cairn.anchor.AnchorSinks;
import dev.cairn.anchor.LeafInput;
import dev.cairn.anchor.Receipt;
import dev.cairn.anchor.ReceiptCodec;
import dev.cairn.anchor.ReceiptLookup;
import dev.cairn.anchor.ReceiptVerifier;
import dev.cairn.runtime.Gateway;
import dev.cairn.runtime.e2e.TestGateways;
import dev.cairn.runtime.cli.CairnCommand;
import dev.cairn.runtime.e2e.Mqtt5Device;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ethereum sink against anvil (Foundry's Ethereum dev node, npm {@code @foundry-rs/anvil}) on 127.0.0.1. */
class AnvilInteropIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String DEV_KEY = Anvil.DEV_KEY;
  static final String DEV_ADDRESS = Anvil.DEV_ADDRESS;

  @TempDir Path dir;
  Anvil anvil;
  URI rpc;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void startAnvil() throws Exception {
    anvil = Anvil.start();
    rpc = anvil.rpc;
  }

  @AfterEach
  void stopAnvil() throws Exception {
    anvil.close();
  }

  JsonNode call(String method, Object... params) throws Exception {
    return anvil.call(method, params);
  }

  /** Calldata of every transaction sent from the dev account, with how often each appears. */
  Map<String, Integer> anchoredCommitments() throws Exception {
    Map<String, Integer> seen = new HashMap<>();
    for (JsonNode tx : anvil.transactionsFrom(DEV_ADDRESS)) {
      seen.merge(tx.path("input").asText().toLowerCase(), 1, Integer::sum);
    }
    return seen;
  }

  @Test
  void gatewayAnchorsToAnvilAndCairnVerifyChecksTheChain() throws Exception {
    Path key = dir.resolve("eth.key");
    Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(key, DEV_KEY + "\n");
    Path data = dir.resolve("data");
    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, """
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: 0}
        admin: {port: 0}
        coap: {host: 127.0.0.1, port: 0}
        batch: {maxLeaves: 2, maxDelayMs: 500}
        anchor:
          sinks: [local, ethereum]
          ethereum: {rpcUrl: "%s", privateKeyFile: "%s", confirmations: 2, pollIntervalMs: 200}
        """.formatted(data, rpc, key));
    Gateway gateway = TestGateways.start(yaml);
    try {
      try (Mqtt5Device device = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
        for (int i = 0; i < 4; i++) {
          device.publishJson("cairn/dev1/jobs", "{\"id\":\"e" + i + "\",\"kernel\":\"vector.stats\",\"inputs\":{\"x\":[1,2," + i + "]}}");
        }
        for (int i = 0; i < 4; i++) {
          device.next();
        }
      }
      for (int i = 0; i < 4; i++) {
        URI uri = URI.create("http://127.0.0.1:" + gateway.adminPort() + "/v1/receipts/dev1/e" + i);
        String body = await().atMost(60, TimeUnit.SECONDS).until(
            () -> http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()),
            r -> r.statusCode() == 200).body();
        Path receipt = dir.resolve("e" + i + ".json");
        Files.writeString(receipt, body);
        assertEquals(0, CairnCommand.execute("verify", receipt.toString(), "--gateway-key", data.resolve("gateway.pub").toString(),
            "--eth-rpc", rpc.toString()));
        assertEquals(1, CairnCommand.execute("verify", receipt.toString(), "--gateway-key", data.resolve("gateway.pub").toString()));
      }
      Map<String, Integer> onChain = anchoredCommitments();
      assertEquals(2, onChain.size(), onChain.toString());
      onChain.forEach((input, n) -> assertEquals(1, n, input));
    } finally {
      TestGateways.stop(gateway);
    }
  }

  @Test
  void aLostAnswerAndARestartNeverAnchorACheckpointTwice() throws Exception {
    // A proxy that passes everything to anvil but answers the first broadcast with HTTP 502, as if the
    // connection broke after the node took the transaction.
    AtomicInteger broadcasts = new AtomicInteger();
    HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    proxy.createContext("/", ex -> {
      try (ex) {
        byte[] body = ex.getRequestBody().readAllBytes();
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(rpc).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (new String(body, StandardCharsets.UTF_8).contains("eth_sendRawTransaction") && broadcasts.incrementAndGet() == 1) {
          ex.sendResponseHeaders(502, -1);
          return;
        }
        ex.sendResponseHeaders(200, r.body().length);
        ex.getResponseBody().write(r.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    proxy.start();
    URI viaProxy = URI.create("http://127.0.0.1:" + proxy.getAddress().getPort());
    Path data = dir.resolve("journal");
    AnchorOptions opts = new AnchorOptions(data, "gw-eth", 1, 1000, 100,
        List.of(AnchorSinks.ethereum("ethereum", viaProxy, DEV_KEY, 1, Duration.ofMillis(100), Duration.ofSeconds(5))));
    AnchorService first = AnchorService.open(opts, Clock.systemUTC());
    first.append(new LeafInput("dev1", "x1", "vector.stats", "1.0.0", new byte[32], Map.of("count", 1L), "jvm", 0, 0))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    await().atMost(30, TimeUnit.SECONDS).until(() -> broadcasts.get() >= 1);
    // The node has the transaction; the gateway saw a failure. Stop it before it retries.
    first.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    AnchorService second = AnchorService.open(opts, Clock.systemUTC());
    try {
      Receipt r = await().atMost(60, TimeUnit.SECONDS).until(() -> second.receipt("dev1", "x1").toCompletableFuture().get(),
          l -> l.status() == ReceiptLookup.Status.READY).receipt();
      assertTrue(ReceiptVerifier.verify(ReceiptCodec.read(ReceiptCodec.toJson(r)), second.publicKey(), null, rpc, null)
          .stream().allMatch(ReceiptVerifier.Check::ok));
      Map<String, Integer> onChain = anchoredCommitments();
      assertEquals(1, onChain.size(), onChain.toString());
      assertEquals(1, onChain.values().iterator().next());
    } finally {
      second.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
      proxy.stop(0);
    }
  }
}
