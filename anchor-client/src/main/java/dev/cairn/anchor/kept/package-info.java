/**
 * What the gateway keeps for devices that are not there to take it: results by job id for their
 * retention time, and the persistent MQTT sessions of sleeping devices with their undelivered messages.
 * It lives in the same SQLite journal as the receipt leaves (one durable store, one writer thread), as
 * opaque bytes: the adapters decide what a kept result or message is.
 */
package dev.cairn.anchor.kept;
