package aggduty

import (
	"maps"
	"slices"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// flowKind tells the two flows apart.
type flowKind uint8

const (
	flowAggregator   flowKind = 1
	flowContribution flowKind = 2
)

type flowKey struct {
	kind flowKind
	slot phase0.Slot
}

// part is the state of one selection proof and what follows from it: the
// attestation flow has one part (subcommittee 0), the contribution flow one
// per subcommittee the validator sits in.
type part struct {
	// selection holds the verified selection proof shares by signer.
	selection map[uint64]*networking.AggregationShare
	// proof is the combined selection proof, once combined.
	proof *phase0.BLSSignature
	// judged: aggregator holds is_aggregator of proof, which needs the
	// served duty (a proof may be combined before it).
	judged     bool
	aggregator bool
	// keys are the committee's (subcommittee's) public keys in order.
	keys []phase0.BLSPubKey
	// parsed is keys parsed ahead by the caller, or nil.
	parsed *bls.PublicKeys
	// objectRoot is the signing root of the AggregateAndProof or
	// ContributionAndProof built from the decided value, once decided.
	objectRoot *phase0.Root
	aggregate  *eth2spec.VersionedAggregateAndProof
	contrib    *altair.ContributionAndProof
	// final holds the verified shares of the object's signature by signer.
	final     map[uint64]*networking.AggregationShare
	submitted bool
}

// flow is the state of one duty: the aggregation of an attester duty, or
// the contributions of a sync committee member, at one slot.
type flow struct {
	attDuty  *spec.AttestationDuty
	syncDuty *spec.SyncCommitteeDuty
	// parts by subcommittee (0 for the attestation flow).
	parts map[uint64]*part
	// gate is the submitted attestation data (attestation flow) or the
	// signed block root (contribution flow); nil before the submission.
	gateData *phase0.AttestationData
	gateRoot *phase0.Root
	started  bool
	decided  bool
}

func (f *flow) served() bool { return f.attDuty != nil || f.syncDuty != nil }

// State is one validator's aggregation state. Step never changes a State
// in place; it returns a new one sharing what did not change.
type State struct {
	flows map[flowKey]*flow
	// latest is the highest slot of a served duty.
	latest *phase0.Slot
}

// NewState returns the empty state.
func NewState() *State { return &State{flows: map[flowKey]*flow{}} }

// Slots returns the slots that hold state, ascending (for tests and logs).
func (s *State) Slots() []phase0.Slot {
	var out []phase0.Slot
	for k := range s.flows {
		if !slices.Contains(out, k.slot) {
			out = append(out, k.slot)
		}
	}
	slices.Sort(out)
	return out
}

func (s *State) clone() *State {
	return &State{flows: maps.Clone(s.flows), latest: s.latest}
}

// own returns the flow of k for writing: a copy (maps of parts copied, the
// parts copied as they are written through ownPart).
func (s *State) own(k flowKey) *flow {
	f := s.flows[k]
	if f == nil {
		f = &flow{parts: map[uint64]*part{}}
	} else {
		c := *f
		c.parts = maps.Clone(f.parts)
		f = &c
	}
	s.flows[k] = f
	return f
}

func (f *flow) ownPart(sub uint64) *part {
	p := f.parts[sub]
	if p == nil {
		p = &part{selection: map[uint64]*networking.AggregationShare{}, final: map[uint64]*networking.AggregationShare{}}
	} else {
		c := *p
		c.selection = maps.Clone(p.selection)
		c.final = maps.Clone(p.final)
		p = &c
	}
	f.parts[sub] = p
	return p
}
