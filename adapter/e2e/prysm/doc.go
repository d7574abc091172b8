// Package prysm is the opt-in end-to-end test of dvnode against a real
// beacon node: run.sh builds Prysm v6.0.4 and geth v1.15.9 from the module
// pinned in build/, starts an Electra devnet with PRESET_BASE interop and
// 8-slot epochs, splits the keys Prysm's validator client does not run into a
// four-node cluster, runs it and checks the DV's duties from block contents
// (prysmtool check). The test runs only with DVSPEC_E2E_PRYSM=1.
package prysm
