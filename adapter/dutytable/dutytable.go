// Package dutytable accounts for the duties a simulated beacon node
// (impl/simbeacon) assigned to a set of validators: which of them the
// beacon node accepted and how late, counted from the beacon node's own
// records of what it verified, never from the DV nodes' claims. dvnode
// devnet and dvnode simbeacon print the same table through it, so scripts
// read one format.
package dutytable

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// Duty types as the table names them.
const (
	TypeAttester = "attester"
	TypeProposer = "proposer"
	TypeSync     = "sync_committee"
	// TypeAggregator and TypeSyncContribution duties are not assigned by
	// the beacon node: the validator's selection proof decides them
	// (Selection.Aggregation).
	TypeAggregator       = "aggregator"
	TypeSyncContribution = "sync_contribution"
)

// Duty is one duty the beacon node assigned to a counted validator.
type Duty struct {
	Type      string
	Validator phase0.ValidatorIndex
	Slot      phase0.Slot
	// Start is the duty's start in slot time (slot start for a proposal,
	// a third into the slot otherwise): latencies count from it.
	Start    time.Time
	Accepted bool
	Latency  time.Duration
}

// TypeStats summarises the duties of one type.
type TypeStats struct {
	Count, Succeeded, Failed int
	P50, P95, P99            time.Duration
}

// Table is the outcome of a run's duties.
type Table struct {
	Duties []Duty
	ByType map[string]*TypeStats
	Total  TypeStats
}

// Selection says which duties count: those of validators 0..Validators-1
// in slots 0..Slots-1 (proposals from slot 1: slot 0 is genesis), sync
// committee duties unless NoSync (AggregationDuties adds the aggregation
// duties).
type Selection struct {
	Validators int
	Slots      uint64
	NoSync     bool
}

// Assigned lists the duties sb assigns to the selection, by slot, type and
// validator.
func Assigned(sb *simbeacon.Node, sel Selection) []Duty {
	if sel.Slots == 0 || sel.Validators <= 0 {
		return nil
	}
	slotDur := time.Duration(sb.Config().SecondsPerSlot) * time.Second
	start := func(s phase0.Slot) time.Time { return sb.GenesisTime().Add(time.Duration(s) * slotDur) }
	third := slotDur / 3
	spe := sb.ChainConfig().SlotsPerEpoch
	var out []Duty
	lastEpoch := phase0.Epoch((sel.Slots - 1) / spe)
	for v := 0; v < sel.Validators; v++ {
		for e := phase0.Epoch(0); e <= lastEpoch; e++ {
			d := sb.AttesterDuty(phase0.ValidatorIndex(v), e)
			if d != nil && uint64(d.Slot) < sel.Slots {
				out = append(out, Duty{Type: TypeAttester, Validator: d.ValidatorIndex, Slot: d.Slot, Start: start(d.Slot).Add(third)})
			}
		}
	}
	for s := phase0.Slot(1); uint64(s) < sel.Slots; s++ {
		if p := sb.Proposer(s); int(p) < sel.Validators {
			out = append(out, Duty{Type: TypeProposer, Validator: p, Slot: s, Start: start(s)})
		}
	}
	if !sel.NoSync {
		for s := phase0.Slot(0); uint64(s) < sel.Slots; s++ {
			if sb.Fork(s) < eth2spec.DataVersionAltair {
				continue
			}
			seen := map[phase0.ValidatorIndex]bool{}
			for _, v := range sb.SyncCommittee(s) {
				if int(v) < sel.Validators && !seen[v] {
					seen[v] = true
					out = append(out, Duty{Type: TypeSync, Validator: v, Slot: s, Start: start(s).Add(third)})
				}
			}
		}
	}
	sortDuties(out)
	return out
}

// sortDuties orders duties by slot, type and validator.
func sortDuties(out []Duty) {
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Slot != out[j].Slot {
			return out[i].Slot < out[j].Slot
		}
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Validator < out[j].Validator
	})
}

var kindOf = map[string]simbeacon.Kind{
	TypeAttester:         simbeacon.KindAttestation,
	TypeProposer:         simbeacon.KindBlock,
	TypeSync:             simbeacon.KindSyncCommitteeMessage,
	TypeAggregator:       simbeacon.KindAggregateAndProof,
	TypeSyncContribution: simbeacon.KindContributionAndProof,
}

