package dev.cairn.adapters.coap;

import dev.cairn.anchor.ReceiptLookup;
import dev.cairn.scheduler.Scheduler;
import java.util.concurrent.CompletionStage;

/**
 * The device contract over CoAP (Californium): {@code POST /jobs}, {@code GET /jobs/{id}} (Observe),
 * {@code GET /receipts/{id}}, {@code GET /results/{id}} (a kept result), block-wise transfer up to the scheduler's payload limit.
 */
public interface CoapEndpoint {

  /** Where receipts come from: {@code (deviceId, jobId) -> lookup}. */
  @FunctionalInterface
  interface Receipts {
    CompletionStage<ReceiptLookup> lookup(String deviceId, String jobId);
  }

  static CoapEndpoint create(CoapEndpointOptions options, Scheduler scheduler, Receipts receipts) {
    return new dev.cairn.adapters.coap.impl.CaliforniumEndpoint(options, scheduler, receipts);
  }

  /** An endpoint that also serves {@code GET /results/{id}} from {@code kept}. */
  static CoapEndpoint create(CoapEndpointOptions options, Scheduler scheduler, Receipts receipts,
      dev.cairn.scheduler.KeptResults kept) {
    return new dev.cairn.adapters.coap.impl.CaliforniumEndpoint(options, scheduler, receipts, kept);
  }

  /**
   * Requests remembered per device address for deduplication, each until CoAP's exchange lifetime
   * (247 s) ends: a retransmitted CON gets the answer already sent instead of running the job again.
   * Californium's default remembers every request of every peer for that long, which at a few hundred
   * jobs per second fills a bounded heap; per device, a few dozen cover any retransmission.
   */
  int DEDUPLICATED_PER_PEER = 64;

  /**
   * The deduplication this endpoint uses, set on {@code config}: at most {@link #DEDUPLICATED_PER_PEER}
   * requests remembered per peer address. For other Californium servers that must behave the same (the
   * echo reference of {@code cairn bench coap}).
   */
  static org.eclipse.californium.elements.config.Configuration boundedDeduplication(
      org.eclipse.californium.elements.config.Configuration config) {
    return config
        .set(org.eclipse.californium.core.config.CoapConfig.DEDUPLICATOR,
            org.eclipse.californium.core.config.CoapConfig.DEDUPLICATOR_PEERS_MARK_AND_SWEEP)
        .set(org.eclipse.californium.core.config.CoapConfig.PEERS_MARK_AND_SWEEP_MESSAGES, DEDUPLICATED_PER_PEER);
  }

  /** Binds and returns the bound UDP port. */
  int start();

  int actualPort();

  /** The bound coaps (DTLS) port, or -1 when DTLS is off. */
  int actualDtlsPort();

  /** Stops taking requests; jobs already accepted still complete in the scheduler. */
  void stop();
}
