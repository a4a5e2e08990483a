/**
 * Results kept by job id for {@code results.retention}: a device that slept through its result fetches it
 * again (MQTT {@code results/get}, CoAP {@code GET /results/{id}}, admin {@code GET /v1/results/...}), and a
 * job resubmitted with an id already done gets the kept result, marked {@code "replayed": true}, without
 * running again (so its receipt stays one). The results live in the journal ({@code KeptStore}).
 */
package dev.cairn.runtime.results;
