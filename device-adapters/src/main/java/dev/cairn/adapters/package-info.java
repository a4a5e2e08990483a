/**
 * Device-facing endpoints. {@code mqtt}: the MQTT server of the device contract; {@code codec}: the
 * JSON and CBOR encodings of jobs and results. Third-party protocol types stay inside this module.
 */
package dev.cairn.adapters;
