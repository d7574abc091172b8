// Package conformance is the black-box conformance kit (issue 15, remote-
// signer side): it serves one beacon API endpoint per node of a DV cluster
// in front of one simulated chain (impl/simbeacon), applies a scenario's
// scripted adversity to each node's endpoint (a beacon node down, 5xx
// bursts, slow answers, divergent heads, slashable offers), records what
// each endpoint offered and what each node submitted, and judges the run
// with checks that use the pure layer's rules: safety, validity,
// agreement, liveness and latency. It never looks inside a node, so any
// implementation that speaks the standard beacon API can be run through it.
package conformance
