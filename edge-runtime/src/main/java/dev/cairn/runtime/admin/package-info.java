/** The loopback admin HTTP API (Vert.x Web): health and counters. */
package dev.cairn.runtime.admin;
