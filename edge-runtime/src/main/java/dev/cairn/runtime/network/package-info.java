/**
 * Gateways joined through an existing MQTT broker. Each gateway announces itself, signed, retained on
 * {@code cairn/net/gateways/{id}}; a peer is known only when its announcement is signed by a key the operator
 * pinned ({@code network.peers}), and is {@code up}, {@code unknown} (missed heartbeats: no new work),
 * {@code down} (silent for longer) or {@code quarantined} (by the operator). A job may run on a peer: when the
 * device names it ({@code "placement": {"gateway": "gw-2"}}) or when only a peer has the kernel. It goes as an
 * MQTT 5 request (response topic, correlation data) on {@code cairn/net/to/{peer}}; the peer runs it, journals
 * its own leaf and answers on {@code cairn/net/reply/{requester}}; the device gets exactly one result, naming
 * the gateways that ran it ({@code executedBy}), and a receipt that chains the peer's signed checkpoint to this
gateway's ({@link dev.cairn.runtime.network.ReceiptChain}). Every message between gateways is signed in its own domain
 * ({@link dev.cairn.anchor.PeerSignature}).
 */
package dev.cairn.runtime.network;
