// Package names is the one table of the names the conformance vectors,
// the spectests harness, trace records and the node's logs and metrics
// give the spec's events, outputs and errors. Vectors never contain Go
// error text or Go type names; every reader and writer of a name looks it
// up here, so a name exists in one place only.
//
// It is pure data over the pure layer (no I/O), so impl and the
// conformance tools import it alike.
package names
