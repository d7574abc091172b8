package qbft

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// DomainQBFT is the domain type of QBFT messages signed with a node key:
// the ASCII bytes "DVQB". It is not an Ethereum domain type; node keys never
// sign Ethereum objects, and the domain keeps a node-key signature over a
// QBFT message from being valid for any other DV message.
var DomainQBFT = phase0.DomainType{'D', 'V', 'Q', 'B'}

// Domain is the 32-byte domain of QBFT signatures: DomainQBFT followed by 28
// zero bytes (compute_domain's layout with no fork data; the cluster is
// already bound by Message.Instance.Cluster).
func Domain() phase0.Domain {
	var d phase0.Domain
	copy(d[:4], DomainQBFT[:])
	return d
}

// SigningRoot is the root a node key signs for m (consensus-specs
// compute_signing_root applied to a QBFT message):
//
//	hash_tree_root(SigningData{object_root: hash_tree_root(m), domain: Domain()})
//
// which is sha256(hash_tree_root(m) || Domain()).
func SigningRoot(m *Message) (phase0.Root, error) {
	obj, err := m.HashTreeRoot()
	if err != nil {
		return phase0.Root{}, fmt.Errorf("qbft: message root: %w", err)
	}
	d := Domain()
	var buf [64]byte
	copy(buf[:32], obj[:])
	copy(buf[32:], d[:])
	return sha256.Sum256(buf[:]), nil
}

// Signer signs a signing root with this node's key (the node key, not a
// validator key share).
type Signer interface {
	Sign(root phase0.Root) (Signature, error)
}

// Verifier checks that sig is node sender's signature over root. It returns
// false for a sender it does not know.
type Verifier interface {
	Verify(sender uint64, root phase0.Root, sig Signature) bool
}

// Ed25519Signer is a Signer holding an Ed25519 private key (RFC 8032, pure
// Ed25519 over the 32-byte root; deterministic).
type Ed25519Signer struct {
	Key ed25519.PrivateKey
}

// Sign implements Signer.
func (s Ed25519Signer) Sign(root phase0.Root) (Signature, error) {
	var sig Signature
	if len(s.Key) != ed25519.PrivateKeySize {
		return sig, errors.New("qbft: ed25519 signer has no valid key")
	}
	copy(sig[:], ed25519.Sign(s.Key, root[:]))
	return sig, nil
}

// Ed25519Verifier is a Verifier over the public keys of nodes 1..N: the key
// of node i is Keys[i-1].
type Ed25519Verifier struct {
	Keys []ed25519.PublicKey
}

// Verify implements Verifier.
func (v Ed25519Verifier) Verify(sender uint64, root phase0.Root, sig Signature) bool {
	if sender == 0 || sender > uint64(len(v.Keys)) {
		return false
	}
	k := v.Keys[sender-1]
	if len(k) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(k, root[:], sig[:])
}

// TestKey is the deterministic node key of node i used by tests and
// vectors: ed25519.NewKeyFromSeed(sha256("dvspec/qbft/node/" + decimal(i))),
// e.g. the seed of node 1 is sha256("dvspec/qbft/node/1"). Never use it
// for a real cluster.
func TestKey(i uint64) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("dvspec/qbft/node/" + strconv.FormatUint(i, 10)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// TestVerifier is the Ed25519Verifier of TestKey(1..n).
func TestVerifier(n uint64) Ed25519Verifier {
	keys := make([]ed25519.PublicKey, n)
	for i := range keys {
		keys[i] = TestKey(uint64(i) + 1).Public().(ed25519.PublicKey)
	}
	return Ed25519Verifier{Keys: keys}
}

// Sign is the Dafny signProposal, signPrepare, signCommit and
// signRoundChange: signer's signature over SigningRoot(m). The matching
// recoverSigned*Author is Verifier.Verify with m.Sender.
func Sign(m *Message, signer Signer) (Signature, error) {
	root, err := SigningRoot(m)
	if err != nil {
		return Signature{}, err
	}
	return signer.Sign(root)
}

// verifyPayload reports whether sig is m.Sender's signature over m.
func verifyPayload(v Verifier, m *Message, sig Signature) bool {
	root, err := SigningRoot(m)
	if err != nil {
		return false
	}
	return v.Verify(m.Sender, root, sig)
}
