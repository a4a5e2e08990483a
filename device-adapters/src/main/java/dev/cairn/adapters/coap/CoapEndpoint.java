package dev.cairn.adapters.coap;

import dev.cairn.anchor.ReceiptLookup;
import dev.cairn.scheduler.Scheduler;
import java.util.concurrent.CompletionStage;

/**
 * The device contract over CoAP (Californium): {@code POST /jobs}, {@code GET /jobs/{id}} (Observe),
 * {@code GET /receipts/{id}}, block-wise transfer up to the scheduler's payload limit.
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

  /** Binds and returns the bound UDP port. */
  int start();

  int actualPort();

  /** The bound coaps (DTLS) port, or -1 when DTLS is off. */
  int actualDtlsPort();

  /** Stops taking requests; jobs already accepted still complete in the scheduler. */
  void stop();
}
