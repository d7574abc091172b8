package node

import (
	"context"
	"log/slog"
	"time"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
)

// execute carries out the outputs of one step, in order.
func (n *Node) execute(v *validator, outs []dvc.Output) {
	for _, o := range outs {
		switch o := o.(type) {
		case dvc.StartConsensus:
			if !n.slotStart(v, o) {
				n.startConsensus(v, o)
			}
		case dvc.StopConsensus:
			n.qbft.Stop(o.IDs...)
			for _, id := range o.IDs {
				delete(n.insts, id)
			}
			n.slotStop(o.IDs)
		case dvc.UpdateValidity:
			// Predicates read the validator's latest state when they run
			// (startConsensus), so they are always re-bound.
		case dvc.Signed:
		case dvc.Broadcast:
			n.broadcastShare(v, o)
		case dvc.SubmitAttestation:
			n.submitAttestation(v, o.Attestation)
		case dvc.SubmitBlock:
			n.submitBlock(v, o.Block)
		case dvc.SubmitSyncCommitteeMessage:
			n.submitSync(v, o.Message)
		case dvc.CacheAttestationDataForVC:
			n.cacheAttestationForVC(v, o)
		case dvc.CacheBlockForVC:
			n.cacheBlockForVC(v, o)
		case dvc.CacheSyncCommitteeContributionForVC:
			n.toVC(func(ctx context.Context) error {
				return n.cfg.VC.CacheSyncCommitteeContributionForVC(ctx, o.Contribution, o.Duty)
			})
		case dvc.Ignored:
			n.cfg.Metrics.Ignored(string(o.Reason))
			lvl := slog.LevelDebug
			if o.Reason == dvc.IgnoredDutyAbandoned {
				lvl = slog.LevelInfo
			}
			n.log.Log(context.Background(), lvl, "ignored", "validator", v.index, "reason", o.Reason, "slot", o.Slot, "detail", o.Detail)
		}
	}
}

// toVC hands a decided value to the VC-facing API (VC-middleware mode).
func (n *Node) toVC(f func(ctx context.Context) error) {
	if n.cfg.VC == nil {
		n.log.Error("VC-middleware output without a VC-facing API")
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(n.ctx, n.cfg.SlotDuration)
		defer cancel()
		if err := f(ctx); err != nil {
			n.log.Warn("caching for the VC failed", "err", err)
		}
	}()
}

// startConsensus starts the QBFT instance a DVC asked for, with the DVC's
// validity predicate evaluated against the validator's latest state (the
// Dafny re-binding on every slashing-DB change), and asks the beacon node
// for this node's own value.
func (n *Node) startConsensus(v *validator, o dvc.StartConsensus) {
	id := o.ID
	origin := n.dutyOrigin(id)
	validity := func(value []byte) error { return dvc.ValidityFor(v.cfg, v.st, id)(value) }
	ic := &instCtx{v: v, start: o, origin: origin, typ: consensus.DutyType(id.DutyType)}
	if err := n.qbft.Start(id, validity, origin); err != nil {
		n.log.Warn("starting consensus failed", "instance", id, "err", err)
		return
	}
	n.insts[id] = ic
	n.tracker.stage(ic.typ, v.index, id.Slot, stageConsensus)
	n.fetchOwnValue(ic, id)
}

// broadcastShare multicasts a share to every recipient: the others through
// the transport, this node through the loop (the DVC's peers include
// itself).
func (n *Node) broadcastShare(v *validator, o dvc.Broadcast) {
	payload, err := networking.MarshalMessage(o.Message)
	if err != nil {
		n.log.Error("encoding a share failed", "err", err)
		return
	}
	var others []uint64
	self := false
	for _, to := range o.To {
		if to == n.cfg.Self {
			self = true
		} else {
			others = append(others, to)
		}
	}
	n.send(MsgShare, payload, others)
	if self {
		m := o.Message
		n.later(func() {
			if ev := receivedEvent(m); ev != nil {
				n.deliver(v, ev)
			}
		})
	}
	if slot, err := o.Message.SignedSlot(); err == nil {
		st := stageSigned
		if _, randao := o.Message.(*networking.RandaoShare); randao {
			st = stageRandaoSigned
		}
		n.tracker.stage(dutyOfShare(o.Message), v.index, slot, st)
	}
}

// receivedEvent is the DVC event of a received share.
func receivedEvent(m networking.Message) dvc.Event {
	switch s := m.(type) {
	case *networking.AttestationShare:
		return dvc.ReceivedAttestationShare{Share: s}
	case *networking.RandaoShare:
		return dvc.ReceivedRandaoShare{Share: s}
	case *networking.BlockShare:
		return dvc.ReceivedBlockShare{Share: s}
	case *networking.SyncCommitteeMessageShare:
		return dvc.ReceivedSyncCommitteeMessageShare{Share: s}
	}
	return nil
}

func dutyOfShare(m networking.Message) consensus.DutyType {
	switch m.(type) {
	case *networking.AttestationShare:
		return consensus.DutyAttester
	case *networking.SyncCommitteeMessageShare:
		return consensus.DutySyncCommittee
	}
	return consensus.DutyProposer
}

// decided turns a QBFT decision into the DVC's decision event.
func (n *Node) decided(d qbft.Decide, origin time.Time) {
	if n.aggDecided(d, origin) || n.slotDecided(d) {
		return
	}
	ic := n.insts[d.Instance]
	if ic == nil {
		return
	}
	since := n.now().Sub(origin)
	n.cfg.Metrics.Decided(ic.typ.String(), since, d.Round)
	n.tracker.stage(ic.typ, ic.v.index, d.Instance.Slot, stageDecided)
	v, id, value := ic.v, d.Instance, d.Value
	n.later(func() {
		var ev dvc.Event
		switch ic.typ {
		case consensus.DutyAttester:
			data, err := consensus.DecodeAttestationData(value)
			if err != nil {
				n.log.Error("decided attestation data does not decode", "instance", id, "err", err)
				return
			}
			ev = dvc.AttestationConsensusDecided{ID: id, Data: data}
		case consensus.DutyProposer:
			block, err := consensus.DecodeBlock(n.cfg.Chain, value)
			if err != nil {
				n.log.Error("decided block does not decode", "instance", id, "err", err)
				return
			}
			ev = dvc.BlockConsensusDecided{ID: id, Block: block}
		case consensus.DutySyncCommittee:
			c, err := consensus.DecodeSyncCommitteeContribution(n.cfg.Chain, value)
			if err != nil {
				n.log.Error("decided contribution does not decode", "instance", id, "err", err)
				return
			}
			n.afterAttestations(id.Slot, func() { n.deliver(v, dvc.SyncCommitteeConsensusDecided{ID: id, Contribution: c}) })
			return
		default:
			return
		}
		n.deliver(v, ev)
	})
}

func (n *Node) qbftRejected(id consensus.InstanceID, what string, err error) {
	n.log.Debug("consensus input rejected", "instance", id, "input", what, "err", err)
	if what == "timeout" {
		return
	}
	n.cfg.Metrics.Dropped(MsgQBFT, "rejected")
}
