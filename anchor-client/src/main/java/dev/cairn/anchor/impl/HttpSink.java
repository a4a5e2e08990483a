package dev.cairn.anchor.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.anchor.AnchorProof;
import dev.cairn.anchor.AnchorSink;
import dev.cairn.anchor.Checkpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * POSTs each checkpoint as JSON to a webhook. The receiver should treat {@code commitment} as an
 * idempotency key: after a failure or restart the same checkpoint may be posted again.
 */
public final class HttpSink implements AnchorSink {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.of();
  private final String name;
  private final URI url;
  private final String bearer;
  private final Duration timeout;
  private final HttpClient http;

  public HttpSink(String name, URI url, String bearer, Duration timeout) {
    this.name = name;
    this.url = url;
    this.bearer = bearer;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletionStage<AnchorProof> anchor(Checkpoint c, byte[] commitment) {
    ObjectNode body = JSON.createObjectNode()
        .put("origin", c.origin())
        .put("batch", c.batch())
        .put("size", c.treeSize())
        .put("root", HEX.formatHex(c.root()))
        .put("prev", HEX.formatHex(c.previousHash()))
        .put("time", c.timeMillis())
        .put("commitment", HEX.formatHex(commitment))
        .put("checkpoint", HEX.formatHex(c.body()))
        .put("signature", HEX.formatHex(c.signature()));
    HttpRequest.Builder post = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", HEX.formatHex(commitment))
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (bearer != null) {
      post.header("Authorization", "Bearer " + bearer);
    }
    return http.sendAsync(post.build(), HttpResponse.BodyHandlers.ofString()).thenApply(resp -> {
      if (resp.statusCode() / 100 != 2) {
        throw new CompletionException(new IOException("webhook " + url + " answered HTTP " + resp.statusCode()));
      }
      return new AnchorProof(name, "http", Map.of("url", url.toString(), "status", Integer.toString(resp.statusCode())));
    });
  }
}
