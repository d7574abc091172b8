package trace

import (
	"errors"
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/names"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

// Item is one event or output as the dvc vectors' steps.yaml writes it: a
// map with one key, the event's or output's snake_case name, whose value
// holds the fields it uses.
type Item map[string]*Fields

// Name returns the item's name ("" when it does not have exactly one).
func (it Item) Name() string {
	if len(it) != 1 {
		return ""
	}
	for k := range it {
		return k
	}
	return ""
}

// Fields are the fields of an event or output, named as in the dvc
// vectors (vectors/README.md, spectests.DVCEvent and DVCOutput):
// containers as <field>_ssz (0x-hex of the canonical SSZ encoding), blocks
// and attestations with their fork name. Detail is trace-only: the
// human-readable detail of an ignored output.
type Fields struct {
	Instance          *InstanceID  `json:"instance,omitempty"`
	Instances         []InstanceID `json:"instances,omitempty"`
	Attester          *DutyRef     `json:"attester,omitempty"`
	Proposer          *DutyRef     `json:"proposer,omitempty"`
	SyncCommittee     *DutyRef     `json:"sync_committee,omitempty"`
	DutySSZ           Hex          `json:"duty_ssz,omitempty"`
	DataSSZ           Hex          `json:"data_ssz,omitempty"`
	ShareSSZ          Hex          `json:"share_ssz,omitempty"`
	BlockFork         string       `json:"block_fork,omitempty"`
	BlockSSZ          Hex          `json:"block_ssz,omitempty"`
	ValidatorIndex    *uint64      `json:"validator_index,omitempty"`
	Committees        []Committee  `json:"committees,omitempty"`
	Kind              string       `json:"kind,omitempty"`
	Slot              *uint64      `json:"slot,omitempty"`
	SubcommitteeIndex *uint64      `json:"subcommittee_index,omitempty"`
	ContributionSSZ   Hex          `json:"contribution_ssz,omitempty"`
	AttestationFork   string       `json:"attestation_fork,omitempty"`
	AttestationSSZ    Hex          `json:"attestation_ssz,omitempty"`
	ObjectRoot        Hex          `json:"object_root,omitempty"`
	ForkVersion       Hex          `json:"fork_version,omitempty"`
	Domain            Hex          `json:"domain,omitempty"`
	SigningRoot       Hex          `json:"signing_root,omitempty"`
	RandaoReveal      Hex          `json:"randao_reveal,omitempty"`
	Signature         Hex          `json:"signature,omitempty"`
	MessageKind       string       `json:"message_kind,omitempty"`
	MessageSSZ        Hex          `json:"message_ssz,omitempty"`
	To                []uint64     `json:"to,omitempty"`
	Reason            string       `json:"reason,omitempty"`
	Detail            string       `json:"detail,omitempty"`

	// Aggregation (spec/dvc/aggduty) events and outputs, format version 2.
	Committee               []Hex          `json:"committee,omitempty"`
	Subcommittees           []Subcommittee `json:"subcommittees,omitempty"`
	SelectionProof          Hex            `json:"selection_proof,omitempty"`
	BeaconBlockRoot         Hex            `json:"beacon_block_root,omitempty"`
	ContributionsSSZ        []Hex          `json:"contributions_ssz,omitempty"`
	Fork                    string         `json:"fork,omitempty"`
	SignedSSZ               Hex            `json:"signed_ssz,omitempty"`
	AggregateAndProofSSZ    Hex            `json:"aggregate_and_proof_ssz,omitempty"`
	ContributionAndProofSSZ Hex            `json:"contribution_and_proof_ssz,omitempty"`
	IsAggregator            *bool          `json:"is_aggregator,omitempty"`
	Validity                []Validity     `json:"validity,omitempty"`
}

// DutyRef is the duty of a start_consensus output, with the proposer's
// combined RANDAO reveal or the sync committee slot and subcommittee.
type DutyRef struct {
	DutySSZ           Hex     `json:"duty_ssz"`
	RandaoReveal      Hex     `json:"randao_reveal,omitempty"`
	Slot              *uint64 `json:"slot,omitempty"`
	SubcommitteeIndex *uint64 `json:"subcommittee_index,omitempty"`
}

// InstanceID is consensus.InstanceID.
type InstanceID struct {
	Cluster   Hex    `json:"cluster"`
	Validator Hex    `json:"validator"`
	DutyType  uint64 `json:"duty_type"`
	Slot      uint64 `json:"slot"`
}

func encodeID(id consensus.InstanceID) *InstanceID {
	return &InstanceID{Cluster: Hex(id.Cluster[:]), Validator: Hex(id.Validator[:]), DutyType: id.DutyType, Slot: uint64(id.Slot)}
}

func decodeID(j *InstanceID) (consensus.InstanceID, error) {
	if j == nil {
		return consensus.InstanceID{}, errors.New("missing instance")
	}
	c, err := root(j.Cluster, "instance.cluster")
	if err != nil {
		return consensus.InstanceID{}, err
	}
	v, err := pubkey(j.Validator, "instance.validator")
	if err != nil {
		return consensus.InstanceID{}, err
	}
	return consensus.InstanceID{Cluster: c, Validator: v, DutyType: j.DutyType, Slot: phase0.Slot(j.Slot)}, nil
}

// Committee is spec/dvc.BeaconCommittee.
type Committee struct {
	Slot       uint64   `json:"slot"`
	Index      uint64   `json:"index"`
	Validators []uint64 `json:"validators"`
}

type marshaler interface{ MarshalSSZ() ([]byte, error) }

func ssz(m marshaler) (Hex, error) {
	b, err := m.MarshalSSZ()
	return Hex(b), err
}

func u64p(v uint64) *uint64 { return &v }

// EncodeBlock is a block's fork name and the SSZ of that fork's
// BeaconBlock.
func EncodeBlock(chain signing.Chain, b *eth2spec.VersionedBeaconBlock) (string, Hex, error) {
	_, raw, err := consensus.MarshalBlockSSZ(chain, b)
	if err != nil {
		return "", nil, err
	}
	return b.Version.String(), raw, nil
}

// DecodeBlock decodes a block of the named fork.
func DecodeBlock(chain signing.Chain, fork string, raw Hex) (*eth2spec.VersionedBeaconBlock, error) {
	v, err := dataVersion(fork)
	if err != nil {
		return nil, err
	}
	f, err := chain.Forks.ByName(v)
	if err != nil {
		return nil, err
	}
	return consensus.UnmarshalBlockSSZ(chain, f.Version, raw)
}

func dataVersion(name string) (eth2spec.DataVersion, error) {
	var v eth2spec.DataVersion
	if err := v.UnmarshalJSON([]byte(`"` + name + `"`)); err != nil {
		return 0, fmt.Errorf("fork %q: %w", name, err)
	}
	return v, nil
}

// EncodeEvent converts an event.
func EncodeEvent(chain signing.Chain, ev dvc.Event) (Item, error) {
	if ev == nil {
		return nil, errors.New("trace: nil event")
	}
	f := &Fields{}
	var err error
	switch x := ev.(type) {
	case dvc.ServeAttestationDuty:
		f.DutySSZ, err = ssz(x.Duty)
	case dvc.AttestationConsensusDecided:
		f.Instance = encodeID(x.ID)
		f.DataSSZ, err = ssz(x.Data)
	case dvc.ReceivedAttestationShare:
		f.ShareSSZ, err = ssz(x.Share)
	case dvc.ImportedNewBlock:
		f.BlockFork, f.BlockSSZ, err = EncodeBlock(chain, x.Block)
		if x.ValidatorIndex != nil {
			f.ValidatorIndex = u64p(uint64(*x.ValidatorIndex))
		}
		for _, c := range x.Committees {
			if c == nil {
				continue
			}
			jc := Committee{Slot: uint64(c.Slot), Index: uint64(c.Index), Validators: []uint64{}}
			for _, v := range c.Validators {
				jc.Validators = append(jc.Validators, uint64(v))
			}
			f.Committees = append(f.Committees, jc)
		}
	case dvc.ServeProposerDuty:
		f.DutySSZ, err = ssz(x.Duty)
	case dvc.ReceivedRandaoShare:
		f.ShareSSZ, err = ssz(x.Share)
	case dvc.BlockConsensusDecided:
		f.Instance = encodeID(x.ID)
		f.BlockFork, f.BlockSSZ, err = EncodeBlock(chain, x.Block)
	case dvc.ReceivedBlockShare:
		f.ShareSSZ, err = ssz(x.Share)
	case dvc.ServeSyncCommitteeDuty:
		f.DutySSZ, err = ssz(x.Duty)
		f.Slot = u64p(uint64(x.Slot))
		f.SubcommitteeIndex = u64p(x.SubcommitteeIndex)
	case dvc.SyncCommitteeConsensusDecided:
		f.Instance = encodeID(x.ID)
		f.ContributionSSZ, err = ssz(x.Contribution)
	case dvc.ReceivedSyncCommitteeMessageShare:
		f.ShareSSZ, err = ssz(x.Share)
	case dvc.CapturedAttestation:
		f.AttestationFork, f.AttestationSSZ, err = encodeSignedAttestation(x.Attestation)
	case dvc.CapturedRandaoReveal:
		f.Slot = u64p(uint64(x.Slot))
		f.RandaoReveal = Hex(x.RandaoReveal[:])
	case dvc.CapturedBlock:
		f.BlockFork, f.BlockSSZ, err = EncodeBlock(chain, x.Block)
		f.Signature = Hex(x.Signature[:])
	case dvc.CapturedSyncCommitteeMessage:
		f.MessageSSZ, err = ssz(x.Message)
	case dvc.NewSlot:
		f.Slot = u64p(uint64(x.Slot))
	case dvc.ResendAttestationShares, dvc.ResendRandaoShares, dvc.ResendBlockShares,
		dvc.ResendSyncCommitteeMessageShares, dvc.NoEvent:
	default:
		return nil, fmt.Errorf("trace: unknown event %T (events are values)", ev)
	}
	if err != nil {
		return nil, fmt.Errorf("trace: %s: %w", ev.EventName(), err)
	}
	return Item{ev.EventName(): f}, nil
}

func decodeSSZ[T any, P interface {
	*T
	sszutil.Codec
}](h Hex, what string) (P, error) {
	if h == nil {
		return nil, fmt.Errorf("missing %s", what)
	}
	p := P(new(T))
	if err := sszutil.DecodeCanonical(h, p); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return p, nil
}

// DecodeEvent converts an event back.
func DecodeEvent(chain signing.Chain, it Item) (dvc.Event, error) {
	return decodeItem(chain, it, "event", decodeEvent)
}

// decodeItem decodes the one named entry of an event or output item.
func decodeItem[T any](chain signing.Chain, it Item, what string, decode func(signing.Chain, string, *Fields) (T, error)) (T, error) {
	var zero T
	name := it.Name()
	if name == "" {
		return zero, fmt.Errorf("trace: an %s has exactly one name", what)
	}
	f := it[name]
	if f == nil {
		f = &Fields{}
	}
	v, err := decode(chain, name, f)
	if err != nil {
		return zero, fmt.Errorf("trace: %s %s: %w", what, name, err)
	}
	return v, nil
}

func decodeEvent(chain signing.Chain, name string, f *Fields) (dvc.Event, error) {
	switch name {
	case names.ServeAttestationDuty:
		d, err := decodeSSZ[spec.AttestationDuty](f.DutySSZ, "duty_ssz")
		return dvc.ServeAttestationDuty{Duty: d}, err
	case names.AttestationConsensusDecided:
		id, err := decodeID(f.Instance)
		if err != nil {
			return nil, err
		}
		d, err := decodeSSZ[phase0.AttestationData](f.DataSSZ, "data_ssz")
		return dvc.AttestationConsensusDecided{ID: id, Data: d}, err
	case names.ReceivedAttestationShare:
		s, err := decodeSSZ[networking.AttestationShare](f.ShareSSZ, "share_ssz")
		return dvc.ReceivedAttestationShare{Share: s}, err
	case names.ImportedNewBlock:
		b, err := DecodeBlock(chain, f.BlockFork, f.BlockSSZ)
		if err != nil {
			return nil, err
		}
		out := dvc.ImportedNewBlock{Block: b}
		if f.ValidatorIndex != nil {
			vi := phase0.ValidatorIndex(*f.ValidatorIndex)
			out.ValidatorIndex = &vi
		}
		for _, c := range f.Committees {
			bc := &dvc.BeaconCommittee{Slot: phase0.Slot(c.Slot), Index: phase0.CommitteeIndex(c.Index)}
			for _, v := range c.Validators {
				bc.Validators = append(bc.Validators, phase0.ValidatorIndex(v))
			}
			out.Committees = append(out.Committees, bc)
		}
		return out, nil
	case names.ResendAttestationShares:
		return dvc.ResendAttestationShares{}, nil
	case names.ServeProposerDuty:
		d, err := decodeSSZ[spec.ProposerDuty](f.DutySSZ, "duty_ssz")
		return dvc.ServeProposerDuty{Duty: d}, err
	case names.ReceivedRandaoShare:
		s, err := decodeSSZ[networking.RandaoShare](f.ShareSSZ, "share_ssz")
		return dvc.ReceivedRandaoShare{Share: s}, err
	case names.BlockConsensusDecided:
		id, err := decodeID(f.Instance)
		if err != nil {
			return nil, err
		}
		b, err := DecodeBlock(chain, f.BlockFork, f.BlockSSZ)
		return dvc.BlockConsensusDecided{ID: id, Block: b}, err
	case names.ReceivedBlockShare:
		s, err := decodeSSZ[networking.BlockShare](f.ShareSSZ, "share_ssz")
		return dvc.ReceivedBlockShare{Share: s}, err
	case names.ResendRandaoShares:
		return dvc.ResendRandaoShares{}, nil
	case names.ResendBlockShares:
		return dvc.ResendBlockShares{}, nil
	case names.ServeSyncCommitteeDuty:
		d, err := decodeSSZ[spec.SyncCommitteeDuty](f.DutySSZ, "duty_ssz")
		if err != nil {
			return nil, err
		}
		if f.Slot == nil || f.SubcommitteeIndex == nil {
			return nil, errors.New("missing slot or subcommittee_index")
		}
		return dvc.ServeSyncCommitteeDuty{Duty: d, Slot: phase0.Slot(*f.Slot), SubcommitteeIndex: *f.SubcommitteeIndex}, nil
	case names.SyncCommitteeConsensusDecided:
		id, err := decodeID(f.Instance)
		if err != nil {
			return nil, err
		}
		c, err := decodeSSZ[altair.SyncCommitteeContribution](f.ContributionSSZ, "contribution_ssz")
		return dvc.SyncCommitteeConsensusDecided{ID: id, Contribution: c}, err
	case names.ReceivedSyncCommitteeMessageShare:
		s, err := decodeSSZ[networking.SyncCommitteeMessageShare](f.ShareSSZ, "share_ssz")
		return dvc.ReceivedSyncCommitteeMessageShare{Share: s}, err
	case names.ResendSyncCommitteeMessageShares:
		return dvc.ResendSyncCommitteeMessageShares{}, nil
	case names.NewSlot:
		if f.Slot == nil {
			return nil, errors.New("missing slot")
		}
		return dvc.NewSlot{Slot: phase0.Slot(*f.Slot)}, nil
	case names.CapturedAttestation:
		a, err := decodeSignedAttestation(f.AttestationFork, f.AttestationSSZ)
		return dvc.CapturedAttestation{Attestation: a}, err
	case names.CapturedRandaoReveal:
		if f.Slot == nil {
			return nil, errors.New("missing slot")
		}
		r, err := sig(f.RandaoReveal, "randao_reveal")
		return dvc.CapturedRandaoReveal{Slot: phase0.Slot(*f.Slot), RandaoReveal: r}, err
	case names.CapturedBlock:
		b, err := DecodeBlock(chain, f.BlockFork, f.BlockSSZ)
		if err != nil {
			return nil, err
		}
		s, err := sig(f.Signature, "signature")
		return dvc.CapturedBlock{Block: b, Signature: s}, err
	case names.CapturedSyncCommitteeMessage:
		m, err := decodeSSZ[altair.SyncCommitteeMessage](f.MessageSSZ, "message_ssz")
		return dvc.CapturedSyncCommitteeMessage{Message: m}, err
	case names.NoEvent:
		return dvc.NoEvent{}, nil
	}
	return nil, errors.New("unknown event name")
}

func encodeSignedAttestation(a *networking.SignedAttestation) (string, Hex, error) {
	switch {
	case a == nil:
		return "", nil, errors.New("missing attestation")
	case a.Electra != nil:
		raw, err := ssz(a.Electra)
		return a.Version.String(), raw, err
	case a.Phase0 != nil:
		raw, err := ssz(a.Phase0)
		return a.Version.String(), raw, err
	}
	return "", nil, errors.New("empty attestation")
}

func decodeSignedAttestation(fork string, raw Hex) (*networking.SignedAttestation, error) {
	v, err := dataVersion(fork)
	if err != nil {
		return nil, err
	}
	out := &networking.SignedAttestation{Version: v}
	if v >= eth2spec.DataVersionElectra {
		out.Electra, err = decodeSSZ[electra.SingleAttestation](raw, "attestation_ssz")
	} else {
		out.Phase0, err = decodeSSZ[phase0.Attestation](raw, "attestation_ssz")
	}
	return out, err
}