// AggregationDuties lists the aggregator duties (an attester whose slot
// selection proof selects it, consensus-specs is_aggregator) and sync
// contribution duties (a sync committee member selected in one of its
// subcommittees, is_sync_committee_aggregator) of the selection, sorted as
// Assigned's; they start at 2/3 of the slot. The selection proof is a
// signature only the validator's key makes: the validators' keys must be
// the interop keys of their indices (as dvnode devnet's are), from which
// the table computes each proof itself, so a duty no node noticed still
// counts.
func AggregationDuties(sb *simbeacon.Node, sel Selection) ([]Duty, error) {
	if sel.Slots == 0 || sel.Validators <= 0 {
		return nil, nil
	}
	chain, cc := sb.SigningChain(), sb.ChainConfig()
	slotDur := time.Duration(sb.Config().SecondsPerSlot) * time.Second
	at := func(s phase0.Slot) time.Time {
		return sb.GenesisTime().Add(time.Duration(s)*slotDur + 2*slotDur/3)
	}
	keys := map[phase0.ValidatorIndex]bls.SecretKey{}
	sign := func(v phase0.ValidatorIndex, root phase0.Root) (phase0.BLSSignature, error) {
		sk, ok := keys[v]
		if !ok {
			var err error
			if sk, err = bls.InteropSecretKey(uint64(v)); err != nil {
				return phase0.BLSSignature{}, err
			}
			keys[v] = sk
		}
		sig, err := bls.Sign(sk, root[:])
		return phase0.BLSSignature(sig), err
	}
	var out []Duty
	spe := cc.SlotsPerEpoch
	for v := 0; v < sel.Validators; v++ {
		vi := phase0.ValidatorIndex(v)
		for e := phase0.Epoch(0); e <= phase0.Epoch((sel.Slots-1)/spe); e++ {
			d := sb.AttesterDuty(vi, e)
			if d == nil || uint64(d.Slot) >= sel.Slots {
				continue
			}
			in, err := chain.AggregationSlot(d.Slot)
			if err != nil {
				return nil, err
			}
			proof, err := sign(vi, in.SigningRoot)
			if err != nil {
				return nil, err
			}
			if cc.IsAggregator(d.CommitteeLength, proof) {
				out = append(out, Duty{Type: TypeAggregator, Validator: vi, Slot: d.Slot, Start: at(d.Slot)})
			}
		}
	}
	if sel.NoSync {
		sortDuties(out)
		return out, nil
	}
	size := cc.SyncCommitteeSize / cc.SyncCommitteeSubnetCount
	for s := phase0.Slot(0); uint64(s) < sel.Slots; s++ {
		if sb.Fork(s) < eth2spec.DataVersionAltair {
			continue
		}
		subs := map[phase0.ValidatorIndex]map[uint64]bool{}
		for pos, v := range sb.SyncCommittee(s) {
			if int(v) < sel.Validators {
				if subs[v] == nil {
					subs[v] = map[uint64]bool{}
				}
				subs[v][uint64(pos)/size] = true
			}
		}
		for v, set := range subs {
			for sub := range set {
				in, err := chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: s, SubcommitteeIndex: sub})
				if err != nil {
					return nil, err
				}
				proof, err := sign(v, in.SigningRoot)
				if err != nil {
					return nil, err
				}
				if cc.IsSyncCommitteeAggregator(proof) {
					out = append(out, Duty{Type: TypeSyncContribution, Validator: v, Slot: s, Start: at(s)})
					break
				}
			}
		}
	}
	sortDuties(out)
	return out, nil
}

type acceptKey struct {
	kind simbeacon.Kind
	v    phase0.ValidatorIndex
	slot phase0.Slot
}

// acceptances maps each accepted message to its first acceptance.
func acceptances(recs []simbeacon.Acceptance) map[acceptKey]time.Time {
	m := map[acceptKey]time.Time{}
	for _, a := range recs {
		k := acceptKey{a.Kind, a.Validator, a.Slot}
		if t, ok := m[k]; !ok || a.At.Before(t) {
			m[k] = a.At
		}
	}
	return m
}

// Progress prints one line for slot: its duties accepted so far, and the
// run's totals (a duty counts as missed once its slot is two slots past).
// Nothing is printed for slots at or after slots (the grace period).
func Progress(out io.Writer, recs []simbeacon.Acceptance, duties []Duty, slot, slots uint64) {
	if slot >= slots {
		return
	}
	acc := acceptances(recs)
	done, missed, due, inSlot, okSlot := 0, 0, 0, 0, 0
	for _, d := range duties {
		if uint64(d.Slot) > slot {
			continue
		}
		due++
		_, ok := acc[acceptKey{kindOf[d.Type], d.Validator, d.Slot}]
		if ok {
			done++
		} else if uint64(d.Slot)+1 < slot {
			missed++
		}
		if uint64(d.Slot) == slot {
			inSlot++
			if ok {
				okSlot++
			}
		}
	}
	fmt.Fprintf(out, "slot %3d/%d  duties this slot %d/%d  done %d/%d  missed %d\n", slot, slots, okSlot, inSlot, done, due, missed)
}

