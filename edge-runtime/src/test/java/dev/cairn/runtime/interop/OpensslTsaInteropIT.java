package dev.cairn.runtime.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.anchor.Checkpoint;
import dev.cairn.anchor.Receipt;
import dev.cairn.anchor.ReceiptCodec;
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
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rfc3161 sink against OpenSSL's TSA ({@code openssl ts -reply}) behind a loopback HTTP endpoint;
 * the resulting receipt checked by {@code cairn verify} and its token by {@code openssl ts -verify}.
 */
class OpensslTsaInteropIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tsaDir;
  @TempDir Path dataDir;

  static String run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
    return out;
  }

  @Test
  void receiptAnchoredByOpensslTsaVerifiesWithCairnAndOpenssl() throws Exception {
    String openssl = ExternalTools.require("openssl", "openssl");
    run(tsaDir, openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "tsa.key", "-out", "tsa.crt", "-days", "30", "-subj", "/CN=OpenSSL Interop TSA",
        "-addext", "extendedKeyUsage=critical,timeStamping", "-addext", "basicConstraints=critical,CA:FALSE");
    Files.writeString(tsaDir.resolve("serial"), "01\n");
    Files.writeString(tsaDir.resolve("tsa.cnf"), """
        [ tsa ]
        default_tsa = tsa1
        [ tsa1 ]
        dir = %s
        serial = $dir/serial
        crypto_device = builtin
        signer_cert = $dir/tsa.crt
        certs = $dir/tsa.crt
        signer_key = $dir/tsa.key
        signer_digest = sha256
        default_policy = 1.2.3.4.1
        digests = sha256
        accuracy = secs:1
        ordering = yes
        tsa_name = no
        ess_cert_id_chain = no
        ess_cert_id_alg = sha256
        """.formatted(tsaDir));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/tsa", exchange -> {
      try (exchange) {
        Path query = Files.createTempFile(tsaDir, "q", ".tsq");
        Path reply = tsaDir.resolve(query.getFileName() + ".tsr");
        Files.write(query, exchange.getRequestBody().readAllBytes());
        run(tsaDir, openssl, "ts", "-reply", "-config", "tsa.cnf", "-queryfile", query.toString(), "-out", reply.toString());
        byte[] out = Files.readAllBytes(reply);
        exchange.getResponseHeaders().add("Content-Type", "application/timestamp-reply");
        exchange.sendResponseHeaders(200, out.length);
        exchange.getResponseBody().write(out);
      } catch (Exception e) {
        exchange.sendResponseHeaders(500, -1);
      }
    });
    server.start();
    Path yaml = tsaDir.resolve("gateway.yaml");
    Files.writeString(yaml, """
        dataDir: %s
        mqtt: {host: 127.0.0.1, port: 0}
        admin: {port: 0}
        coap: {host: 127.0.0.1, port: 0}
        batch: {maxLeaves: 1, maxDelayMs: 1000}
        anchor:
          sinks: [local, rfc3161]
          rfc3161: {url: "http://127.0.0.1:%d/tsa"}
        """.formatted(dataDir, server.getAddress().getPort()));
    Gateway gateway = TestGateways.start(yaml);
    try {
      byte[] result;
      try (Mqtt5Device device = Mqtt5Device.connect(gateway.mqttPort(), "dev1").subscribe("cairn/dev1/results")) {
        device.publishJson("cairn/dev1/jobs", "{\"id\":\"o1\",\"kernel\":\"vector.stats\",\"inputs\":{\"x\":[1,2,3,4]}}");
        result = device.next().message().getPayload();
      }
      assertEquals("ok", JSON.readTree(result).path("status").asText(), new String(result, StandardCharsets.UTF_8));
      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + gateway.adminPort() + "/v1/receipts/dev1/o1");
      String body = await().atMost(30, TimeUnit.SECONDS).until(
          () -> http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()),
          r -> r.statusCode() == 200).body();
      Path receiptFile = tsaDir.resolve("o1.receipt.json");
      Files.writeString(receiptFile, body);
      Path resultFile = tsaDir.resolve("o1.result.json");
      Files.write(resultFile, result);
      assertEquals(0, CairnCommand.execute("verify", receiptFile.toString(), "--gateway-key",
          dataDir.resolve("gateway.pub").toString(), "--tsa-cert", tsaDir.resolve("tsa.crt").toString(),
          "--result", resultFile.toString()));

      // OpenSSL checks the same token against the same commitment on its own.
      Receipt receipt = ReceiptCodec.read(body.getBytes(StandardCharsets.UTF_8));
      Checkpoint c = receipt.checkpoint();
      String token = receipt.anchors().stream().filter(a -> a.type().equals("rfc3161")).findFirst().orElseThrow()
          .evidence().get("token");
      Path tokenFile = tsaDir.resolve("token.der");
      Files.write(tokenFile, Base64.getDecoder().decode(token));
      String verified = run(tsaDir, openssl, "ts", "-verify", "-token_in", "-in", tokenFile.toString(),
          "-digest", HexFormat.of().formatHex(c.hash()), "-CAfile", "tsa.crt", "-untrusted", "tsa.crt");
      assertTrue(verified.contains("Verification: OK"), verified);
    } finally {
      TestGateways.stop(gateway);
      server.stop(0);
    }
  }
}
