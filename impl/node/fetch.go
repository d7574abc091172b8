package node

import (
	"context"
	"errors"
	"time"

	"github.com/attestantio/go-eth2-client/api"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
)

// attKey identifies an attestation data request.
type attKey struct {
	slot      phase0.Slot
	committee phase0.CommitteeIndex
}

// attFetch is one attestation data request, shared by every instance that
// needs it (every attester of a slot from Electra on, and the sync
// committee duties of the slot, which sign its head block root).
type attFetch struct {
	data    *phase0.AttestationData
	err     error
	done    bool
	waiters []func(*phase0.AttestationData, error)
}

// fetchTimeout bounds a beacon-node request for a duty's value.
func (n *Node) fetchTimeout() time.Duration {
	return min(2*n.cfg.SlotDuration, 12*time.Second)
}

// fetchOwnValue obtains this node's candidate value for an instance from
// the beacon node and gives it to the instance (possibly late: a leader
// waits for it, QBFT section 8.11). Every node fetches it, since any node
// may lead a later round.
func (n *Node) fetchOwnValue(ic *instCtx, id consensus.InstanceID) {
	give := func(value []byte, err error) {
		n.tracker.ownValue(ic.typ, ic.v.index, id.Slot, err)
		if err != nil {
			n.cfg.Metrics.BNError(ic.typ.String() + "_value")
			n.log.Warn("no own value for consensus", "instance", id, "err", err)
			return
		}
		if err := n.qbft.SetOwnValue(id, value); err != nil && !errors.Is(err, errStale) {
			if errors.Is(err, qbft.ErrInvalidValue) {
				n.tracker.ownValueInvalid(ic.typ, ic.v.index, id.Slot, err)
				n.log.Warn("the beacon node's value fails the validity predicate", "instance", id, "err", err)
				return
			}
			n.log.Debug("own value not taken", "instance", id, "err", err)
		}
	}
	switch ic.typ {
	case consensus.DutyAttester:
		d := ic.start.Attester
		committee := d.CommitteeIndex
		if f, err := n.cfg.Chain.ForkAtSlot(d.Slot); err == nil && f.Name >= eth2spec.DataVersionElectra {
			committee = 0
		}
		n.attestationData(attKey{d.Slot, committee}, func(data *phase0.AttestationData, err error) {
			if err != nil {
				give(nil, err)
				return
			}
			give(consensus.EncodeAttestationData(data))
		})
	case consensus.DutySyncCommittee:
		sv := ic.start.SyncCommittee
		n.attestationData(attKey{sv.Slot, 0}, func(data *phase0.AttestationData, err error) {
			if err != nil {
				give(nil, err)
				return
			}
			give(consensus.EncodeSyncCommitteeContribution(n.cfg.Chain, n.syncValue(sv.Slot, sv.SubcommitteeIndex, data.BeaconBlockRoot)))
		})
	case consensus.DutyProposer:
		pv := ic.start.Proposer
		deadline := n.clock.SlotStart(pv.Duty.Slot).Add(n.cfg.DutyDeadline)
		go func() {
			var p *api.VersionedProposal
			err := n.retryBeaconNode(deadline, "produce_block", func(ctx context.Context) (err error) {
				p, err = n.cfg.BeaconNode.ProduceBlock(ctx, pv.Duty.Slot, pv.RandaoReveal, n.cfg.Graffiti)
				return err
			})
			var value []byte
			if err == nil {
				var block *eth2spec.VersionedBeaconBlock
				if block, err = beaconclient.ProposalBlock(p); err == nil {
					value, err = consensus.EncodeBlock(n.cfg.Chain, block)
				}
			}
			n.post(func() {
				if err == nil {
					n.proposals[pv.Duty.Slot] = append(n.proposals[pv.Duty.Slot], p)
				}
				give(value, err)
			})
		}()
	}
}

var errStale = errors.New("stale")

