// Package ethnode is eth_node_interface.py in Go; the directory keeps the Python file's name while the package takes an underscore-free Go name.
//
// The DV node meets the outside world only through the parties this package
// describes: the beacon node (BeaconNode, every bn_* function of both
// architectures plus what later duties need), the remote signer
// (RemoteSigner, Web3Signer API) and, in VC-middleware mode, the validator
// client (ValidatorClientAPI and ValidatorClientCapture, c00dc1e's cache_*
// and capture_* functions).
//
// Like the rest of the pure layer it holds only interfaces, the exact
// request and response shapes, and the beacon-API paths (beacon-APIs
// v4.0.0); the impl packages do the I/O. Ethereum consensus types are
// go-eth2-client's. The few shapes defined here are API envelopes that
// go-eth2-client v0.29.0 does not model (duties with their dependent root,
// the standard error bodies, the DVT sync committee selection).
package ethnode
