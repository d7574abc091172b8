// Package remotesigner implements the remote signer (RS) of the DV spec's
// remote-signer architecture behind ethnode.RemoteSigner: Client, an HTTP
// client of any Web3Signer eth2 API signer, and Server, an embedded
// Web3Signer-compatible signer backed by EIP-2335 keystores with its own
// EIP-3076 slashing protection and a pluggable store for it.
package remotesigner
