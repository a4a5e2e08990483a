package dev.cairn.anchor.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/** Ethereum JSON-RPC over the JDK's HTTP client, asynchronous. */
public final class JsonRpc {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI url;
  private final Duration timeout;
  private final HttpClient http;
  private final AtomicLong ids = new AtomicLong();

  public JsonRpc(URI url, Duration timeout) {
    this.url = url;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** Completes with the call's {@code result} (JSON null when the node has none); fails on an RPC error. */
  public CompletionStage<JsonNode> call(String method, Object... params) {
    ObjectNode req = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", ids.incrementAndGet()).put("method", method);
    ArrayNode ps = req.putArray("params");
    for (Object p : params) {
      ps.add(JSON.valueToTree(p));
    }
    HttpRequest post = HttpRequest.newBuilder(url).timeout(timeout).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(req.toString())).build();
    return http.sendAsync(post, HttpResponse.BodyHandlers.ofString()).thenApply(resp -> {
      if (resp.statusCode() / 100 != 2) {
        throw new CompletionException(new IOException("Ethereum node " + url + " answered HTTP " + resp.statusCode() + " to " + method));
      }
      try {
        JsonNode body = JSON.readTree(resp.body());
        if (body.has("error")) {
          throw new CompletionException(new IOException("Ethereum node refused " + method + ": " + body.path("error").path("message").asText()));
        }
        return body.path("result");
      } catch (IOException e) {
        throw new CompletionException(new IOException("Ethereum node " + url + " sent no JSON-RPC answer to " + method, e));
      }
    });
  }

  public static long quantity(JsonNode hex) {
    return Long.parseLong(hex.asText().substring(2), 16);
  }
}
