package dev.cairn.runtime.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Anvil (Foundry's Ethereum dev node, npm {@code @foundry-rs/anvil}) on a free port of 127.0.0.1, for tests. */
final class Anvil implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  /** Anvil's first well-known dev account. */
  static final String DEV_KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
  static final String DEV_ADDRESS = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
  /** Its second dev account's address. */
  static final String SECOND_ADDRESS = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

  final Process process;
  final URI rpc;
  private final HttpClient http = HttpClient.newHttpClient();

  private Anvil(Process process, URI rpc) {
    this.process = process;
    this.rpc = rpc;
  }

  /** Starts anvil mining a block a second; fails naming the npm package when it is not installed. */
  static Anvil start() throws Exception {
    String bin = ExternalTools.require("anvil", "npm package @foundry-rs/anvil (npm install -g @foundry-rs/anvil)");
    Process anvil = new ProcessBuilder(bin, "--host", "127.0.0.1", "--port", "0", "--block-time", "1").redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(anvil.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      Pattern listening = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+)");
      try {
        for (String line; (line = out.readLine()) != null; ) {
          Matcher m = listening.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (java.io.IOException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new AssertionError("anvil exited before listening"));
    });
    reader.setDaemon(true);
    reader.start();
    return new Anvil(anvil, URI.create("http://127.0.0.1:" + port.get(60, TimeUnit.SECONDS)));
  }

  JsonNode call(String method, Object... params) throws Exception {
    Map<String, Object> req = Map.of("jsonrpc", "2.0", "id", 1, "method", method, "params", List.of(params));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(rpc).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req))).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body()).path("result");
  }

  static BigInteger quantity(JsonNode hex) {
    return new BigInteger(hex.asText().substring(2), 16);
  }

  BigInteger balance(String address) throws Exception {
    return quantity(call("eth_getBalance", address, "latest"));
  }

  /** Every transaction sent from {@code from}, oldest first. */
  List<JsonNode> transactionsFrom(String from) throws Exception {
    List<JsonNode> out = new java.util.ArrayList<>();
    long head = quantity(call("eth_blockNumber")).longValueExact();
    for (long b = 0; b <= head; b++) {
      for (JsonNode tx : call("eth_getBlockByNumber", "0x" + Long.toHexString(b), true).path("transactions")) {
        if (from.equalsIgnoreCase(tx.path("from").asText())) {
          out.add(tx);
        }
      }
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
