package dvc

import (
	"errors"
	"fmt"
	"sync"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	herumi "github.com/herumi/bls-eth-go-binary/bls"

	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// blsMemo makes the simulation fast without making it less honest: every
// signature is still a real BLS signature and every check answers what
// bls.Verify answers, but each distinct (key, message) is signed once, each
// root hashed to G2 once, and each distinct (public key, message,
// signature) verified once per test process. The
// simulation's keys are fixed (testKeys) and its attestation data and blocks
// come from small finite sets (slots, epochs and tags), so across schedules
// almost every signature and check repeats; profiling showed 93% of the
// simulation's time in herumi's Sign and Verify. Results are exactly what
// bls.Sign and bls.Verify return (Oracles.Verify allows a memoising wrapper).
var blsMemo = struct {
	sync.Mutex
	sigs     map[signKey]phase0.BLSSignature
	verified map[memoVerifyKey]bool
	secret   map[phase0.BLSPubKey]bls.SecretKey
	// hashes are H(root) in G2, herumiKeys the parsed secret keys,
	// checked how many signatures of a key were compared with bls.Sign.
	hashes     map[phase0.Root]*herumi.Sign
	herumiKeys map[bls.SecretKey]*herumi.SecretKey
	checked    map[bls.SecretKey]int
}{sigs: map[signKey]phase0.BLSSignature{}, verified: map[memoVerifyKey]bool{}, secret: map[phase0.BLSPubKey]bls.SecretKey{},
	hashes: map[phase0.Root]*herumi.Sign{}, herumiKeys: map[bls.SecretKey]*herumi.SecretKey{}, checked: map[bls.SecretKey]int{}}

// registerKeys records the secret key behind each test public key (the
// validator key and every share), for memoVerify's shortcut.
func registerKeys(k *keySet) {
	blsMemo.Lock()
	defer blsMemo.Unlock()
	blsMemo.secret[k.pk] = k.sk
	for _, s := range k.shares {
		blsMemo.secret[k.pubs[s.Index]] = s.SecretKey
	}
}

// blsMemoLimit bounds the memo (a soak run must not grow without end); past
// it the memo is emptied and refills.
const blsMemoLimit = 1 << 20

type signKey struct {
	sk   bls.SecretKey
	root phase0.Root
}

type memoVerifyKey struct {
	pk  phase0.BLSPubKey
	msg string
	sig phase0.BLSSignature
}

// memoSign is bls.Sign of a 32-byte signing root, memoised.
//
// A BLS signature is sk·H(root): herumi spends nearly all of a signing in
// hashing the root to G2, and the simulation signs each root with many keys
// (every co-validator of the three cluster sizes, honest and byzantine).
// So H(root) is kept per root and a new (key, root) costs one G2 scalar
// multiplication. The first signatures of every key are checked against
// bls.Sign byte for byte, so a slip here fails the test instead of
// changing what it checks.
func memoSign(sk bls.SecretKey, root phase0.Root) (phase0.BLSSignature, error) {
	k := signKey{sk: sk, root: root}
	blsMemo.Lock()
	sig, ok := blsMemo.sigs[k]
	h := blsMemo.hashes[root]
	hsk := blsMemo.herumiKeys[sk]
	checked := blsMemo.checked[sk]
	blsMemo.Unlock()
	if ok {
		return sig, nil
	}
	if hsk == nil {
		hsk = new(herumi.SecretKey)
		if err := hsk.Deserialize(sk[:]); err != nil {
			return sig, err
		}
	}
	if h == nil {
		if h = herumi.HashAndMapToSignature(root[:]); h == nil {
			return sig, errors.New("hashing a root to G2 failed")
		}
	}
	var out herumi.G2
	herumi.G2Mul(&out, herumi.CastFromSign(h), herumi.CastFromSecretKey(hsk))
	copy(sig[:], herumi.CastToSign(&out).Serialize())
	if checked < blsMemoCheck {
		want, err := bls.Sign(sk, root[:])
		if err != nil {
			return sig, err
		}
		if want != sig {
			return sig, fmt.Errorf("memoised signing of %#x gives %#x, bls.Sign %#x", root[:8], sig[:8], want[:8])
		}
		checked++
	}
	blsMemo.Lock()
	if len(blsMemo.sigs) >= blsMemoLimit {
		clear(blsMemo.sigs)
	}
	if len(blsMemo.hashes) >= blsMemoLimit/8 {
		clear(blsMemo.hashes)
	}
	blsMemo.sigs[k] = sig
	blsMemo.hashes[root] = h
	blsMemo.herumiKeys[sk] = hsk
	blsMemo.checked[sk] = checked
	blsMemo.Unlock()
	return sig, nil
}

// blsMemoCheck is how many signatures of each key memoSign checks against
// bls.Sign.
const blsMemoCheck = 4

// memoVerify is bls.Verify, memoised; a networking.VerifyFunc.
//
// For a public key whose secret key the test holds (registerKeys), a
// signature of a signing root that is byte for byte the one memoSign makes
// verifies: BLS signing is deterministic and pk = sk·G1, so bls.Verify would
// say true. That answer costs one memoised signature instead of two
// pairings, and the signature is usually memoised already, because the
// honest node or the test that made the share signed the same root. Any
// other signature gets the real bls.Verify, so the answer is always
// bls.Verify's.
func memoVerify(pk phase0.BLSPubKey, msg []byte, sig phase0.BLSSignature) bool {
	k := memoVerifyKey{pk: pk, msg: string(msg), sig: sig}
	blsMemo.Lock()
	r, ok := blsMemo.verified[k]
	sk, known := blsMemo.secret[pk]
	blsMemo.Unlock()
	if ok {
		return r
	}
	if known && len(msg) == 32 {
		if want, err := memoSign(sk, phase0.Root(msg)); err == nil && want == sig {
			return true
		}
	}
	r = bls.Verify(pk, msg, sig)
	blsMemo.Lock()
	if len(blsMemo.verified) >= blsMemoLimit {
		clear(blsMemo.verified)
	}
	blsMemo.verified[k] = r
	blsMemo.Unlock()
	return r
}

// memoSigner is KeyShareSigner with memoised signing: the same signature for
// the same signing root, as the Dafny model's deterministic rs_sign_*.
type memoSigner struct{ sk bls.SecretKey }

func (m memoSigner) SignAttestation(_ *phase0.AttestationData, in signing.SigningInput) (phase0.BLSSignature, error) {
	return memoSign(m.sk, in.SigningRoot)
}

func (m memoSigner) SignRandaoReveal(_ phase0.Epoch, in signing.SigningInput) (phase0.BLSSignature, error) {
	return memoSign(m.sk, in.SigningRoot)
}

func (m memoSigner) SignBlock(_ *eth2spec.VersionedBeaconBlock, in signing.SigningInput) (phase0.BLSSignature, error) {
	return memoSign(m.sk, in.SigningRoot)
}

func (m memoSigner) SignSyncCommitteeMessage(_ phase0.Slot, _ phase0.Root, in signing.SigningInput) (phase0.BLSSignature, error) {
	return memoSign(m.sk, in.SigningRoot)
}

// memoOracles swaps the signer and verifier of a node's oracles for their
// memoised forms; a VC-middleware node (no signer) keeps none.
func memoOracles(o Oracles) Oracles {
	if k, ok := o.Signer.(KeyShareSigner); ok {
		o.Signer = memoSigner{sk: k.Share.SecretKey}
	}
	o.Verify = memoVerify
	return o
}
