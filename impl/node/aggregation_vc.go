package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

// The aggregation flows in VC-middleware mode (SPEC.md section 12): the
// validator client's partial selection proofs, AggregateAndProofs and
// ContributionAndProofs come in through Capture as aggduty's Captured*
// events, and what the VC is answered with (the combined selection proofs,
// the decided aggregates and contributions) goes to the VC-facing API.
// Everything else (duties, consensus, submission) is the remote-signer
// runtime's in aggregation.go: only the signing differs between the modes.

// AggregationVC is the part of the VC-facing API (impl/validatorapi.Server)
// that serves the aggregation flows; Config.VC implements it when
// Config.Aggregation is set in VC-middleware mode.
type AggregationVC interface {
	CacheBeaconCommitteeSelection(sel *apiv1.BeaconCommitteeSelection, isAggregator bool) error
	CacheSyncCommitteeSelection(sel *ethnode.SyncCommitteeSelection, isAggregator bool) error
	CacheAggregateAndProofForVC(ctx context.Context, ap *eth2spec.VersionedAggregateAndProof) error
	CacheContributionAndProofForVC(ctx context.Context, cp *altair.ContributionAndProof) error
}

// errAggregationOff refuses an aggregation request of the VC when the node
// runs no aggregation (the beacon API's 501: the request is fine, the
// node does not serve it).
type errAggregationOff struct{ event, why string }

func (e errAggregationOff) Error() string {
	return "node: " + e.event + " is not served: " + e.why
}

func (errAggregationOff) StatusCode() int { return http.StatusNotImplemented }

// checkAggregationVC is New's check of the VC-middleware aggregation.
func checkAggregationVC(cfg Config) error {
	if !cfg.Aggregation || cfg.VC == nil {
		return nil
	}
	if _, ok := cfg.VC.(AggregationVC); !ok {
		return fmt.Errorf("node: Aggregation in VC-middleware mode needs a VC-facing API that serves it (%T does not)", cfg.VC)
	}
	return nil
}

// captureAggregation steps an aggregation event of the VC (deliverCaptured
// for aggduty's Captured* events) and reports whether ev was one. The
// step's error, the DVC's refusal with its state unchanged, goes to done.
func (n *Node) captureAggregation(v *validator, ev dvc.Event, done chan<- error) bool {
	switch ev.(type) {
	case aggduty.CapturedBeaconCommitteeSelection, aggduty.CapturedSyncCommitteeSelection,
		aggduty.CapturedAggregateAndProof, aggduty.CapturedContributionAndProof:
	default:
		return false
	}
	if n.agg == nil {
		done <- errAggregationOff{ev.EventName(), "aggregation is off on this DV node"}
		return true
	}
	a := n.aggOf(v)
	if a.blocked != nil {
		done <- errors.New("node: the validator's aggregation state machine is busy, try again")
		return true
	}
	next, outs, err := func() (next *aggduty.State, outs []aggduty.Output, err error) {
		defer func() {
			if r := recover(); r != nil {
				next, outs, err = a.st, nil, fmt.Errorf("%w: %v", errAggSpecPanic, r)
			}
		}()
		return aggduty.Step(v.cfg, a.st, ev.(aggduty.Event), aggduty.Oracles{Verify: n.bls.Verify, Recover: n.bls.Recover})
	}()
	n.aggTraceStep(v, ev.(aggduty.Event), outs, err)
	if err != nil {
		n.cfg.Metrics.Step(ev.EventName(), "rejected")
		done <- err
		return true
	}
	a.st = next
	for _, o := range outs {
		n.aggExecute(v, o)
	}
	done <- nil
	return true
}

// aggForVC hands the VC-facing outputs of the aggregation machine to the
// VC-facing API; it reports whether o was one.
func (n *Node) aggForVC(v *validator, o aggduty.Output) bool {
	vc, _ := n.cfg.VC.(AggregationVC)
	var err error
	switch o := o.(type) {
	case aggduty.BeaconCommitteeSelectionCombined:
		if vc != nil && o.Selection != nil {
			if err := vc.CacheBeaconCommitteeSelection(o.Selection, o.IsAggregator); err != nil {
				n.log.Error("cannot hand a selection proof to the validator client", "validator", v.index, "err", err)
			}
		}
		// The subscription and the duty's accounting are the runtime's.
		return false
	case aggduty.SyncCommitteeSelectionCombined:
		if vc != nil && o.Selection != nil {
			if err := vc.CacheSyncCommitteeSelection(o.Selection, o.IsAggregator); err != nil {
				n.log.Error("cannot hand a sync selection proof to the validator client", "validator", v.index, "err", err)
			}
		}
		// The duty's accounting is the runtime's.
		return false
	case aggduty.CacheAggregateAndProofForVC:
		if vc != nil {
			err = vc.CacheAggregateAndProofForVC(n.ctx, o.AggregateAndProof)
		}
	case aggduty.CacheContributionAndProofForVC:
		if vc != nil {
			err = vc.CacheContributionAndProofForVC(n.ctx, o.ContributionAndProof)
		}
	default:
		return false
	}
	if err != nil {
		n.log.Error("cannot hand an aggregation value to the validator client", "validator", v.index, "output", o.OutputName(), "err", err)
	}
	return true
}
