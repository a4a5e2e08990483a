package dev.cairn.anchor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.anchor.impl.DefaultAnchorService;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The http sink against a real HTTP server on loopback that demands its bearer token. */
class HttpSinkTest {
  @TempDir Path dir;

  @Test
  void postsEachCheckpointWithTheBearerTokenAndRetriesUntilAccepted() throws Exception {
    List<JsonNode> accepted = new CopyOnWriteArrayList<>();
    List<String> refusedTokens = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/anchor", ex -> {
      try (ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (!"Bearer s3cret".equals(auth)) {
          refusedTokens.add(String.valueOf(auth));
          ex.sendResponseHeaders(401, -1);
          return;
        }
        accepted.add(new ObjectMapper().readTree(ex.getRequestBody().readAllBytes()));
        ex.sendResponseHeaders(204, -1);
      }
    });
    server.start();
    MutableClock clock = new MutableClock();
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/anchor");
    AnchorService wrongToken = AnchorService.open(new AnchorOptions(dir, "gw-1", 1, 1000, 100,
        List.of(AnchorSinks.http("hook", url, "wrong", Duration.ofSeconds(5)))), clock);
    wrongToken.append(ReceiptTest.leaf("h1", 1)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    await().atMost(10, TimeUnit.SECONDS).until(() -> !refusedTokens.isEmpty());
    ReceiptLookup pending = await().atMost(10, TimeUnit.SECONDS)
        .until(() -> wrongToken.receipt("dev1", "h1").toCompletableFuture().get(), l -> l.detail().contains("HTTP 401"));
    assertEquals(ReceiptLookup.Status.PENDING, pending.status());
    wrongToken.close().toCompletableFuture().get(10, TimeUnit.SECONDS);

    // Same journal, right token: the waiting checkpoint is posted once and the receipt completes.
    AnchorService service = AnchorService.open(new AnchorOptions(dir, "gw-1", 1, 1000, 100,
        List.of(AnchorSinks.http("hook", url, "s3cret", Duration.ofSeconds(5)))), clock);
    Receipt r = await().atMost(10, TimeUnit.SECONDS).until(() -> {
      clock.advanceMillis(90_000);
      ((DefaultAnchorService) service).tick().toCompletableFuture().get();
      return service.receipt("dev1", "h1").toCompletableFuture().get();
    }, l -> l.status() == ReceiptLookup.Status.READY).receipt();
    assertEquals(1, accepted.size());
    JsonNode posted = accepted.get(0);
    assertEquals(HexFormat.of().formatHex(r.checkpoint().hash()), posted.path("commitment").asText());
    assertEquals("gw-1", posted.path("origin").asText());
    assertEquals(Map.of("url", url.toString(), "status", "204"), r.anchors().get(0).evidence());
    assertTrue(ReceiptVerifier.verify(r, service.publicKey(), null, null).stream().allMatch(ReceiptVerifier.Check::ok));
    service.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    server.stop(0);
  }
}
