package spectests

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/signing"
)

var _ DVCImplementation = GoSpec{}

// SpecDVCConfig converts a DVCConfig to spec/dvc's Config and Oracles (a
// KeyShareSigner with the case's key share in remote-signer mode).
func SpecDVCConfig(c DVCConfig) (*dvc.Config, dvc.Oracles, error) {
	chain, err := SpecChainPreset(c.Preset, c.Chain)
	if err != nil {
		return nil, dvc.Oracles{}, err
	}
	cfg := &dvc.Config{
		Chain:      chain,
		Validator:  spec.ValidatorIdentity{Pubkey: c.ValidatorPublicKey, Index: phase0.ValidatorIndex(c.ValidatorIndex)},
		ShareIndex: c.ShareIndex, Peers: append([]uint64(nil), c.Peers...), PublicShares: map[uint64]phase0.BLSPubKey{},
		Threshold: c.Threshold, Cluster: c.Cluster,
	}
	for _, ps := range c.PublicShares {
		cfg.PublicShares[ps.Index] = ps.PublicKey
	}
	switch c.Mode {
	case dvc.ModeRemoteSigner.String():
		cfg.Mode = dvc.ModeRemoteSigner
	case dvc.ModeVCMiddleware.String():
		cfg.Mode = dvc.ModeVCMiddleware
	default:
		return nil, dvc.Oracles{}, fmt.Errorf("unknown mode %q", c.Mode)
	}
	var o dvc.Oracles
	if c.SignerSecretKey != nil {
		o.Signer = dvc.KeyShareSigner{Share: bls.Share{Index: c.ShareIndex, SecretKey: bls.SecretKey(*c.SignerSecretKey)}}
	}
	return cfg, o, cfg.Validate()
}

// GoDVC is spec/dvc behind the DVC interface.
type GoDVC struct {
	Cfg *dvc.Config
	O   dvc.Oracles
	St  *dvc.State
}

// NewDVC implements DVCImplementation.
func (GoSpec) NewDVC(c DVCConfig, pre []byte) (DVC, error) {
	cfg, o, err := SpecDVCConfig(c)
	if err != nil {
		return nil, err
	}
	snap, err := dvc.DecodeSnapshot(pre)
	if err != nil {
		return nil, err
	}
	st, err := dvc.StateFromSnapshot(cfg, snap)
	if err != nil {
		return nil, err
	}
	return &GoDVC{Cfg: cfg, O: o, St: st}, nil
}

// Step implements DVC.
func (g *GoDVC) Step(ev DVCEvent) ([]DVCOutput, error) {
	e, err := DecodeDVCEvent(g.Cfg.Chain, ev)
	if err != nil {
		return nil, err
	}
	next, out, err := dvc.Step(g.Cfg, g.St, e, g.O)
	if err != nil {
		return nil, err
	}
	g.St = next
	return EncodeDVCOutputs(out)
}

// Validity implements DVC with spec/dvc.ValidityFor.
func (g *GoDVC) Validity(id InstanceID, value []byte) error {
	return dvc.ValidityFor(g.Cfg, g.St, SpecInstanceID(id))(value)
}

// Snapshot implements DVC.
func (g *GoDVC) Snapshot() ([]byte, error) { return g.St.Snapshot().MarshalSSZ() }

// DVCSnapshotRoot is the hash tree root of the SSZ encoding of a
// DVCStateSnapshot.
func DVCSnapshotRoot(ssz []byte) ([32]byte, error) {
	s, err := dvc.DecodeSnapshot(ssz)
	if err != nil {
		return [32]byte{}, err
	}
	return s.HashTreeRoot()
}

func malformed(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", dvc.ErrMalformedEvent, what, err)
}

