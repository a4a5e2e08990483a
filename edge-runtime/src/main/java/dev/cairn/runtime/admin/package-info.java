/**
 * The admin HTTP API (Vert.x Web): health, counters, the gateway's key and receipts. Loopback by default;
 * elsewhere behind a bearer token or TLS client certificates ({@code AdminAccess}).
 */
package dev.cairn.runtime.admin;
