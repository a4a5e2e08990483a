package dev.cairn.anchor.impl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.anchor.AnchorProof;
import dev.cairn.anchor.AnchorSink;
import dev.cairn.anchor.Checkpoint;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;

/**
 * Commits the checkpoint hash as the calldata of a transaction from the gateway's account to itself,
 * then waits for {@code confirmations} blocks. The signed transaction is remembered in the journal
 * before it is broadcast: after a crash or a failure the same transaction is looked up and, if the
 * chain does not know it, broadcast again (same nonce), so a checkpoint is never anchored twice.
 * Submissions of this sink run one at a time, so nonces never collide.
 */
public final class EthereumSink implements AnchorSink {
  private static final HexFormat HEX = HexFormat.of();
  /** 21000 plus calldata: 32 non-zero bytes at most 16 gas each, with room to spare. */
  static final BigInteger GAS_LIMIT = BigInteger.valueOf(30_000);

  private final String name;
  private final JsonRpc rpc;
  private final Credentials account;
  private final int confirmations;
  private final Duration pollInterval;
  private final Duration maxWait;
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

  public EthereumSink(String name, URI rpcUrl, String privateKeyHex, int confirmations, Duration pollInterval,
      Duration timeout, Duration maxWait) {
    this.name = name;
    this.rpc = new JsonRpc(rpcUrl, timeout);
    this.account = Credentials.create(privateKeyHex);
    this.confirmations = confirmations;
    this.pollInterval = pollInterval;
    this.maxWait = maxWait;
  }

  public String address() {
    return account.getAddress();
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
        : sign(commitment).thenCompose(raw -> memo.remember(raw).thenApply(v -> raw));
    return signed.thenCompose(raw -> {
      String txHash = "0x" + HEX.formatHex(Hash.sha3(HEX.parseHex(raw.substring(2))));
      return rpc.call("eth_getTransactionByHash", txHash).thenCompose(known -> known.isNull()
          ? rpc.call("eth_sendRawTransaction", raw).thenApply(JsonNode::asText)
          : CompletableFuture.completedFuture(txHash));
    }).thenCompose(txHash -> awaitConfirmed(txHash, System.nanoTime() + maxWait.toNanos()));
  }

  private CompletionStage<String> sign(byte[] commitment) {
    String from = account.getAddress();
    return rpc.call("eth_chainId").thenCompose(chain -> rpc.call("eth_getTransactionCount", from, "pending")
        .thenCompose(nonce -> rpc.call("eth_gasPrice").thenApply(price -> {
          RawTransaction tx = RawTransaction.createTransaction(BigInteger.valueOf(JsonRpc.quantity(nonce)),
              new BigInteger(price.asText().substring(2), 16), GAS_LIMIT, from, BigInteger.ZERO, "0x" + HEX.formatHex(commitment));
          byte[] bytes = TransactionEncoder.signMessage(tx, JsonRpc.quantity(chain), account);
          return "0x" + HEX.formatHex(bytes);
        })));
  }

  /** Polls for the receipt, then for {@code confirmations} blocks, then records where it landed. */
  private CompletionStage<AnchorProof> awaitConfirmed(String txHash, long deadline) {
    return rpc.call("eth_getTransactionReceipt", txHash).thenCompose(receipt -> {
      if (receipt.isNull()) {
        return later(txHash, deadline, "transaction " + txHash + " is not mined yet");
      }
      if (!"0x1".equals(receipt.path("status").asText())) {
        throw new CompletionException(new IOException("transaction " + txHash + " failed on chain"));
      }
      long block = JsonRpc.quantity(receipt.path("blockNumber"));
      String blockHash = receipt.path("blockHash").asText();
      return rpc.call("eth_blockNumber").thenCompose(head -> {
        if (JsonRpc.quantity(head) - block + 1 < confirmations) {
          return later(txHash, deadline, "transaction " + txHash + " has fewer than " + confirmations + " confirmations");
        }
        return rpc.call("eth_chainId").thenApply(chain -> new AnchorProof(name, "ethereum", Map.of(
            "chainId", Long.toString(JsonRpc.quantity(chain)),
            "txHash", txHash,
            "blockNumber", Long.toString(block),
            "blockHash", blockHash,
            "from", account.getAddress(),
            "confirmations", Integer.toString(confirmations))));
      });
    });
  }

  private CompletionStage<AnchorProof> later(String txHash, long deadline, String why) {
    if (System.nanoTime() > deadline) {
      throw new CompletionException(new IOException(why + " after " + maxWait.toSeconds() + " s; will look again"));
    }
    Executor delayed = CompletableFuture.delayedExecutor(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    return CompletableFuture.supplyAsync(() -> null, delayed).thenCompose(x -> awaitConfirmed(txHash, deadline));
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
