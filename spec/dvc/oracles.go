package dvc

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Signer is the remote signer holding this co-validator's key share: the
// eth_node_interface.py rs_sign_* functions (HEAD). Every method receives
// the object, its signing input (fork version and signing root, computed
// by the DVC from Config.Chain) and returns the share's signature of the
// signing root. The Dafny model assumes rs_sign_* is deterministic and
// signs exactly the signing root it is given; KeyShareSigner is such a
// signer. A signer error makes Step fail and leaves the state unchanged.
//
// It is eth_node_interface.py rs_sign_attestation, rs_sign_randao_reveal and
// rs_sign_block (HEAD) as an oracle: each method takes the object, the fork
// version and the signing root, as those functions do.
type Signer interface {
	// SignAttestation is rs_sign_attestation(attestation_data, fork_version, signing_root).
	SignAttestation(data *phase0.AttestationData, in signing.SigningInput) (phase0.BLSSignature, error)
	// SignRandaoReveal is rs_sign_randao_reveal(epoch, fork_version, signing_root).
	SignRandaoReveal(epoch phase0.Epoch, in signing.SigningInput) (phase0.BLSSignature, error)
	// SignBlock is rs_sign_block(block, fork_version, signing_root).
	SignBlock(block *eth2spec.VersionedBeaconBlock, in signing.SigningInput) (phase0.BLSSignature, error)
	// SignSyncCommitteeMessage signs a sync committee message (the
	// Web3Signer SYNC_COMMITTEE_MESSAGE type; c00dc1e has the VC sign it).
	SignSyncCommitteeMessage(slot phase0.Slot, beaconBlockRoot phase0.Root, in signing.SigningInput) (phase0.BLSSignature, error)
}

// Oracles are the external functions a transition may call. Only the
// remote-signer mode calls Signer.
type Oracles struct {
	// Signer signs with the key share (remote-signer mode).
	Signer Signer
	// Verify, when set, replaces bls.Verify in share verification and
	// combination; it must return exactly what bls.Verify returns (a
	// memoising wrapper, for example).
	Verify networking.VerifyFunc
	// Recover, when set, replaces bls.RecoverSignature in combination; it
	// must return exactly what bls.RecoverSignature returns.
	Recover networking.RecoverFunc
}

// KeyShareSigner is a Signer that signs the signing root with a key share
// (spec/bls.Share.Sign): the deterministic remote signer of tests, vectors
// and the embedded signer.
type KeyShareSigner struct {
	Share bls.Share
}

func (k KeyShareSigner) sign(root phase0.Root) (phase0.BLSSignature, error) {
	p, err := k.Share.Sign(root[:])
	if err != nil {
		return phase0.BLSSignature{}, fmt.Errorf("key share signer: %w", err)
	}
	return p.Signature, nil
}

// SignAttestation implements Signer.
func (k KeyShareSigner) SignAttestation(_ *phase0.AttestationData, in signing.SigningInput) (phase0.BLSSignature, error) {
	return k.sign(in.SigningRoot)
}

// SignRandaoReveal implements Signer.
func (k KeyShareSigner) SignRandaoReveal(_ phase0.Epoch, in signing.SigningInput) (phase0.BLSSignature, error) {
	return k.sign(in.SigningRoot)
}

// SignBlock implements Signer.
func (k KeyShareSigner) SignBlock(_ *eth2spec.VersionedBeaconBlock, in signing.SigningInput) (phase0.BLSSignature, error) {
	return k.sign(in.SigningRoot)
}

// SignSyncCommitteeMessage implements Signer.
func (k KeyShareSigner) SignSyncCommitteeMessage(_ phase0.Slot, _ phase0.Root, in signing.SigningInput) (phase0.BLSSignature, error) {
	return k.sign(in.SigningRoot)
}
