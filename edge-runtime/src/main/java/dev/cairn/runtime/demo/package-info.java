/** Simulated devices for {@code cairn demo}: Paho MQTT 5 clients speaking the device contract. */
package dev.cairn.runtime.demo;
