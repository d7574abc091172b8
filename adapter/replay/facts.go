package replay

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/names"
)

// factKind is which part of a duty's summary a fact fills.
type factKind int

const (
	factServed factKind = iota
	factDecided
	factSigned
	factSubmitted
	// factSubmittedPart is one subcommittee's part of a sync contribution
	// duty, which is submitted in parts.
	factSubmittedPart
)

// fact is what one event or output of an accepted step says about one
// duty. Every duty kind, with or without aggregation, is read through the
// same two tables below, so that Summaries has one way to fill a summary.
type fact struct {
	what factKind
	duty consensus.DutyType
	slot uint64
	// kind names the signature of a factSigned.
	kind string
	// val is the signing root (factSigned) or the digest of the value
	// decided or submitted.
	val string
	// sub is the subcommittee of a factSubmittedPart.
	sub uint64
}

// eventFacts reads the duty an event serves or decides, by event name.
var eventFacts = map[string]func(e *trace.Fields) (fact, bool){
	names.ServeAttestationDuty:                      served(consensus.DutyAttester, attestationDutySlot),
	names.ServeProposerDuty:                         served(consensus.DutyProposer, proposerDutySlot),
	names.ServeSyncCommitteeDuty:                    served(consensus.DutySyncCommittee, eventSlot),
	aggduty.ServeAggregatorDuty{}.EventName():       served(consensus.DutyAggregator, attestationDutySlot),
	aggduty.ServeSyncContributionDuty{}.EventName(): served(consensus.DutySyncContribution, eventSlot),

	names.AttestationConsensusDecided:               decided(func(e *trace.Fields) []byte { return e.DataSSZ }),
	names.BlockConsensusDecided:                     decided(func(e *trace.Fields) []byte { return e.BlockSSZ }),
	names.SyncCommitteeConsensusDecided:             decided(func(e *trace.Fields) []byte { return e.ContributionSSZ }),
	aggduty.AggregateConsensusDecided{}.EventName(): decided(func(e *trace.Fields) []byte { return e.AttestationSSZ }),
	aggduty.ContributionConsensusDecided{}.EventName(): decided(func(e *trace.Fields) []byte {
		var val []byte
		for _, c := range e.ContributionsSSZ {
			// Length-prefixed, so that the split between contributions
			// is part of the digest.
			val = fmt.Appendf(val, "%d:", len(c))
			val = append(val, c...)
		}
		return val
	}),
}

// outputFacts reads the duty an output signs or submits for, by output
// name. node is the recording node: of the aggregation shares it
// broadcasts, only its own are its signatures.
var outputFacts = map[string]func(o *trace.Fields, node uint64) (fact, bool){
	names.Signed:    signedShare,
	names.Broadcast: aggregationShare,
	names.SubmitAttestation: submission(consensus.DutyAttester, func(o *trace.Fields) ([]byte, uint64, bool) {
		if o.AttestationFork == "electra" || o.AttestationFork == "fulu" {
			a, err := decodeSSZ[electra.SingleAttestation](o.AttestationSSZ)
			return o.AttestationSSZ, slotOf(a.Data), err == nil && a.Data != nil
		}
		a, err := decodeSSZ[phase0.Attestation](o.AttestationSSZ)
		return o.AttestationSSZ, slotOf(a.Data), err == nil && a.Data != nil
	}),
	names.SubmitBlock: submission(consensus.DutyProposer, func(o *trace.Fields) ([]byte, uint64, bool) {
		// SignedVersionedBlock: the slot is the block's first field.
		b, err := decodeSSZ[networking.SignedVersionedBlock](o.BlockSSZ)
		if err != nil || b.Block == nil || len(b.Block.Block) < 8 {
			return nil, 0, false
		}
		return o.BlockSSZ, binary.LittleEndian.Uint64(b.Block.Block[:8]), true
	}),
	names.SubmitSyncCommitteeMessage: submission(consensus.DutySyncCommittee, func(o *trace.Fields) ([]byte, uint64, bool) {
		m, err := decodeSSZ[altair.SyncCommitteeMessage](o.MessageSSZ)
		return o.MessageSSZ, uint64(m.Slot), err == nil
	}),
	aggduty.SubmitAggregateAndProof{}.OutputName(): submission(consensus.DutyAggregator, func(o *trace.Fields) ([]byte, uint64, bool) {
		slot, ok := aggregateSlot(o)
		return o.SignedSSZ, slot, ok
	}),
	aggduty.SubmitContributionAndProof{}.OutputName(): contributionPart,
}

func served(duty consensus.DutyType, slot func(e *trace.Fields) (uint64, bool)) func(*trace.Fields) (fact, bool) {
	return func(e *trace.Fields) (fact, bool) {
		s, ok := slot(e)
		return fact{what: factServed, duty: duty, slot: s}, ok
	}
}

func attestationDutySlot(e *trace.Fields) (uint64, bool) {
	d, err := decodeSSZ[spec.AttestationDuty](e.DutySSZ)
	return uint64(d.Slot), err == nil
}

