package dev.cairn.runtime.cli;

import dev.cairn.anchor.ReceiptVerifier.Check;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageCodec;
import dev.cairn.anchor.usage.UsageRecompute;
import dev.cairn.anchor.usage.UsageVerifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn usage verify}: checks usage statements offline, like {@code cairn verify} a receipt. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Verify usage statements offline (one, or a JSON array as GET /v1/usage/statements gives): the "
        + "gateway's signature, a peer's countersignature, the receipt anchoring each, the chain between them, and "
        + "with --receipts their totals recomputed from job receipts. Exit 0 when every check passes, 1 when one fails.")
final class UsageVerifyCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "a usage statement, or a JSON array of them")
  Path file;

  @Option(names = "--gateway-key", required = true, paramLabel = "KEY",
      description = "the gateway's Ed25519 public key as you know it: a gateway.pub file or 64 hex digits")
  String gatewayKey;

  @Option(names = "--peer-key", paramLabel = "KEY", description = "the peer gateway's key that must have countersigned")
  String peerKey;

  @Option(names = "--receipts", paramLabel = "DIR", description = "a folder of job receipts (JSON or CBOR) to recompute the totals from")
  Path receipts;

  @Option(names = "--tsa-cert", paramLabel = "CERT", description = "the TSA's certificate (PEM or DER), to check rfc3161 anchors")
  Path tsaCert;

  @Option(names = "--eth-rpc", paramLabel = "URL", description = "an Ethereum JSON-RPC node, to check ethereum anchors on the chain")
  URI ethRpc;

  @Override
  public Integer call() throws Exception {
    List<SignedUsage> all;
    try {
      all = UsageCodec.readAll(VerifyCommand.read(file, "statements"));
    } catch (IllegalArgumentException e) {
      System.out.println("FAIL statement: " + e.getMessage());
      System.out.println("usage NOT verified: failed statement");
      return 1;
    }
    byte[] key = VerifyCommand.publicKey("--gateway-key", gatewayKey);
    byte[] peer = peerKey == null ? null : VerifyCommand.publicKey("--peer-key", peerKey);
    X509Certificate cert = tsaCert == null ? null : VerifyCommand.certificate(tsaCert);
    if (receipts != null && !Files.isDirectory(receipts)) {
      throw new IllegalArgumentException("--receipts " + receipts + " is not a folder");
    }
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      SignedUsage u = all.get(i);
      List<Check> checks = new ArrayList<>(UsageVerifier.verify(u, key, peer, cert, ethRpc));
      if (receipts != null) {
        checks.addAll(UsageRecompute.recompute(u.statement(), receipts, key));
      }
      String prefix = all.size() > 1 ? "[" + (i + 1) + "] " : "";
      print(prefix, checks, failed);
    }
    if (all.size() > 1) {
      print("", UsageVerifier.chains(all), failed);
    }
    if (failed.isEmpty()) {
      System.out.println(all.size() == 1 ? "usage statement verified" : all.size() + " usage statements verified");
      return 0;
    }
    System.out.println("usage NOT verified: failed " + String.join(", ", new java.util.LinkedHashSet<>(failed)));
    return 1;
  }

  private static void print(String prefix, List<Check> checks, List<String> failed) {
    for (Check c : checks) {
      System.out.printf("%-4s %s%s: %s%n", c.ok() ? "ok" : "FAIL", prefix, c.name(), c.detail());
      if (!c.ok()) {
        failed.add(c.name());
      }
    }
  }
}
