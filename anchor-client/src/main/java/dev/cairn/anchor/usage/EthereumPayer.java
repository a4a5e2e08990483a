package dev.cairn.anchor.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.anchor.impl.JsonRpc;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.util.HexFormat;
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
 * Native-currency transactions from one account over Ethereum JSON-RPC: signed first (so the caller can
 * keep the signed bytes before they leave), then broadcast unless the chain already knows them, then
 * awaited for {@code confirmations} blocks. A transaction kept and sent again after a crash has the
 * same hash and nonce, so it lands once. Callers send one transaction at a time per account.
 */
public final class EthereumPayer {
  private static final HexFormat HEX = HexFormat.of();
  /** 21000 plus calldata of 32 bytes (at most 16 gas a byte), with room to spare. */
  public static final BigInteger GAS_LIMIT = BigInteger.valueOf(30_000);

  /** Where a confirmed transaction landed. */
  public record Confirmed(String txHash, long chainId, long blockNumber, String blockHash) {}

  private final JsonRpc rpc;
  private final Credentials account;
  private final int confirmations;
  private final Duration pollInterval;

  public EthereumPayer(URI rpcUrl, String privateKeyHex, int confirmations, Duration pollInterval, Duration timeout) {
    this.rpc = new JsonRpc(rpcUrl, timeout);
    this.account = Credentials.create(privateKeyHex);
    this.confirmations = confirmations;
    this.pollInterval = pollInterval;
  }

  /** The account's address, {@code 0x} and 40 lowercase hex digits. */
  public String address() {
    return account.getAddress();
  }

  public static boolean isAddress(String s) {
    return s != null && s.matches("0x[0-9a-fA-F]{40}");
  }

  /** Signs a transfer of {@code wei} to {@code to} carrying {@code data}, at the account's next nonce. */
  public CompletionStage<String> sign(String to, BigInteger wei, byte[] data) {
    String from = account.getAddress();
    return rpc.call("eth_chainId").thenCompose(chain -> rpc.call("eth_getTransactionCount", from, "pending")
        .thenCompose(nonce -> rpc.call("eth_gasPrice").thenApply(price -> {
          RawTransaction tx = RawTransaction.createTransaction(BigInteger.valueOf(JsonRpc.quantity(nonce)),
              new BigInteger(price.asText().substring(2), 16), GAS_LIMIT, to, wei, "0x" + HEX.formatHex(data));
          return "0x" + HEX.formatHex(TransactionEncoder.signMessage(tx, JsonRpc.quantity(chain), account));
        })));
  }

  /** The hash of a signed transaction. */
  public static String txHash(String raw) {
    return "0x" + HEX.formatHex(Hash.sha3(HEX.parseHex(raw.substring(2))));
  }

  /**
   * Broadcasts {@code raw} unless the chain knows it, then waits for its confirmations for at most
   * {@code maxWait}; fails saying why (not mined yet, failed on chain, the node unreachable).
   */
  public CompletionStage<Confirmed> sendAndConfirm(String raw, Duration maxWait) {
    String hash = txHash(raw);
    return rpc.call("eth_getTransactionByHash", hash)
        .thenCompose(known -> known.isNull()
            ? rpc.call("eth_sendRawTransaction", raw).thenApply(JsonNode::asText)
            : CompletableFuture.completedFuture(hash))
        .thenCompose(h -> awaitConfirmed(h, System.nanoTime() + maxWait.toNanos(), maxWait));
  }

  /** The account's balance in wei. */
  public CompletionStage<BigInteger> balance(String address) {
    return rpc.call("eth_getBalance", address, "latest").thenApply(b -> new BigInteger(b.asText().substring(2), 16));
  }

  private CompletionStage<Confirmed> awaitConfirmed(String txHash, long deadline, Duration maxWait) {
    return rpc.call("eth_getTransactionReceipt", txHash).thenCompose(receipt -> {
      if (receipt.isNull()) {
        return later(txHash, deadline, maxWait, "transaction " + txHash + " is not mined yet");
      }
      if (!"0x1".equals(receipt.path("status").asText())) {
        throw new CompletionException(new IOException("transaction " + txHash + " failed on chain"));
      }
      long block = JsonRpc.quantity(receipt.path("blockNumber"));
      String blockHash = receipt.path("blockHash").asText();
      return rpc.call("eth_blockNumber").thenCompose(head -> {
        if (JsonRpc.quantity(head) - block + 1 < confirmations) {
          return later(txHash, deadline, maxWait, "transaction " + txHash + " has fewer than " + confirmations + " confirmations");
        }
        return rpc.call("eth_chainId").thenApply(chain -> new Confirmed(txHash, JsonRpc.quantity(chain), block, blockHash));
      });
    });
  }

  private CompletionStage<Confirmed> later(String txHash, long deadline, Duration maxWait, String why) {
    if (System.nanoTime() > deadline) {
      throw new CompletionException(new IOException(why + " after " + maxWait.toSeconds() + " s; will look again"));
    }
    Executor delayed = CompletableFuture.delayedExecutor(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    return CompletableFuture.supplyAsync(() -> null, delayed).thenCompose(x -> awaitConfirmed(txHash, deadline, maxWait));
  }
}
