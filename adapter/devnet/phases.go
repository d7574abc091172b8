package devnet

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/dvspec/go-dvspec/impl/node"
)

// phaseStats collects, per duty type, when the in-process nodes' succeeded
// duties reached each phase (impl/node's Phase), so that a run says where
// its latency went and not only how large it was.
type phaseStats struct {
	by map[string]*[node.PhaseAccepted + 1][]time.Duration
}

func newPhaseStats() *phaseStats {
	return &phaseStats{by: map[string]*[node.PhaseAccepted + 1][]time.Duration{}}
}

// add records one node's succeeded duty (the caller holds the lock).
func (s *phaseStats) add(d node.DutyResult) {
	t := s.by[d.Type]
	if t == nil {
		t = new([node.PhaseAccepted + 1][]time.Duration)
		s.by[d.Type] = t
	}
	for p, at := range d.Phases {
		if at >= 0 {
			t[p] = append(t[p], at)
		}
	}
}

// PhaseLine is the phases of one duty type: the p50 and p99 offset from
// the duty's start at which the nodes reached each phase.
type PhaseLine struct {
	Type     string
	Duties   int
	P50, P99 [node.PhaseAccepted + 1]time.Duration
	// Seen counts the node-duties that reached each phase.
	Seen [node.PhaseAccepted + 1]int
}

func (s *phaseStats) lines() []PhaseLine {
	types := make([]string, 0, len(s.by))
	for t := range s.by {
		types = append(types, t)
	}
	sort.Strings(types)
	var out []PhaseLine
	for _, typ := range types {
		t := s.by[typ]
		l := PhaseLine{Type: typ, Duties: len(t[node.PhaseAccepted])}
		for p := range t {
			v := append([]time.Duration(nil), t[p]...)
			sort.Slice(v, func(a, b int) bool { return v[a] < v[b] })
			l.Seen[p] = len(v)
			if len(v) > 0 {
				l.P50, l.P99 = setAt(l.P50, p, quantile(v, 50)), setAt(l.P99, p, quantile(v, 99))
			}
		}
		out = append(out, l)
	}
	return out
}

func setAt(a [node.PhaseAccepted + 1]time.Duration, i int, d time.Duration) [node.PhaseAccepted + 1]time.Duration {
	a[i] = d
	return a
}

// quantile is the q-th percentile of sorted v by the nearest-rank method.
func quantile(v []time.Duration, q int) time.Duration {
	i := (len(v)*q + 99) / 100
	return v[max(i-1, 0)]
}

// PrintPhases writes one PHASES line per duty type: for each phase, the
// p50/p99 in milliseconds from the duty's start at which the nodes reached
// it, over every node's succeeded duties.
func PrintPhases(out io.Writer, lines []PhaseLine) {
	for _, l := range lines {
		var b strings.Builder
		fmt.Fprintf(&b, "PHASES type=%s node_duties=%d", l.Type, l.Duties)
		for p := node.PhaseStarted; p <= node.PhaseAccepted; p++ {
			if l.Seen[p] == 0 {
				continue
			}
			fmt.Fprintf(&b, " %s=%.1f/%.1f", p, ms(l.P50[p]), ms(l.P99[p]))
		}
		fmt.Fprintln(out, b.String())
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
