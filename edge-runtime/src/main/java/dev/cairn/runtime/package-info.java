/**
 * The gateway process: {@link dev.cairn.runtime.Gateway} wires the MQTT endpoint, the scheduler with
 * its backend, and the anchor service, and stops them in order so accepted jobs finish and the open
 * batch is sealed. The only module that knows every other one.
 */
package dev.cairn.runtime;
