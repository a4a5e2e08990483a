package dev.cairn.anchor.impl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.anchor.AnchorProof;
import dev.cairn.anchor.AnchorSink;
import dev.cairn.anchor.Checkpoint;
import dev.cairn.anchor.usage.EthereumPayer;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Commits the checkpoint hash as the calldata of a transaction from the gateway's account to itself,
 * then waits for {@code confirmations} blocks. The signed transaction is remembered in the journal
 * before it is broadcast: after a crash or a failure the same transaction is looked up and, if the
 * chain does not know it, broadcast again (same nonce), so a checkpoint is never anchored twice.
 * Submissions of this sink run one at a time, so nonces never collide.
 */
public final class EthereumSink implements AnchorSink {
  private static final HexFormat HEX = HexFormat.of();

  private final String name;
  private final EthereumPayer payer;
  private final int confirmations;
  private final Duration maxWait;
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

  public EthereumSink(String name, URI rpcUrl, String privateKeyHex, int confirmations, Duration pollInterval,
      Duration timeout, Duration maxWait) {
    this.name = name;
    this.payer = new EthereumPayer(rpcUrl, privateKeyHex, confirmations, pollInterval, timeout);
    this.confirmations = confirmations;
    this.maxWait = maxWait;
  }

  public String address() {
    return payer.address();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletionStage<AnchorProof> anchor(Checkpoint checkpoint, byte[] commitment) {
    throw new UnsupportedOperationException("the ethereum sink needs a memo");
  }

  @Override
  public synchronized CompletionStage<AnchorProof> anchor(Checkpoint checkpoint, byte[] commitment, Memo memo) {
    CompletableFuture<AnchorProof> run = tail.handle((x, e) -> null)
        .thenCompose(x -> submit(commitment, memo))
        .toCompletableFuture();
    tail = run;
    return run;
  }

  private CompletionStage<AnchorProof> submit(byte[] commitment, Memo memo) {
    CompletionStage<String> signed = memo.recalled() != null
        ? CompletableFuture.completedFuture(memo.recalled())
        : payer.sign(payer.address(), BigInteger.ZERO, commitment).thenCompose(raw -> memo.remember(raw).thenApply(v -> raw));
    return signed.thenCompose(raw -> payer.sendAndConfirm(raw, maxWait)).thenApply(c -> new AnchorProof(name, "ethereum", Map.of(
        "chainId", Long.toString(c.chainId()),
        "txHash", c.txHash(),
        "blockNumber", Long.toString(c.blockNumber()),
        "blockHash", c.blockHash(),
        "from", payer.address(),
        "confirmations", Integer.toString(confirmations))));
  }

  /** Checks an ethereum anchor against a node: null when it holds, else why not. */
  public static String check(Map<String, String> evidence, byte[] commitment, URI rpcUrl) {
    JsonRpc rpc = new JsonRpc(rpcUrl, Duration.ofSeconds(10));
    try {
      JsonNode tx = rpc.call("eth_getTransactionByHash", evidence.get("txHash")).toCompletableFuture().get(15, TimeUnit.SECONDS);
      if (tx.isNull()) {
        return "the chain at " + rpcUrl + " does not know transaction " + evidence.get("txHash");
      }
      if (!("0x" + HEX.formatHex(commitment)).equalsIgnoreCase(tx.path("input").asText())) {
        return "transaction " + evidence.get("txHash") + " carries another commitment than this checkpoint's";
      }
      long chain = JsonRpc.quantity(rpc.call("eth_chainId").toCompletableFuture().get(15, TimeUnit.SECONDS));
      if (!Long.toString(chain).equals(evidence.get("chainId"))) {
        return "the node is on chain " + chain + ", the anchor on chain " + evidence.get("chainId");
      }
      JsonNode block = rpc.call("eth_getBlockByNumber", "0x" + Long.toHexString(Long.parseLong(evidence.get("blockNumber"))), false)
          .toCompletableFuture().get(15, TimeUnit.SECONDS);
      if (block.isNull() || !block.path("hash").asText().equalsIgnoreCase(evidence.get("blockHash"))
          || !tx.path("blockHash").asText().equalsIgnoreCase(evidence.get("blockHash"))) {
        return "block " + evidence.get("blockNumber") + " is not the block " + evidence.get("blockHash") + " the transaction was recorded in (reorganised?)";
      }
      return null;
    } catch (Exception e) {
      return "the Ethereum node at " + rpcUrl + " could not be asked: " + e.getMessage();
    }
  }
}
