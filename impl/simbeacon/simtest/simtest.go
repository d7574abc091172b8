// Package simtest drives a simbeacon.Node in tests: it starts one on
// 127.0.0.1 with a manual clock and signs, with the interop keys, every
// message a validator sends, so a test can exercise the beacon API (and
// the code that talks to it) without a validator client.
package simtest

import (
	"testing"
	"time"

	"github.com/OffchainLabs/go-bitfield"
	"github.com/attestantio/go-eth2-client/api"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	apiv1deneb "github.com/attestantio/go-eth2-client/api/v1/deneb"
	apiv1electra "github.com/attestantio/go-eth2-client/api/v1/electra"
	apiv1fulu "github.com/attestantio/go-eth2-client/api/v1/fulu"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// Genesis is the genesis time Start uses: fixed, so runs are reproducible.
var Genesis = time.Unix(1_700_000_000, 0)

// Start starts a node for cfg on 127.0.0.1 with a manual clock at genesis
// (unless cfg brings its own clock and genesis) and stops it when the test
// ends. It returns the node, its clock and its base URL.
func Start(t testing.TB, cfg simbeacon.Config) (*simbeacon.Node, *simbeacon.ManualClock, string) {
	t.Helper()
	clock, _ := cfg.Clock.(*simbeacon.ManualClock)
	if clock == nil {
		if cfg.GenesisTime.IsZero() {
			cfg.GenesisTime = Genesis
		}
		clock = simbeacon.NewManualClock(cfg.GenesisTime)
		cfg.Clock = clock
	}
	n, err := simbeacon.New(cfg)
	if err != nil {
		t.Fatalf("simbeacon.New: %v", err)
	}
	addr, err := n.ListenAndServe("127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = n.Close() })
	return n, clock, "http://" + addr
}

// ToSlot moves clock to one third into slot (when attesters attest), so
// the slot is current.
func ToSlot(n *simbeacon.Node, clock *simbeacon.ManualClock, slot phase0.Slot) {
	d := time.Duration(n.Config().SecondsPerSlot) * time.Second
	clock.Set(n.GenesisTime().Add(time.Duration(slot)*d + d/3))
}

// Signer signs as the interop validators of a node.
type Signer struct {
	// T receives setup failures (a key that does not derive, a root that
	// does not hash).
	T testing.TB
	// Node is the chain whose domains and keys are used.
	Node *simbeacon.Node
}

// Sign signs root with validator v's interop key.
func (s Signer) Sign(v phase0.ValidatorIndex, root phase0.Root) phase0.BLSSignature {
	s.T.Helper()
	sk, err := bls.InteropSecretKey(uint64(v))
	if err != nil {
		s.T.Fatalf("interop key %d: %v", v, err)
	}
	sig, err := bls.Sign(sk, root[:])
	if err != nil {
		s.T.Fatalf("sign: %v", err)
	}
	return sig
}

func (s Signer) chain() signing.Chain { return s.Node.SigningChain() }

func (s Signer) must(in signing.SigningInput, err error) phase0.Root {
	s.T.Helper()
	if err != nil {
		s.T.Fatalf("signing input: %v", err)
	}
	return in.SigningRoot
}

// AttestationRoot is the signing root of data.
func (s Signer) AttestationRoot(data *phase0.AttestationData) phase0.Root {
	return s.must(s.chain().AttestationData(data))
}

// SingleAttestation returns validator v's signed Electra attestation for
// its duty in epoch, with the data an honest attester signs.
func (s Signer) SingleAttestation(v phase0.ValidatorIndex, epoch phase0.Epoch) *electra.SingleAttestation {
	d := s.Node.AttesterDuty(v, epoch)
	data := s.Node.AttestationData(d.Slot, d.CommitteeIndex)
	return &electra.SingleAttestation{CommitteeIndex: d.CommitteeIndex, AttesterIndex: v, Data: data, Signature: s.Sign(v, s.AttestationRoot(data))}
}

// Attestation returns validator v's duty attestation of epoch as the
// versioned attestation a client submits: a phase0 Attestation before
// Electra, an Electra Attestation with ValidatorIndex from Electra on.
func (s Signer) Attestation(v phase0.ValidatorIndex, epoch phase0.Epoch) *eth2spec.VersionedAttestation {
	d := s.Node.AttesterDuty(v, epoch)
	data := s.Node.AttestationData(d.Slot, d.CommitteeIndex)
	sig := s.Sign(v, s.AttestationRoot(data))
	bits := bitfield.NewBitlist(d.CommitteeLength)
	bits.SetBitAt(d.ValidatorCommitteeIndex, true)
	version := s.Node.Fork(d.Slot)
	out := &eth2spec.VersionedAttestation{Version: version}
	var att versioned.Container = &phase0.Attestation{AggregationBits: bits, Data: data, Signature: sig}
	if version >= eth2spec.DataVersionElectra {
		vi := v
		// Bitvector[MAX_COMMITTEES_PER_SLOT]: 8 bytes in mainnet, 1 in
		// minimal (go-bitfield's Bitvector64 methods only handle 8).
		cb := make(bitfield.Bitvector64, (s.Node.ChainConfig().MaxCommitteesPerSlot+7)/8)
		cb[d.CommitteeIndex/8] |= 1 << (d.CommitteeIndex % 8)
		att = &electra.Attestation{AggregationBits: bits, Data: data, Signature: sig, CommitteeBits: cb}
		out.ValidatorIndex = &vi
	}
	if err := versioned.SetAttestation(out, att); err != nil {
		panic(err)
	}
	return out
}

// RandaoReveal is the proposer of slot's RANDAO reveal.
func (s Signer) RandaoReveal(slot phase0.Slot) phase0.BLSSignature {
	epoch := phase0.Epoch(uint64(slot) / s.Node.ChainConfig().SlotsPerEpoch)
	return s.Sign(s.Node.Proposer(slot), s.must(s.chain().RandaoReveal(epoch)))
}

// SignProposal signs a produced (unblinded) proposal as its proposer.
func (s Signer) SignProposal(p *api.VersionedProposal) *api.VersionedSignedProposal {
	s.T.Helper()
	slot, err := p.Slot()
	if err != nil {
		s.T.Fatalf("proposal slot: %v", err)
	}
	proposer, err := p.ProposerIndex()
	if err != nil {
		s.T.Fatalf("proposal proposer: %v", err)
	}
	out := &api.VersionedSignedProposal{Version: p.Version}
	var msg any
	switch p.Version {
	case eth2spec.DataVersionPhase0:
		msg = p.Phase0
	case eth2spec.DataVersionAltair:
		msg = p.Altair
	case eth2spec.DataVersionBellatrix:
		msg = p.Bellatrix
	case eth2spec.DataVersionCapella:
		msg = p.Capella
	case eth2spec.DataVersionDeneb:
		msg = p.Deneb.Block
	case eth2spec.DataVersionElectra:
		msg = p.Electra.Block
	default:
		msg = p.Fulu.Block
	}
	root, err := s.Node.SigningRoot(msg, signing.DomainBeaconProposer, phase0.Epoch(uint64(slot)/s.Node.ChainConfig().SlotsPerEpoch))
	if err != nil {
		s.T.Fatalf("block signing root: %v", err)
	}
	sig := s.Sign(proposer, root)
	switch p.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = &phase0.SignedBeaconBlock{Message: p.Phase0, Signature: sig}
	case eth2spec.DataVersionAltair:
		out.Altair = &altair.SignedBeaconBlock{Message: p.Altair, Signature: sig}
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = &bellatrix.SignedBeaconBlock{Message: p.Bellatrix, Signature: sig}
	case eth2spec.DataVersionCapella:
		out.Capella = &capella.SignedBeaconBlock{Message: p.Capella, Signature: sig}
	case eth2spec.DataVersionDeneb:
		out.Deneb = &apiv1deneb.SignedBlockContents{SignedBlock: &deneb.SignedBeaconBlock{Message: p.Deneb.Block, Signature: sig}, KZGProofs: p.Deneb.KZGProofs, Blobs: p.Deneb.Blobs}
	case eth2spec.DataVersionElectra:
		out.Electra = &apiv1electra.SignedBlockContents{SignedBlock: &electra.SignedBeaconBlock{Message: p.Electra.Block, Signature: sig}, KZGProofs: p.Electra.KZGProofs, Blobs: p.Electra.Blobs}
	default:
		out.Fulu = &apiv1fulu.SignedBlockContents{SignedBlock: &electra.SignedBeaconBlock{Message: p.Fulu.Block, Signature: sig}, KZGProofs: p.Fulu.KZGProofs, Blobs: p.Fulu.Blobs}
	}
	return out
}

// SelectionProof is validator v's aggregation slot selection proof.
func (s Signer) SelectionProof(v phase0.ValidatorIndex, slot phase0.Slot) phase0.BLSSignature {
	return s.Sign(v, s.must(s.chain().AggregationSlot(slot)))
}

// SyncSelectionProof is validator v's sync committee selection proof.
func (s Signer) SyncSelectionProof(v phase0.ValidatorIndex, slot phase0.Slot, subcommittee uint64) phase0.BLSSignature {
	return s.Sign(v, s.must(s.chain().SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: subcommittee})))
}

