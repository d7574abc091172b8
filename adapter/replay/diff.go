package replay

import (
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

// DutyKey names a duty: validator, type and slot.
type DutyKey struct {
	Validator string
	Type      string
	Slot      uint64
}

// DutySummary is what a trace says happened to one duty.
type DutySummary struct {
	Served bool
	// Decided is the digest (sha256) of the decided consensus value.
	Decided string
	// Signed are the signing roots signed for the duty, by kind.
	Signed map[string]string
	// Submitted is the sha256 of the submitted combined message.
	Submitted string
	// parts are the digests of the submitted contributions and proofs of
	// a sync contribution duty by subcommittee; Submitted digests them
	// all, in subcommittee order.
	parts map[uint64]string
	// Nodes is which nodes' records contributed.
	Nodes map[uint64]bool
	// Conflicts lists disagreements between the nodes of one trace.
	Conflicts []string
}

// DiffReport is the comparison of two traces.
type DiffReport struct {
	A, B        map[DutyKey]*DutySummary
	Compared    int
	Same        int
	Differences []string
	// OneSided lists the duties one trace submitted and the other did
	// not: not a difference in behaviour (a node that learns from an
	// imported block that the duty is on chain never combines it), but
	// worth a look when it is frequent.
	OneSided []string
}

// Summaries reduces a trace (optionally one node's records) to duty
// summaries.
func Summaries(path string, node uint64) (map[DutyKey]*DutySummary, error) {
	out := map[DutyKey]*DutySummary{}
	get := func(v string, typ consensus.DutyType, slot uint64, n uint64) *DutySummary {
		k := DutyKey{v, typ.String(), slot}
		s := out[k]
		if s == nil {
			s = &DutySummary{Signed: map[string]string{}, Nodes: map[uint64]bool{}}
			out[k] = s
		}
		s.Nodes[n] = true
		return s
	}
	set := func(s *DutySummary, field *string, what, val string, n uint64) {
		if *field == "" {
			*field = val
		} else if *field != val {
			s.Conflicts = append(s.Conflicts, fmt.Sprintf("node %d %s %s, another node %s", n, what, short(val), short(*field)))
		}
	}
	err := trace.ReadFile(path, func(r *trace.Record) error {
		if node != 0 && r.Node != node || r.Error != "" || r.Record != trace.KindStep && r.Record != trace.KindAggStep {
			return nil
		}
		v := r.Validator.String()
		var facts []fact
		if name := r.Event.Name(); r.Event[name] != nil && eventFacts[name] != nil {
			if f, ok := eventFacts[name](r.Event[name]); ok {
				facts = append(facts, f)
			}
		}
		for _, item := range r.Outputs {
			oname := item.Name()
			if o := item[oname]; o != nil && outputFacts[oname] != nil {
				if f, ok := outputFacts[oname](o, r.Node); ok {
					facts = append(facts, f)
				}
			}
		}
		for _, f := range facts {
			s := get(v, f.duty, f.slot, r.Node)
			switch f.what {
			case factServed:
				s.Served = true
			case factDecided:
				set(s, &s.Decided, "decided", f.val, r.Node)
			case factSigned:
				if prev, ok := s.Signed[f.kind]; ok && prev != f.val {
					s.Conflicts = append(s.Conflicts, fmt.Sprintf("node %d signed %s %s, another signing %s", r.Node, f.kind, short(f.val), short(prev)))
				} else {
					s.Signed[f.kind] = f.val
				}
			case factSubmitted:
				set(s, &s.Submitted, "submitted", f.val, r.Node)
			case factSubmittedPart:
				if s.parts == nil {
					s.parts = map[uint64]string{}
				}
				if prev, ok := s.parts[f.sub]; ok && prev != f.val {
					s.Conflicts = append(s.Conflicts, fmt.Sprintf("node %d submitted subcommittee %d's %s, another node %s", r.Node, f.sub, short(f.val), short(prev)))
					continue
				}
				s.parts[f.sub] = f.val
				s.Submitted = digestParts(s.parts)
			}
		}
		return nil
	})
	return out, err
}

func decodeSSZ[T any, P interface {
	*T
	sszutil.Codec
}](h []byte) (P, error) {
	p := P(new(T))
	return p, sszutil.DecodeCanonical(h, p)
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return trace.Hex(h[:]).String()
}

func short(s string) string {
	if len(s) > 18 {
		return s[:18] + "…"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

// Diff compares two traces duty by duty: whether each served the duty,
// and — where both traces have them — the decided value, the signing
// roots signed and the message submitted. A submission on one side only is
// listed in OneSided, not as a difference.
func Diff(a, b string, nodeA, nodeB uint64) (*DiffReport, error) {
	sa, err := Summaries(a, nodeA)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	sb, err := Summaries(b, nodeB)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b, err)
	}
	d := &DiffReport{A: sa, B: sb}
	keys := map[DutyKey]bool{}
	for k := range sa {
		keys[k] = true
	}
	for k := range sb {
		keys[k] = true
	}
	sorted := make([]DutyKey, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Slice(sorted, func(i, j int) bool {
		x, y := sorted[i], sorted[j]
		if x.Slot != y.Slot {
			return x.Slot < y.Slot
		}
		if x.Type != y.Type {
			return x.Type < y.Type
		}
		return x.Validator < y.Validator
	})
	for _, k := range sorted {
		d.Compared++
		x, y := sa[k], sb[k]
		name := fmt.Sprintf("%s slot %d validator %s", k.Type, k.Slot, short(k.Validator))
		var diffs []string
		switch {
		case x == nil:
			diffs = append(diffs, "only in B")
		case y == nil:
			diffs = append(diffs, "only in A")
		default:
			if x.Served != y.Served {
				diffs = append(diffs, fmt.Sprintf("served: A %v, B %v", x.Served, y.Served))
			}
			// A decision, signature or submission present on one side
			// only is a matter of timing, not of behaviour: a healthy
			// node may combine the others' shares and submit before its
			// own consensus decides, and then never sign; or learn from
			// an imported block that the duty is on chain, and never
			// combine. What the two did is compared where both did it.
			if x.Decided != "" && y.Decided != "" && x.Decided != y.Decided {
				diffs = append(diffs, fmt.Sprintf("decided value: A %s, B %s", short(x.Decided), short(y.Decided)))
			}
			for _, kind := range signedKinds(x, y) {
				sx, sy := x.Signed[kind], y.Signed[kind]
				if sx != "" && sy != "" && sx != sy {
					diffs = append(diffs, fmt.Sprintf("%s signing root: A %s, B %s", kind, short(sx), short(sy)))
				}
			}
			switch {
			case x.Submitted != "" && y.Submitted != "" && x.Submitted != y.Submitted:
				diffs = append(diffs, fmt.Sprintf("submitted: A %s, B %s", short(x.Submitted), short(y.Submitted)))
			case x.Submitted != y.Submitted:
				d.OneSided = append(d.OneSided, fmt.Sprintf("%s: submitted by A %s, by B %s", name, orNone(short(x.Submitted)), orNone(short(y.Submitted))))
			}
		}
		for _, s := range []*DutySummary{x, y} {
			if s != nil {
				diffs = append(diffs, s.Conflicts...)
			}
		}
		if len(diffs) == 0 {
			d.Same++
			continue
		}
		d.Differences = append(d.Differences, name+": "+strings.Join(diffs, "; "))
	}
	return d, nil
}

// Print writes the comparison.
func (d *DiffReport) Print(out io.Writer) {
	for _, s := range d.OneSided {
		fmt.Fprintln(out, "ONESIDED", s)
	}
	for _, s := range d.Differences {
		fmt.Fprintln(out, "DIFF", s)
	}
	fmt.Fprintf(out, "%d duties compared: %d the same, %d different; %d submitted by one side only\n", d.Compared, d.Same, len(d.Differences), len(d.OneSided))
}
