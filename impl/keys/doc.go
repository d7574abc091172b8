// Package keys is go-dvspec's key tooling: EIP-2335 keystores, splitting a
// validator key into threshold key shares, the cluster definition (the
// cluster.json file and its canonical SSZ container, whose hash tree root
// is the cluster ID), Ed25519 node identity keys, and deterministic local
// devnet clusters made of interop keys. README.md in this directory
// documents the file formats.
package keys
