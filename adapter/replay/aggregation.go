package replay

import (
	"fmt"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

// replayAggStep runs one aggregation_step record through aggduty.Step and
// compares as Replay does for the DVC; it advances m on agreement.
func replayAggStep(r *trace.Record, m *aggMachine, o Options, rep *Report) (*outDiff, error) {
	ev, err := trace.DecodeAggEvent(m.cfg.Chain, r.Event)
	if err != nil {
		return nil, err
	}
	var oracles aggduty.Oracles
	if m.cfg.Mode == dvc.ModeRemoteSigner {
		oracles.Signer = recordedAggSignerFor(r, m.cfg.ShareIndex)
		if o.Signer != nil {
			sk, ok := o.Signer[m.cfg.PublicShares[m.cfg.ShareIndex]]
			if !ok {
				return nil, fmt.Errorf("no key share for node %d of validator %s", r.Node, r.Validator)
			}
			oracles.Signer = aggduty.KeyShareSigner{Share: bls.Share{Index: m.cfg.ShareIndex, SecretKey: sk}}
		}
	}
	next, outs, stepErr := aggduty.Step(m.cfg, m.st, ev, oracles)
	rep.AggSteps++
	if o.Verbose && o.Out != nil {
		fmt.Fprintf(o.Out, "aggregation step %d node %d %s: %d outputs, err=%v\n", r.Seq, r.Node, r.Event.Name(), len(outs), stepErr)
	}
	switch {
	case r.Error != "" && stepErr == nil:
		return &outDiff{"event accepted, the trace has it rejected", r.Error + " (" + r.Cause + "): " + r.ErrorMessage, "accepted"}, nil
	case r.Error == "" && stepErr != nil:
		name, cause := trace.ErrorNames(stepErr)
		return &outDiff{"event rejected, the trace has it accepted", "accepted", name + " (" + cause + "): " + stepErr.Error()}, nil
	case stepErr != nil:
		rep.AggRejected++
		if name, cause := trace.ErrorNames(stepErr); name != r.Error || cause != r.Cause {
			return &outDiff{"rejection", r.Error + " (" + r.Cause + ")", name + " (" + cause + ")"}, nil
		}
		return nil, nil
	}
	got, err := trace.EncodeAggOutputs(m.cfg.Chain, outs)
	if err != nil {
		return nil, err
	}
	if d := compareOutputs(r.Outputs, got, o.CompareDetail); d != nil {
		return d, nil
	}
	m.st = next
	return nil, nil
}

// recordedAggSigner answers the aggregation machine's signing calls with
// the signature the node's signer gave, which the step's outputs carry:
// the node's own aggregation share it broadcast for that signing root (the
// machine multicasts every share it signs, its own included). A call the
// step has no share for fails, as a signer that refused would.
type recordedAggSigner map[phase0.Root]phase0.BLSSignature

func recordedAggSignerFor(r *trace.Record, self uint64) recordedAggSigner {
	s := recordedAggSigner{}
	for _, o := range r.Outputs {
		f := o["broadcast"]
		if f == nil || f.MessageKind != networking.KindAggregationShare.String() {
			continue
		}
		var sh networking.AggregationShare
		if sszutil.DecodeCanonical(f.MessageSSZ, &sh) == nil && sh.ShareIndex == self {
			s[sh.SigningRoot] = sh.Signature
		}
	}
	return s
}

func (s recordedAggSigner) get(what string, in signing.SigningInput) (phase0.BLSSignature, error) {
	if sig, ok := s[in.SigningRoot]; ok {
		return sig, nil
	}
	return phase0.BLSSignature{}, fmt.Errorf("replay: the trace has no %s signature of %#x for this step", what, in.SigningRoot[:])
}

func (s recordedAggSigner) SignSelectionProof(_ phase0.Slot, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.get("selection proof", in)
}

func (s recordedAggSigner) SignSyncSelectionProof(_ *altair.SyncAggregatorSelectionData, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.get("sync selection proof", in)
}

func (s recordedAggSigner) SignAggregateAndProof(_ *eth2spec.VersionedAggregateAndProof, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.get("aggregate and proof", in)
}

func (s recordedAggSigner) SignContributionAndProof(_ *altair.ContributionAndProof, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.get("contribution and proof", in)
}
