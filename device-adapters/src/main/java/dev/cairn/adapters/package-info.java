/**
 * Device-facing endpoints. {@code mqtt}: the MQTT server of the device contract; {@code coap}: the CoAP
 * endpoint; {@code codec}: the JSON and CBOR encodings of jobs and results; {@code auth}: device passwords.
 * Third-party protocol types stay inside this module.
 */
package dev.cairn.adapters;
