/**
 * The processes {@code cairn bench mqtt} starts: a load generator of MQTT devices (its jobs in each input
 * encoding from {@link dev.cairn.runtime.bench.SaxpyJobs}), the minimal responder client behind a Mosquitto
 * relay, a bare Vert.x MQTT server that answers each request itself, and the durable floors
 * ({@link dev.cairn.runtime.bench.DurableMqttEcho}: a durable echo and a decoding echo). Each has a
 * {@code main} and runs as its own process ({@code java -cp cairn.jar ...}). The floors' durable write,
 * {@link dev.cairn.runtime.bench.GroupSyncLog}, is also the CoAP bench's.
 */
package dev.cairn.runtime.bench;