// SyncMessage is validator v's sync committee message at slot for the
// chain's head.
func (s Signer) SyncMessage(v phase0.ValidatorIndex, slot phase0.Slot) *altair.SyncCommitteeMessage {
	root := simbeacon.BlockRoot(slot)
	return &altair.SyncCommitteeMessage{Slot: slot, BeaconBlockRoot: root, ValidatorIndex: v, Signature: s.Sign(v, s.must(s.chain().SyncCommitteeMessage(slot, root)))}
}

// SignedRoot signs message (hashed in the node's preset) under domainType
// at epoch as validator v.
func (s Signer) SignedRoot(v phase0.ValidatorIndex, message any, domainType phase0.DomainType, epoch phase0.Epoch) phase0.BLSSignature {
	s.T.Helper()
	root, err := s.Node.SigningRoot(message, domainType, epoch)
	if err != nil {
		s.T.Fatalf("signing root: %v", err)
	}
	return s.Sign(v, root)
}

// Registration is validator v's signed builder registration.
func (s Signer) Registration(v phase0.ValidatorIndex, timestamp time.Time) *apiv1.SignedValidatorRegistration {
	pk, err := simbeacon.InteropPublicKey(uint64(v))
	if err != nil {
		s.T.Fatalf("interop key: %v", err)
	}
	msg := &apiv1.ValidatorRegistration{FeeRecipient: [20]byte{0xfe, byte(v)}, GasLimit: 30_000_000, Timestamp: timestamp, Pubkey: pk}
	return &apiv1.SignedValidatorRegistration{Message: msg, Signature: s.Sign(v, s.must(s.chain().ValidatorRegistration(msg)))}
}

// Exit is validator v's signed voluntary exit at epoch, as the chain at
// currentEpoch verifies it.
func (s Signer) Exit(v phase0.ValidatorIndex, epoch, currentEpoch phase0.Epoch) *phase0.SignedVoluntaryExit {
	msg := &phase0.VoluntaryExit{Epoch: epoch, ValidatorIndex: v}
	return &phase0.SignedVoluntaryExit{Message: msg, Signature: s.Sign(v, s.must(s.chain().VoluntaryExit(msg, currentEpoch)))}
}
