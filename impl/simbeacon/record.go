package simbeacon

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// Kind is a type of validator message the simulated node accepts.
type Kind string

// Message kinds, one per duty a validator performs through the beacon API.
const (
	KindAttestation              Kind = "attestation"
	KindBlock                    Kind = "block"
	KindAggregateAndProof        Kind = "aggregate_and_proof"
	KindSyncCommitteeMessage     Kind = "sync_committee_message"
	KindContributionAndProof     Kind = "contribution_and_proof"
	KindBeaconCommitteeSelection Kind = "beacon_committee_selection"
	KindSyncCommitteeSelection   Kind = "sync_committee_selection"
	KindValidatorRegistration    Kind = "validator_registration"
	KindVoluntaryExit            Kind = "voluntary_exit"
)

// livenessKinds are the messages that make a validator live in an epoch
// (the ones a beacon node sees on the network for a duty).
var livenessKinds = map[Kind]bool{
	KindAttestation: true, KindBlock: true, KindAggregateAndProof: true,
	KindSyncCommitteeMessage: true, KindContributionAndProof: true,
}

// Acceptance is one message the node verified and accepted. Tests and the
// devnet read these to tell which duties succeeded, and when.
type Acceptance struct {
	// Validator is the validator whose signature was accepted (the
	// aggregator for aggregates and contributions).
	Validator phase0.ValidatorIndex
	// Kind is the message type.
	Kind Kind
	// Slot is the message's slot (the epoch's start slot for an exit, the
	// current slot for a registration).
	Slot phase0.Slot
	// At is the node's clock reading when the message was accepted.
	At time.Time
	// SigningRoot is what the validator signed; two acceptances of one
	// validator, kind and slot differ exactly when these differ.
	SigningRoot phase0.Root
}

// Offence is a slashable pair the node refused: a DV cluster must never
// produce one, so tests assert there are none.
type Offence struct {
	// Validator is the validator that signed both messages.
	Validator phase0.ValidatorIndex
	// Kind is "double_vote", "surround_vote" or "double_proposal".
	Kind string
	// Slot is the refused message's slot.
	Slot phase0.Slot
	// Accepted is the root (data root for attestations, signing root for
	// blocks) of the earlier, accepted message; Refused that of the
	// refused one.
	Accepted, Refused phase0.Root
	// At is when the refused message arrived.
	At time.Time
}

type vote struct {
	source, target phase0.Epoch
	dataRoot       phase0.Root
}

type acceptKey struct {
	validator phase0.ValidatorIndex
	kind      Kind
	slot      phase0.Slot
	root      phase0.Root
}

// recorder keeps acceptances, slashing-relevant history and offences.
type recorder struct {
	mu        sync.Mutex
	list      []Acceptance
	seen      map[acceptKey]bool
	live      map[phase0.Epoch]map[phase0.ValidatorIndex]bool
	votes     map[phase0.ValidatorIndex][]vote
	proposals map[phase0.Slot]phase0.Root
	offences  []Offence
}

func newRecorder() *recorder {
	return &recorder{
		seen:      map[acceptKey]bool{},
		live:      map[phase0.Epoch]map[phase0.ValidatorIndex]bool{},
		votes:     map[phase0.ValidatorIndex][]vote{},
		proposals: map[phase0.Slot]phase0.Root{},
	}
}

// add records an acceptance unless the identical message was recorded
// before; it reports whether it was new.
func (r *recorder) add(a Acceptance, epoch phase0.Epoch) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := acceptKey{a.Validator, a.Kind, a.Slot, a.SigningRoot}
	if r.seen[k] {
		return false
	}
	r.seen[k] = true
	r.list = append(r.list, a)
	if livenessKinds[a.Kind] {
		m := r.live[epoch]
		if m == nil {
			m = map[phase0.ValidatorIndex]bool{}
			r.live[epoch] = m
		}
		m[a.Validator] = true
	}
	return true
}

// checkVote applies the slashing conditions (double vote, surround in both
// directions) to a new attestation of validator v and, if it is not
// slashable, remembers it. A repeat of an accepted vote passes.
func (r *recorder) checkVote(v phase0.ValidatorIndex, data *phase0.AttestationData, dataRoot, signingRoot phase0.Root, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, t := data.Source.Epoch, data.Target.Epoch
	for _, old := range r.votes[v] {
		var kind string
		switch {
		case old.target == t && old.dataRoot == dataRoot:
			return nil
		case old.target == t:
			kind = "double_vote"
		case (s < old.source && old.target < t) || (old.source < s && t < old.target):
			kind = "surround_vote"
		default:
			continue
		}
		r.offences = append(r.offences, Offence{Validator: v, Kind: kind, Slot: data.Slot, Accepted: old.dataRoot, Refused: dataRoot, At: at})
		return fmt.Errorf("slashable attestation (%s) of validator %d: source %d target %d against the accepted source %d target %d", kind, v, s, t, old.source, old.target)
	}
	r.votes[v] = append(r.votes[v], vote{source: s, target: t, dataRoot: dataRoot})
	return nil
}

// checkProposal refuses a second, different block for a slot.
func (r *recorder) checkProposal(v phase0.ValidatorIndex, slot phase0.Slot, root phase0.Root, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, ok := r.proposals[slot]
	if !ok || old == root {
		r.proposals[slot] = root
		return nil
	}
	r.offences = append(r.offences, Offence{Validator: v, Kind: "double_proposal", Slot: slot, Accepted: old, Refused: root, At: at})
	return fmt.Errorf("slashable proposal of validator %d: slot %d already has block %#x", v, slot, old)
}

func (r *recorder) isLive(epoch phase0.Epoch, v phase0.ValidatorIndex) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.live[epoch][v]
}

// Accepted returns the accepted messages of validator v of the given kind,
// in acceptance order. An empty kind matches every kind.
func (n *Node) Accepted(v phase0.ValidatorIndex, kind Kind) []Acceptance {
	n.rec.mu.Lock()
	defer n.rec.mu.Unlock()
	var out []Acceptance
	for _, a := range n.rec.list {
		if a.Validator == v && (kind == "" || a.Kind == kind) {
			out = append(out, a)
		}
	}
	return out
}

// AllAccepted returns every accepted message, sorted by slot, then
// validator, then kind (acceptance order within that).
func (n *Node) AllAccepted() []Acceptance {
	n.rec.mu.Lock()
	out := append([]Acceptance(nil), n.rec.list...)
	n.rec.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Slot != out[j].Slot {
			return out[i].Slot < out[j].Slot
		}
		if out[i].Validator != out[j].Validator {
			return out[i].Validator < out[j].Validator
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// Offences returns every slashable message the node refused.
func (n *Node) Offences() []Offence {
	n.rec.mu.Lock()
	defer n.rec.mu.Unlock()
	return append([]Offence(nil), n.rec.offences...)
}

// IsLive reports whether validator v had an accepted attestation, block,
// aggregate, sync committee message or contribution in epoch (what the
// liveness endpoint answers).
func (n *Node) IsLive(epoch phase0.Epoch, v phase0.ValidatorIndex) bool {
	return n.rec.isLive(epoch, v)
}
