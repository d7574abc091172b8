package replay

import (
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
)

type summaryOf func(v string, typ consensus.DutyType, slot uint64, n uint64) *DutySummary
type setter func(s *DutySummary, field *string, what, val string, n uint64)

// aggSummary adds an accepted aggregation step to the duty summaries: the
// aggregator duty (DutyAggregator) and the sync contribution duty
// (DutySyncContribution) of a slot are served, decided (the aggregate; the
// contributions in subcommittee order), signed (the signing root of the
// node's own share of each kind: the selection proof, the aggregate and
// proof; for the sync kinds one per subcommittee) and submitted (the
// signed aggregate and proof; every subcommittee's signed contribution and
// proof).
func aggSummary(r *trace.Record, get summaryOf, set setter) {
	v := r.Validator.String()
	name := r.Event.Name()
	if e := r.Event[name]; e != nil {
		switch name {
		case "serve_aggregator_duty":
			if d, err := decodeSSZ[spec.AttestationDuty](e.DutySSZ); err == nil {
				get(v, consensus.DutyAggregator, uint64(d.Slot), r.Node).Served = true
			}
		case "serve_sync_contribution_duty":
			if e.Slot != nil {
				get(v, consensus.DutySyncContribution, *e.Slot, r.Node).Served = true
			}
		case "aggregate_consensus_decided", "contribution_consensus_decided":
			if e.Instance != nil {
				val := []byte(e.AttestationSSZ)
				if name == "contribution_consensus_decided" {
					val = nil
					for _, c := range e.ContributionsSSZ {
						// Length-prefixed, so that the split between
						// contributions is part of the digest.
						val = fmt.Appendf(val, "%d:", len(c))
						val = append(val, c...)
					}
				}
				s := get(v, consensus.DutyType(e.Instance.DutyType), e.Instance.Slot, r.Node)
				set(s, &s.Decided, "decided", digest(val), r.Node)
			}
		}
	}
	for _, item := range r.Outputs {
		oname := item.Name()
		o := item[oname]
		if o == nil {
			continue
		}
		switch oname {
		case "broadcast":
			if o.MessageKind != networking.KindAggregationShare.String() {
				continue
			}
			sh, err := decodeSSZ[networking.AggregationShare](o.MessageSSZ)
			if err != nil || sh.ShareIndex != r.Node {
				continue
			}
			typ := networking.AggregationShareType(sh.Type)
			duty, kind := consensus.DutyAggregator, typ.String()
			if typ == networking.ShareSyncSelectionProof || typ == networking.ShareContributionAndProof {
				duty, kind = consensus.DutySyncContribution, fmt.Sprintf("%s/%d", typ, sh.SubcommitteeIndex)
			}
			s := get(v, duty, uint64(sh.Slot), r.Node)
			root := trace.Hex(sh.SigningRoot[:]).String()
			if prev, ok := s.Signed[kind]; ok && prev != root {
				s.Conflicts = append(s.Conflicts, fmt.Sprintf("node %d signed %s %s, another signing %s", r.Node, kind, short(root), short(prev)))
			} else {
				s.Signed[kind] = root
			}
		case "submit_aggregate_and_proof":
			if slot, ok := aggregateSlot(o); ok {
				s := get(v, consensus.DutyAggregator, slot, r.Node)
				set(s, &s.Submitted, "submitted", digest(o.SignedSSZ), r.Node)
			}
		case "submit_contribution_and_proof":
			c, err := decodeSSZ[altair.SignedContributionAndProof](o.SignedSSZ)
			if err != nil || c.Message == nil || c.Message.Contribution == nil {
				continue
			}
			s := get(v, consensus.DutySyncContribution, uint64(c.Message.Contribution.Slot), r.Node)
			if s.parts == nil {
				s.parts = map[uint64]string{}
			}
			sub, d := c.Message.Contribution.SubcommitteeIndex, digest(o.SignedSSZ)
			if prev, ok := s.parts[sub]; ok && prev != d {
				s.Conflicts = append(s.Conflicts, fmt.Sprintf("node %d submitted subcommittee %d's %s, another node %s", r.Node, sub, short(d), short(prev)))
				continue
			}
			s.parts[sub] = d
			s.Submitted = digestParts(s.parts)
		}
	}
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
