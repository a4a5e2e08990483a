package dev.cairn.runtime.metering;

import dev.cairn.anchor.usage.EthereumPayer;
import dev.cairn.anchor.usage.PriceTable;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.runtime.config.MeteringSettings;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pays each sealed statement on an Ethereum chain: the amount the price table gives, from the paying
 * account to the provider's address, with the statement's hash as the transaction's data. Payments are
 * an outbox in usage.db: added when the statement is stored, signed and kept before broadcast, then
 * awaited for their confirmations, one at a time in order (so nonces never collide). After a restart a
 * kept transaction is sent again as it is, so each statement is paid once. Failures are retried with
 * backoff from 1 s to 5 minutes. Runs on the metering thread.
 */
final class Settlement {
  private static final Logger LOG = LoggerFactory.getLogger(Settlement.class);
  static final long BACKOFF_BASE_MS = 1_000;
  static final long BACKOFF_MAX_MS = 300_000;
  private static final Duration MAX_WAIT = Duration.ofMinutes(2);

  private final EthereumPayer payer;
  private final String payTo;
  private final PriceTable prices;
  private final UsageStore store;
  private final Clock clock;
  private final Executor thread;
  private final String gatewayId;
  private boolean busy;

  Settlement(MeteringSettings.Settlement s, UsageStore store, Clock clock, Executor thread, String gatewayId) {
    this.payer = new EthereumPayer(s.rpcUrl(), s.privateKey(), s.confirmations(), s.pollInterval(), s.timeout());
    this.payTo = s.payTo();
    this.prices = s.prices();
    this.store = store;
    this.clock = clock;
    this.thread = thread;
    this.gatewayId = gatewayId;
    LOG.info("{} settles usage on Ethereum: from {} to {}", gatewayId, payer.address(), payTo);
  }

  /** A payment for each statement that costs anything, to be stored with the statements. */
  List<UsageStore.Payment> paymentsFor(List<SignedUsage> statements) {
    List<UsageStore.Payment> payments = new ArrayList<>();
    for (SignedUsage u : statements) {
      if (!dev.cairn.anchor.usage.UsageStatement.DEVICE.equals(u.statement().subjectKind())) {
        continue; // work done for a peer is settled between the two gateways, not from this account
      }
      BigInteger wei = prices.amount(u.statement());
      if (wei.signum() > 0) {
        payments.add(new UsageStore.Payment(u.hash(), payTo, wei, null, 0));
      }
    }
    return payments;
  }

  /** Starts the next due payment unless one is under way. */
  void pump() {
    if (busy) {
      return;
    }
    Optional<UsageStore.Payment> next;
    try {
      next = store.nextPayment(clock.millis());
    } catch (SQLException e) {
      LOG.error("{} could not read the payments outbox: {}", gatewayId, e.getMessage());
      return;
    }
    if (next.isEmpty()) {
      return;
    }
    busy = true;
    UsageStore.Payment p = next.get();
    (p.rawTx() != null ? java.util.concurrent.CompletableFuture.completedFuture(p.rawTx())
        : payer.sign(p.payTo(), p.wei(), p.statement()).thenApplyAsync(raw -> {
          try {
            store.signed(p.statement(), raw, EthereumPayer.txHash(raw));
          } catch (SQLException e) {
            throw new java.util.concurrent.CompletionException(e);
          }
          return raw;
        }, thread))
        .thenCompose(raw -> payer.sendAndConfirm(raw, MAX_WAIT))
        .whenCompleteAsync((confirmed, e) -> {
          busy = false;
          try {
            if (e == null) {
              store.paid(p.statement(), confirmed.blockNumber());
              LOG.info("{} paid {} wei to {} for statement {} in transaction {} (block {})", gatewayId, p.wei(), p.payTo(),
                  java.util.HexFormat.of().formatHex(p.statement()), confirmed.txHash(), confirmed.blockNumber());
            } else {
              int attempts = p.attempts() + 1;
              long delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS << Math.min(20, attempts - 1));
              String why = dev.cairn.runtime.Failures.unwrap(e).getMessage();
              store.paymentFailed(p.statement(), attempts, clock.millis() + delay, why);
              LOG.warn("{} payment for statement {} not done yet (attempt {}): {}; next try in {} s", gatewayId,
                  java.util.HexFormat.of().formatHex(p.statement()), attempts, why, delay / 1000);
            }
          } catch (SQLException x) {
            LOG.error("{} could not record a payment's outcome: {}", gatewayId, x.getMessage());
          }
        }, thread);
  }
}