// DecodeDVCEvent turns a DVCEvent into the spec/dvc event it encodes. A
// container that does not decode (canonical SSZ only; an empty encoding
// included) makes the event malformed (dvc.ErrMalformedEvent).
func DecodeDVCEvent(chain signing.Chain, ev DVCEvent) (dvc.Event, error) {
	switch ev.Name {
	case names.ServeAttestationDuty:
		d := new(spec.AttestationDuty)
		if err := decode(ev.Duty, d); err != nil {
			return nil, malformed("duty", err)
		}
		return dvc.ServeAttestationDuty{Duty: d}, nil
	case names.AttestationConsensusDecided:
		d := new(phase0.AttestationData)
		if err := decode(ev.Data, d); err != nil {
			return nil, malformed("data", err)
		}
		return dvc.AttestationConsensusDecided{ID: SpecInstanceID(ev.Instance), Data: d}, nil
	case names.ReceivedAttestationShare:
		s := new(networking.AttestationShare)
		if err := decode(ev.Share, s); err != nil {
			return nil, malformed("share", err)
		}
		return dvc.ReceivedAttestationShare{Share: s}, nil
	case names.ImportedNewBlock:
		b, err := DecodeBeaconBlock(ev.BlockFork, ev.Block)
		if err != nil {
			return nil, malformed("block", err)
		}
		out := dvc.ImportedNewBlock{Block: b}
		if ev.ValidatorIndex != nil {
			vi := phase0.ValidatorIndex(*ev.ValidatorIndex)
			out.ValidatorIndex = &vi
		}
		for _, c := range ev.Committees {
			bc := &dvc.BeaconCommittee{Slot: phase0.Slot(c.Slot), Index: phase0.CommitteeIndex(c.Index), Validators: []phase0.ValidatorIndex{}}
			for _, v := range c.Validators {
				bc.Validators = append(bc.Validators, phase0.ValidatorIndex(v))
			}
			out.Committees = append(out.Committees, bc)
		}
		return out, nil
	case names.ResendAttestationShares:
		return dvc.ResendAttestationShares{}, nil
	case names.ServeProposerDuty:
		d := new(spec.ProposerDuty)
		if err := decode(ev.Duty, d); err != nil {
			return nil, malformed("duty", err)
		}
		return dvc.ServeProposerDuty{Duty: d}, nil
	case names.ReceivedRandaoShare:
		s := new(networking.RandaoShare)
		if err := decode(ev.Share, s); err != nil {
			return nil, malformed("share", err)
		}
		return dvc.ReceivedRandaoShare{Share: s}, nil
	case names.BlockConsensusDecided:
		b, err := DecodeBeaconBlock(ev.BlockFork, ev.Block)
		if err != nil {
			return nil, malformed("block", err)
		}
		return dvc.BlockConsensusDecided{ID: SpecInstanceID(ev.Instance), Block: b}, nil
	case names.ReceivedBlockShare:
		s := new(networking.BlockShare)
		if err := decode(ev.Share, s); err != nil {
			return nil, malformed("share", err)
		}
		return dvc.ReceivedBlockShare{Share: s}, nil
	case names.ResendRandaoShares:
		return dvc.ResendRandaoShares{}, nil
	case names.ResendBlockShares:
		return dvc.ResendBlockShares{}, nil
	case names.ServeSyncCommitteeDuty:
		d := new(spec.SyncCommitteeDuty)
		if err := decode(ev.Duty, d); err != nil {
			return nil, malformed("duty", err)
		}
		return dvc.ServeSyncCommitteeDuty{Duty: d, Slot: phase0.Slot(ev.Slot), SubcommitteeIndex: ev.SubcommitteeIndex}, nil
	case names.SyncCommitteeConsensusDecided:
		c, err := consensus.DecodeSyncCommitteeContribution(chain, ev.Contribution)
		if err != nil {
			return nil, malformed("contribution", err)
		}
		return dvc.SyncCommitteeConsensusDecided{ID: SpecInstanceID(ev.Instance), Contribution: c}, nil
	case names.ReceivedSyncCommitteeMessageShare:
		s := new(networking.SyncCommitteeMessageShare)
		if err := decode(ev.Share, s); err != nil {
			return nil, malformed("share", err)
		}
		return dvc.ReceivedSyncCommitteeMessageShare{Share: s}, nil
	case names.ResendSyncCommitteeMessageShares:
		return dvc.ResendSyncCommitteeMessageShares{}, nil
	case names.NewSlot:
		return dvc.NewSlot{Slot: phase0.Slot(ev.Slot)}, nil
	case names.CapturedAttestation:
		a, err := DecodeSignedAttestation(ev.AttestationFork, ev.Attestation)
		if err != nil {
			return nil, malformed("attestation", err)
		}
		return dvc.CapturedAttestation{Attestation: a}, nil
	case names.CapturedRandaoReveal:
		return dvc.CapturedRandaoReveal{Slot: phase0.Slot(ev.Slot), RandaoReveal: ev.RandaoReveal}, nil
	case names.CapturedBlock:
		b, err := DecodeBeaconBlock(ev.BlockFork, ev.Block)
		if err != nil {
			return nil, malformed("block", err)
		}
		return dvc.CapturedBlock{Block: b, Signature: ev.Signature}, nil
	case names.CapturedSyncCommitteeMessage:
		m := new(altair.SyncCommitteeMessage)
		if err := decode(ev.Message, m); err != nil {
			return nil, malformed("message", err)
		}
		return dvc.CapturedSyncCommitteeMessage{Message: m}, nil
	case names.NoEvent:
		return dvc.NoEvent{}, nil
	}
	return nil, fmt.Errorf("%w: unknown event %q", dvc.ErrMalformedEvent, ev.Name)
}

// DecodeSignedAttestation decodes a combined or captured attestation of
// the named fork: a phase0 Attestation before Electra, a SingleAttestation
// from Electra on.
func DecodeSignedAttestation(fork string, b []byte) (*networking.SignedAttestation, error) {
	v, err := DataVersion(fork)
	if err != nil {
		return nil, err
	}
	out := &networking.SignedAttestation{Version: v}
	if v >= eth2spec.DataVersionElectra {
		out.Electra = new(electra.SingleAttestation)
		return out, decode(b, out.Electra)
	}
	out.Phase0 = new(phase0.Attestation)
	return out, decode(b, out.Phase0)
}

