/**
 * The processes {@code cairn bench mqtt} starts: a load generator of MQTT devices, the minimal responder
 * client behind a Mosquitto relay, and a bare Vert.x MQTT server that answers each request itself. Each
 * has a {@code main} and runs as its own process ({@code java -cp cairn.jar ...}).
 */
package dev.cairn.runtime.bench;
