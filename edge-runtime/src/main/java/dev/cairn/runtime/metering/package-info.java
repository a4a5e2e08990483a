/**
 * Usage metering: what every job took (from its receipt leaf), summed per device and kernel for the
 * open epoch, sealed each epoch into signed usage statements that are anchored as leaves, reported on
 * the admin API, enforced as quotas, and optionally settled on an Ethereum chain.
 */
package dev.cairn.runtime.metering;
