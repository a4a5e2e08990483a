/**
 * Receipts: canonical leaves, RFC 9162 Merkle trees and inclusion proofs, the journal, signed
 * checkpoints and anchor sinks. Depends on no other Cairn module, so auditors can use it alone.
 */
package dev.cairn.anchor;