// EncodeBeaconBlock returns the fork name and SSZ encoding of a block.
func EncodeBeaconBlock(b *eth2spec.VersionedBeaconBlock) (string, []byte, error) {
	if b == nil {
		return "", nil, fmt.Errorf("nil block")
	}
	var (
		enc []byte
		err error
	)
	switch b.Version {
	case eth2spec.DataVersionPhase0:
		enc, err = b.Phase0.MarshalSSZ()
	case eth2spec.DataVersionAltair:
		enc, err = b.Altair.MarshalSSZ()
	case eth2spec.DataVersionBellatrix:
		enc, err = b.Bellatrix.MarshalSSZ()
	case eth2spec.DataVersionCapella:
		enc, err = b.Capella.MarshalSSZ()
	case eth2spec.DataVersionDeneb:
		enc, err = b.Deneb.MarshalSSZ()
	case eth2spec.DataVersionElectra:
		enc, err = b.Electra.MarshalSSZ()
	case eth2spec.DataVersionFulu:
		enc, err = b.Fulu.MarshalSSZ()
	default:
		return "", nil, fmt.Errorf("block of unknown version %s", b.Version)
	}
	return b.Version.String(), enc, err
}

func ids(list []consensus.InstanceID) []InstanceID {
	out := make([]InstanceID, len(list))
	for i, id := range list {
		out[i] = VectorInstanceID(id)
	}
	return out
}

type marshaler interface{ MarshalSSZ() ([]byte, error) }

func sszOf(m marshaler) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("missing container")
	}
	return m.MarshalSSZ()
}

// EncodeDVCOutputs converts spec/dvc outputs to DVCOutputs.
func EncodeDVCOutputs(out []dvc.Output) ([]DVCOutput, error) {
	res := make([]DVCOutput, 0, len(out))
	for _, o := range out {
		var (
			x   DVCOutput
			err error
		)
		x.Name = o.OutputName()
		switch o := o.(type) {
		case dvc.StartConsensus:
			x.Instances = []InstanceID{VectorInstanceID(o.ID)}
			switch {
			case o.Attester != nil:
				x.DutyKind = "attester"
				x.Duty, err = sszOf(o.Attester)
			case o.Proposer != nil:
				x.DutyKind = "proposer"
				x.Duty, err = sszOf(o.Proposer.Duty)
				x.RandaoReveal = o.Proposer.RandaoReveal
			case o.SyncCommittee != nil:
				x.DutyKind = "sync_committee"
				x.Duty, err = sszOf(o.SyncCommittee.Duty)
				x.Slot, x.SubcommitteeIndex = uint64(o.SyncCommittee.Slot), o.SyncCommittee.SubcommitteeIndex
			}
		case dvc.StopConsensus:
			x.Instances = ids(o.IDs)
		case dvc.UpdateValidity:
			x.Instances = ids(o.IDs)
		case dvc.Signed:
			x.SignKind, x.Slot = o.Kind.String(), uint64(o.Slot)
			x.ObjectRoot, x.ForkVersion, x.Domain, x.SigningRoot = o.Input.ObjectRoot, o.Input.ForkVersion, o.Input.Domain, o.Input.SigningRoot
			x.Signature = o.Signature
		case dvc.Broadcast:
			x.MessageKind = o.Message.Kind().String()
			x.Message, err = sszOf(o.Message)
			x.To = append([]uint64(nil), o.To...)
		case dvc.SubmitAttestation:
			var r CombineResult
			r, err = EncodeSignedAttestation(o.Attestation)
			x.AttestationFork, x.Attestation = o.Attestation.Version.String(), r.Combined
		case dvc.SubmitBlock:
			x.Block, err = sszOf(o.Block)
		case dvc.SubmitSyncCommitteeMessage:
			x.Message, err = sszOf(o.Message)
		case dvc.CacheAttestationDataForVC:
			if x.Duty, err = sszOf(o.Duty); err == nil {
				x.Data, err = sszOf(o.Data)
			}
		case dvc.CacheBlockForVC:
			if x.Duty, err = sszOf(o.Duty); err == nil {
				x.BlockFork, x.Block, err = EncodeBeaconBlock(o.Block)
			}
		case dvc.CacheSyncCommitteeContributionForVC:
			if x.Duty, err = sszOf(o.Duty); err == nil {
				x.Contribution, err = sszOf(o.Contribution)
			}
		case dvc.Ignored:
			x.Reason, x.Slot = string(o.Reason), uint64(o.Slot)
		default:
			return nil, fmt.Errorf("unknown dvc output %T", o)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", x.Name, err)
		}
		res = append(res, x)
	}
	return res, nil
}
