package node

import (
	"errors"
	"fmt"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

// aggLog is a Tracer that also records aggregation steps.
type aggLog struct {
	eventLog
	inits int
	steps []string
}

func (l *aggLog) AggInit(uint64, *dvc.Config) { l.inits++ }

func (l *aggLog) AggStep(_ uint64, _ *dvc.Config, ev aggduty.Event, _ []aggduty.Output, err error) {
	l.steps = append(l.steps, fmt.Sprintf("%s err=%v", ev.EventName(), err))
}

// TestAggTraceHooks: the aggregation state of a validator is announced
// once, every step is recorded, rejections included, except a step that
// stopped to ask for a signature (it is stepped again with it); a Tracer
// of DVC steps only is left alone.
func TestAggTraceHooks(t *testing.T) {
	l := &aggLog{}
	n := &Node{cfg: Config{Tracer: l}, agg: &aggRunner{vals: map[phase0.ValidatorIndex]*aggVal{}}}
	v := &validator{cfg: &dvc.Config{}}
	n.aggOf(v)
	n.aggOf(v)
	ev := aggduty.AttestationSubmitted{}
	n.aggTraceStep(v, ev, nil, nil)
	n.aggTraceStep(v, ev, nil, fmt.Errorf("wrapped: %w", errNeedSignature))
	n.aggTraceStep(v, ev, nil, errors.New("rejected"))
	if l.inits != 1 || len(l.steps) != 2 || l.steps[0] != "attestation_submitted err=<nil>" || l.steps[1] != "attestation_submitted err=rejected" {
		t.Fatalf("inits %d, steps %q", l.inits, l.steps)
	}
	plain := &Node{cfg: Config{Tracer: &eventLog{}}}
	if plain.aggTracer() != nil {
		t.Fatal("a DVC-only tracer taken for an aggregation tracer")
	}
	plain.aggTraceStep(v, ev, nil, nil) // must not panic
}
