package dev.cairn.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.anchor.Receipt;
import dev.cairn.anchor.ReceiptCodec;
import dev.cairn.anchor.ReceiptVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn verify}: checks a receipt offline and prints each check. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Verify a receipt offline: leaf, inclusion path, checkpoint signature, each anchor, and for a job a peer ran the same of the peer's receipt and its link to this gateway's leaf. Exit 0 when every check passes, 1 when one fails.")
final class VerifyCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RECEIPT", description = "receipt file, JSON or CBOR; or an evidence record of disagreeing replicas (from GET /v1/evidence)")
  Path receiptFile;

  @Option(names = "--peer-key", paramLabel = "ID=KEY", description = "another gateway's public key (gateway.pub or 64 hex digits): for evidence, once per answering gateway; for a receipt of a job a peer ran, the peer's (its receipt is checked against it)")
  Map<String, String> peerKeys = new LinkedHashMap<>();

  @Option(names = "--gateway-key", required = true, paramLabel = "KEY",
      description = "the gateway's Ed25519 public key as you know it: a gateway.pub file or 64 hex digits (the key inside the receipt is not trusted)")
  String gatewayKey;

  @Option(names = "--tsa-cert", paramLabel = "CERT", description = "the TSA's certificate (PEM or DER), to check rfc3161 anchors")
  Path tsaCert;

  @Option(names = "--eth-rpc", paramLabel = "URL", description = "an Ethereum JSON-RPC node, to check ethereum anchors on the chain")
  java.net.URI ethRpc;

  @Option(names = "--result", paramLabel = "RESULT", description = "the device's JobResult (JSON with outputs and salt), to check the output commitment")
  Path resultFile;

  @Override
  public Integer call() throws Exception {
    byte[] file = read(receiptFile, "receipt");
    if (dev.cairn.runtime.network.EvidenceVerifier.isEvidence(file)) {
      return evidence(file);
    }
    Receipt receipt = ReceiptCodec.read(file);
    byte[] key = pinnedKey();
    X509Certificate cert = tsaCert == null ? null : certificate(tsaCert);
    ReceiptVerifier.DeviceResult result = resultFile == null ? null : deviceResult(resultFile);
    List<ReceiptVerifier.Check> checks = ReceiptVerifier.verify(receipt, key, cert, ethRpc, result, peerKeys());
    List<String> failed = new java.util.ArrayList<>();
    for (ReceiptVerifier.Check c : checks) {
      System.out.printf("%-4s %s: %s%n", c.ok() ? "ok" : "FAIL", c.name(), c.detail());
      if (!c.ok()) {
        failed.add(c.name());
      }
    }
    if (failed.isEmpty()) {
      System.out.println("receipt verified");
      return 0;
    }
    System.out.println("receipt NOT verified: failed " + String.join(", ", failed));
    return 1;
  }

  private Map<String, byte[]> peerKeys() throws IOException {
    Map<String, byte[]> keys = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : peerKeys.entrySet()) {
      keys.put(e.getKey(), key(e.getValue(), "--peer-key " + e.getKey()));
    }
    return keys;
  }

  private int evidence(byte[] file) throws IOException {
    Map<String, byte[]> keys = peerKeys();
    List<String> failed = new java.util.ArrayList<>();
    for (dev.cairn.runtime.network.EvidenceVerifier.Check c : dev.cairn.runtime.network.EvidenceVerifier.verify(file, pinnedKey(), keys)) {
      System.out.printf("%-4s %s: %s%n", c.ok() ? "ok" : "FAIL", c.name(), c.detail());
      if (!c.ok()) {
        failed.add(c.name());
      }
    }
    System.out.println(failed.isEmpty() ? "evidence verified" : "evidence NOT verified: failed " + String.join(", ", failed));
    return failed.isEmpty() ? 0 : 1;
  }

  /** An Ed25519 public key given as 64 hex digits or as a file holding them (a gateway.pub). */
  static byte[] publicKey(String option, String value) throws IOException {
    return key(value, option);
  }

  private byte[] pinnedKey() throws IOException {
    return key(gatewayKey, "--gateway-key");
  }

  private static byte[] key(String given, String option) throws IOException {
    String text = given.trim();
    if (!text.matches("[0-9a-fA-F]{64}")) {
      Path p = Path.of(text);
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException(option + " '" + given + "' is neither 64 hex digits nor a readable file");
      }
      text = Files.readString(p, StandardCharsets.US_ASCII).trim();
    }
    if (!text.matches("[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException(option + " must hold an Ed25519 public key as 64 hex digits (as in gateway.pub)");
    }
    return HexFormat.of().parseHex(text);
  }

  static byte[] read(Path p, String what) throws IOException {
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException(what + " file " + p + " does not exist");
    }
    return Files.readAllBytes(p);
  }

  static X509Certificate certificate(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (CertificateException e) {
      throw new IllegalArgumentException("--tsa-cert " + p + " is not an X.509 certificate (PEM or DER): " + e.getMessage());
    }
  }

  /** Reads outputs as the device got them: arrays as float32, whole numbers as integers, others as doubles. */
  private static ReceiptVerifier.DeviceResult deviceResult(Path p) throws IOException {
    JsonNode r = new ObjectMapper().readTree(read(p, "result"));
    if (!r.path("salt").isTextual() || !r.path("outputs").isObject()) {
      throw new IllegalArgumentException("--result " + p + " must be a JobResult with 'outputs' and 'salt'");
    }
    Map<String, Object> outputs = new LinkedHashMap<>();
    r.path("outputs").fields().forEachRemaining(e -> {
      JsonNode v = e.getValue();
      if (v.isArray()) {
        float[] a = new float[v.size()];
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) v.get(i).asDouble();
        }
        outputs.put(e.getKey(), a);
      } else if (v.isIntegralNumber()) {
        outputs.put(e.getKey(), v.asLong());
      } else {
        outputs.put(e.getKey(), v.asDouble());
      }
    });
    return new ReceiptVerifier.DeviceResult(HexFormat.of().parseHex(r.path("salt").asText()), outputs);
  }
}
