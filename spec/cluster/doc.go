// Package cluster is the cluster definition of this spec (SPEC.md section
// 11): the canonical SSZ container whose hash tree root, the cluster ID, is
// part of every consensus instance ID, its JSON form (cluster.json), and the
// rules a definition must satisfy. Neither the Python spec nor the Dafny
// model defines one (they take the co-validator set as given), so every
// symbol here is "this spec".
//
// The package is pure: it reads and writes bytes, never files (impl/keys
// does the file I/O and key material).
package cluster
