package dev.cairn.runtime.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn peers}: the gateway's peers, from its admin API ({@code GET /v1/peers}); quarantines or lifts one. */
@Command(name = "peers", mixinStandardHelpOptions = true,
    description = "List a running gateway's peers (state, load, latency, score) from its admin API; quarantine or lift one.")
final class PeersCommand implements Callable<Integer> {
  @Option(names = "--admin", defaultValue = "http://127.0.0.1:8080", paramLabel = "URL", description = "the gateway's admin API (default ${DEFAULT-VALUE})")
  String admin;

  @Option(names = "--token-file", paramLabel = "FILE", description = "the admin token, when admin.tokenFile is set")
  Path tokenFile;

  @Option(names = "--json", description = "print the JSON array of GET /v1/peers")
  boolean json;

  @Option(names = "--quarantine", paramLabel = "ID", description = "quarantine this peer: no work goes to it or is taken from it")
  String quarantine;

  @Option(names = "--reason", paramLabel = "TEXT", description = "with --quarantine: why (kept with the peer)")
  String reason;

  @Option(names = "--lift", paramLabel = "ID", description = "lift this peer's quarantine")
  String lift;

  @Override
  public Integer call() throws Exception {
    HttpRequest.Builder b;
    if (quarantine != null || lift != null) {
      String path = quarantine != null
          ? "/v1/peers/" + enc(quarantine) + "/quarantine" + (reason == null ? "" : "?reason=" + enc(reason))
          : "/v1/peers/" + enc(lift) + "/lift";
      b = HttpRequest.newBuilder(URI.create(admin + path)).POST(HttpRequest.BodyPublishers.noBody());
    } else {
      b = HttpRequest.newBuilder(URI.create(admin + "/v1/peers")).GET();
    }
    if (tokenFile != null) {
      b.header("Authorization", "Bearer " + Files.readString(tokenFile, StandardCharsets.UTF_8).trim());
    }
    HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
        .send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      System.err.println("cairn peers: " + admin + " answered " + r.statusCode() + ": " + r.body());
      return 1;
    }
    JsonArray peers = new JsonArray(r.body());
    if (json) {
      System.out.println(peers.encodePrettily());
      return 0;
    }
    if (peers.isEmpty()) {
      System.out.println("no peers (the gateway has no network section, or network.peers is empty)");
      return 0;
    }
    System.out.printf("%-20s %-12s %6s %8s %10s %6s  %s%n", "ID", "STATE", "LOAD", "QUEUED", "LATENCY", "SCORE", "KERNELS");
    for (Object o : peers) {
      JsonObject p = (JsonObject) o;
      Double latency = p.getDouble("latencyMs");
      System.out.printf("%-20s %-12s %6.2f %8s %10s %6.2f  %s%n", p.getString("id"), p.getString("state"), p.getDouble("load"),
          p.containsKey("queueLength") ? String.valueOf(p.getInteger("queueLength")) : "-",
          latency == null ? "-" : String.format("%.1f ms", latency), p.getDouble("score"),
          p.containsKey("kernels") ? String.join(",", p.getJsonObject("kernels").fieldNames()) : "-");
    }
    return 0;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
