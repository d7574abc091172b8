package node

import (
	"errors"

	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

// AggTracer is what a Tracer also implements to record the aggregation
// state machine's steps (impl/trace.Writer does). It is a separate
// interface so that a Tracer of DVC steps only stays one.
type AggTracer interface {
	AggInit(node uint64, cfg *dvc.Config)
	AggStep(node uint64, cfg *dvc.Config, ev aggduty.Event, outs []aggduty.Output, err error)
}

// The reference trace writer records aggregation.
var _ AggTracer = (*trace.Writer)(nil)

func (n *Node) aggTracer() AggTracer {
	t, _ := n.cfg.Tracer.(AggTracer)
	return t
}

// aggTraceInit records the creation of a validator's aggregation state.
func (n *Node) aggTraceInit(v *validator) {
	if t := n.aggTracer(); t != nil {
		t.AggInit(n.cfg.Self, v.cfg)
	}
}

// aggTraceStep records a step of the aggregation state machine. A step
// that stopped for a signature is not recorded: the node steps the same
// event again with the signature, and only that step happened as far as
// the state machine is concerned (as for the DVC, adapter/TRACE.md).
func (n *Node) aggTraceStep(v *validator, ev aggduty.Event, outs []aggduty.Output, err error) {
	t := n.aggTracer()
	if t == nil || errors.Is(err, errNeedSignature) {
		return
	}
	t.AggStep(n.cfg.Self, v.cfg, ev, outs, err)
}