func proposerDutySlot(e *trace.Fields) (uint64, bool) {
	d, err := decodeSSZ[spec.ProposerDuty](e.DutySSZ)
	return uint64(d.Slot), err == nil
}

func eventSlot(e *trace.Fields) (uint64, bool) {
	if e.Slot == nil {
		return 0, false
	}
	return *e.Slot, true
}

// decided reads a decision: the duty from its consensus instance, the
// value from the event's field.
func decided(value func(e *trace.Fields) []byte) func(*trace.Fields) (fact, bool) {
	return func(e *trace.Fields) (fact, bool) {
		if e.Instance == nil {
			return fact{}, false
		}
		return fact{what: factDecided, duty: consensus.DutyType(e.Instance.DutyType), slot: e.Instance.Slot, val: digest(value(e))}, true
	}
}

// signedShare is a dvc.Signed output: the kind of signature names the
// duty.
func signedShare(o *trace.Fields, _ uint64) (fact, bool) {
	if o.Slot == nil {
		return fact{}, false
	}
	duty := consensus.DutyAttester
	switch o.Kind {
	case names.SignRandaoReveal, names.SignBlock:
		duty = consensus.DutyProposer
	case names.SignSyncCommitteeMessage:
		duty = consensus.DutySyncCommittee
	}
	return fact{what: factSigned, duty: duty, slot: *o.Slot, kind: o.Kind, val: o.SigningRoot.String()}, true
}

// aggregationShare is the node's own aggregation share in a broadcast:
// the selection proof and the aggregate and proof of an aggregator duty;
// for a sync contribution duty, the same two per subcommittee.
func aggregationShare(o *trace.Fields, node uint64) (fact, bool) {
	if o.MessageKind != networking.KindAggregationShare.String() {
		return fact{}, false
	}
	sh, err := decodeSSZ[networking.AggregationShare](o.MessageSSZ)
	if err != nil || sh.ShareIndex != node {
		return fact{}, false
	}
	typ := networking.AggregationShareType(sh.Type)
	duty, kind := consensus.DutyAggregator, typ.String()
	if typ == networking.ShareSyncSelectionProof || typ == networking.ShareContributionAndProof {
		duty, kind = consensus.DutySyncContribution, fmt.Sprintf("%s/%d", typ, sh.SubcommitteeIndex)
	}
	return fact{what: factSigned, duty: duty, slot: uint64(sh.Slot), kind: kind, val: trace.Hex(sh.SigningRoot[:]).String()}, true
}

// submission reads a submitted signed container: what was submitted
// (digested) and the slot of its duty.
func submission(duty consensus.DutyType, read func(o *trace.Fields) ([]byte, uint64, bool)) func(*trace.Fields, uint64) (fact, bool) {
	return func(o *trace.Fields, _ uint64) (fact, bool) {
		raw, slot, ok := read(o)
		if !ok {
			return fact{}, false
		}
		return fact{what: factSubmitted, duty: duty, slot: slot, val: digest(raw)}, true
	}
}

// contributionPart is one subcommittee's submitted contribution and
// proof.
func contributionPart(o *trace.Fields, _ uint64) (fact, bool) {
	c, err := decodeSSZ[altair.SignedContributionAndProof](o.SignedSSZ)
	if err != nil || c.Message == nil || c.Message.Contribution == nil {
		return fact{}, false
	}
	cn := c.Message.Contribution
	return fact{what: factSubmittedPart, duty: consensus.DutySyncContribution, slot: uint64(cn.Slot), sub: cn.SubcommitteeIndex, val: digest(o.SignedSSZ)}, true
}

func slotOf(d *phase0.AttestationData) uint64 {
	if d == nil {
		return 0
	}
	return uint64(d.Slot)
}

// aggregateSlot reads the slot of a submitted signed aggregate and proof.
func aggregateSlot(o *trace.Fields) (uint64, bool) {
	if o.Fork == "electra" || o.Fork == "fulu" {
		if a, err := decodeSSZ[electra.SignedAggregateAndProof](o.SignedSSZ); err == nil && a.Message != nil && a.Message.Aggregate != nil && a.Message.Aggregate.Data != nil {
			return uint64(a.Message.Aggregate.Data.Slot), true
		}
		return 0, false
	}
	if a, err := decodeSSZ[phase0.SignedAggregateAndProof](o.SignedSSZ); err == nil && a.Message != nil && a.Message.Aggregate != nil && a.Message.Aggregate.Data != nil {
		return uint64(a.Message.Aggregate.Data.Slot), true
	}
	return 0, false
}

// digestParts digests a duty submitted in parts, in subcommittee order.
func digestParts(parts map[uint64]string) string {
	subs := make([]uint64, 0, len(parts))
	for k := range parts {
		subs = append(subs, k)
	}
	slices.Sort(subs)
	var b strings.Builder
	for _, k := range subs {
		fmt.Fprintf(&b, "%d=%s;", k, parts[k])
	}
	return digest([]byte(b.String()))
}

// signedKinds are the signature kinds either summary has, sorted.
func signedKinds(x, y *DutySummary) []string {
	var out []string
	for _, s := range []*DutySummary{x, y} {
		for k := range s.Signed {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}