// retryBeaconNode calls the beacon node (one attempt bounded by
// fetchTimeout) until it answers, refuses the request, or the duty's
// deadline leaves no time for another attempt. A 5xx or no answer at all
// (every beacon node down) is retried after a pause that doubles from a
// 32nd of a slot up to a quarter of one: a beacon node that fails for a
// moment must not cost the duty.
func (n *Node) retryBeaconNode(deadline time.Time, call string, attempt func(context.Context) error) error {
	return retryUntil(n.ctx, deadline, n.now, n.fetchTimeout(), n.cfg.SlotDuration/32, n.cfg.SlotDuration/4, func(ctx context.Context) error {
		err := attempt(ctx)
		if err != nil && retryable(err) {
			n.cfg.Metrics.BNError(call)
			n.log.Debug("beacon node call failed; retrying while the duty allows", "call", call, "err", err)
		}
		return err
	})
}

// retryable reports whether a beacon node failure may pass: a 5xx or no
// answer. A 4xx says the request itself is refused and would be again.
func retryable(err error) bool {
	var again interface{ retryAgain() bool }
	if errors.As(err, &again) {
		return again.retryAgain()
	}
	var be *beaconclient.Error
	if errors.As(err, &be) {
		return be.StatusCode == 0 || be.StatusCode >= 500
	}
	return false
}

// retryUntil runs attempt until it succeeds or fails with an error that is
// not retryable, or until the next attempt would start at or after
// deadline or ctx is done; it returns the last error. Each attempt gets at
// most perAttempt and no more than the time left.
func retryUntil(ctx context.Context, deadline time.Time, now func() time.Time, perAttempt, pause, maxPause time.Duration, attempt func(context.Context) error) error {
	pause = max(pause, time.Millisecond)
	for {
		left := deadline.Sub(now())
		actx, cancel := context.WithTimeout(ctx, max(min(perAttempt, left), time.Millisecond))
		err := attempt(actx)
		cancel()
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
		if deadline.Sub(now()) <= pause {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		pause = min(2*pause, max(maxPause, time.Millisecond))
	}
}

// attestationData answers from the slot's request, starting it if needed.
// It runs in the loop; cb runs in the loop.
func (n *Node) attestationData(k attKey, cb func(*phase0.AttestationData, error)) {
	f := n.attData[k]
	if f != nil && f.done && f.err == nil {
		cb(f.data, nil)
		return
	}
	if f != nil && !f.done {
		f.waiters = append(f.waiters, cb)
		return
	}
	f = &attFetch{waiters: []func(*phase0.AttestationData, error){cb}}
	n.attData[k] = f
	deadline := n.clock.AttestationTime(k.slot).Add(n.cfg.DutyDeadline)
	go func() {
		var data *phase0.AttestationData
		err := n.retryBeaconNode(deadline, "attestation_data", func(ctx context.Context) (err error) {
			data, err = n.cfg.BeaconNode.ProduceAttestationData(ctx, k.slot, k.committee)
			return err
		})
		n.post(func() {
			f.data, f.err, f.done = data, err, true
			ws := f.waiters
			f.waiters = nil
			for _, w := range ws {
				w(data, err)
			}
		})
	}()
}

// syncValue is the sync committee consensus value of a slot: a
// contribution naming the head block root the beacon node gave for the
// slot (the cluster agrees on the root every share signs; the aggregation
// bits and signature are not used by the DVC).
func (n *Node) syncValue(slot phase0.Slot, sub uint64, root phase0.Root) *altair.SyncCommitteeContribution {
	size := n.cfg.Chain.Config.SyncSubcommitteeSize()
	var infinity phase0.BLSSignature
	infinity[0] = 0xc0
	return &altair.SyncCommitteeContribution{
		Slot: slot, BeaconBlockRoot: root, SubcommitteeIndex: sub,
		AggregationBits: make([]byte, (size+7)/8), Signature: infinity,
	}
}
