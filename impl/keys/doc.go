// Package keys is go-dvspec's key tooling: EIP-2335 keystores, splitting a
// validator key into threshold key shares, reading and writing the cluster
// definition file (cluster.json; the definition itself is spec/cluster),
// Ed25519 node identity keys, and deterministic local devnet clusters made
// of interop keys. README.md in this directory documents the file formats.
package keys