// Summarize matches duties with the beacon node's acceptances recs: a
// duty succeeded when the beacon node accepted its message, and its
// latency runs from its start to the first acceptance. duties is updated
// in place and kept in the table.
func Summarize(recs []simbeacon.Acceptance, duties []Duty) *Table {
	acc := acceptances(recs)
	t := &Table{ByType: map[string]*TypeStats{}}
	lat := map[string][]time.Duration{}
	var all []time.Duration
	for i := range duties {
		d := &duties[i]
		st := t.ByType[d.Type]
		if st == nil {
			st = &TypeStats{}
			t.ByType[d.Type] = st
		}
		st.Count++
		t.Total.Count++
		if at, ok := acc[acceptKey{kindOf[d.Type], d.Validator, d.Slot}]; ok {
			d.Accepted = true
			d.Latency = at.Sub(d.Start)
			st.Succeeded++
			t.Total.Succeeded++
			lat[d.Type] = append(lat[d.Type], d.Latency)
			all = append(all, d.Latency)
		} else {
			st.Failed++
			t.Total.Failed++
		}
	}
	for typ, l := range lat {
		st := t.ByType[typ]
		st.P50, st.P95, st.P99 = Percentiles(l)
	}
	t.Total.P50, t.Total.P95, t.Total.P99 = Percentiles(all)
	t.Duties = duties
	return t
}

// Percentiles are the nearest-rank 50th, 95th and 99th percentiles of l
// (zero for an empty l).
func Percentiles(l []time.Duration) (p50, p95, p99 time.Duration) {
	if len(l) == 0 {
		return 0, 0, 0
	}
	s := append([]time.Duration(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		i = max(0, min(i, len(s)-1))
		return s[i]
	}
	return q(0.50), q(0.95), q(0.99)
}

// types are the table's duty types in print order.
func (t *Table) types() []string {
	types := make([]string, 0, len(t.ByType))
	for typ := range t.ByType {
		types = append(types, typ)
	}
	sort.Strings(types)
	return types
}

// Print writes the human-readable table, one machine-readable DUTY line
// per duty type and up to 20 failed duties. The SUMMARY line is
// separate (PrintSummary), so a command can put its own lines between.
func (t *Table) Print(out io.Writer) {
	fmt.Fprintf(out, "\n%-16s %7s %9s %6s %9s %9s %9s\n", "duty", "count", "succeeded", "failed", "p50", "p95", "p99")
	row := func(name string, s *TypeStats) {
		fmt.Fprintf(out, "%-16s %7d %9d %6d %9s %9s %9s\n", name, s.Count, s.Succeeded, s.Failed, ms(s.P50), ms(s.P95), ms(s.P99))
	}
	types := t.types()
	for _, typ := range types {
		row(typ, t.ByType[typ])
	}
	row("all", &t.Total)
	for _, typ := range types {
		s := t.ByType[typ]
		fmt.Fprintf(out, "DUTY type=%s duties=%d succeeded=%d failed=%d p50_ms=%d p99_ms=%d\n", typ, s.Count, s.Succeeded, s.Failed, s.P50.Milliseconds(), s.P99.Milliseconds())
	}
	shown := 0
	for _, d := range t.Duties {
		if !d.Accepted && shown < 20 {
			fmt.Fprintf(out, "failed: %s validator %d slot %d (not accepted by the beacon node)\n", d.Type, d.Validator, d.Slot)
			shown++
		}
	}
}

// PrintOffences writes one SLASHABLE line per slashable message the beacon
// node refused.
func PrintOffences(out io.Writer, offences []simbeacon.Offence) {
	for _, o := range offences {
		fmt.Fprintf(out, "SLASHABLE: %s by validator %d at slot %d\n", o.Kind, o.Validator, o.Slot)
	}
}

// PrintSummary writes the SUMMARY line.
func (t *Table) PrintSummary(out io.Writer) {
	fmt.Fprintf(out, "SUMMARY duties=%d succeeded=%d failed=%d p50_ms=%d p99_ms=%d\n", t.Total.Count, t.Total.Succeeded, t.Total.Failed, t.Total.P50.Milliseconds(), t.Total.P99.Milliseconds())
}

func ms(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}
