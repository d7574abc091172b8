package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/attestantio/go-eth2-client/api"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
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
		if err != nil {
			n.cfg.Metrics.BNError(ic.typ.String() + "_value")
			n.log.Warn("no own value for consensus", "instance", id, "err", err)
			return
		}
		if err := n.qbft.SetOwnValue(id, value); err != nil && !errors.Is(err, errStale) {
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
		go func() {
			ctx, cancel := context.WithTimeout(n.ctx, n.fetchTimeout())
			defer cancel()
			p, err := n.cfg.BeaconNode.ProduceBlock(ctx, pv.Duty.Slot, pv.RandaoReveal, n.cfg.Graffiti)
			var value []byte
			if err == nil {
				var block *eth2spec.VersionedBeaconBlock
				if block, err = proposalBlock(p); err == nil {
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
	go func() {
		ctx, cancel := context.WithTimeout(n.ctx, n.fetchTimeout())
		defer cancel()
		data, err := n.cfg.BeaconNode.ProduceAttestationData(ctx, k.slot, k.committee)
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

// proposalBlock is the beacon block of a produced (unblinded) proposal.
func proposalBlock(p *api.VersionedProposal) (*eth2spec.VersionedBeaconBlock, error) {
	if p == nil {
		return nil, errors.New("no proposal")
	}
	if p.Blinded {
		return nil, errors.New("the beacon node produced a blinded block; the DV spec agrees on full blocks only")
	}
	b := &eth2spec.VersionedBeaconBlock{Version: p.Version}
	switch p.Version {
	case eth2spec.DataVersionPhase0:
		b.Phase0 = p.Phase0
	case eth2spec.DataVersionAltair:
		b.Altair = p.Altair
	case eth2spec.DataVersionBellatrix:
		b.Bellatrix = p.Bellatrix
	case eth2spec.DataVersionCapella:
		b.Capella = p.Capella
	case eth2spec.DataVersionDeneb:
		if p.Deneb != nil {
			b.Deneb = p.Deneb.Block
		}
	case eth2spec.DataVersionElectra:
		if p.Electra != nil {
			b.Electra = p.Electra.Block
		}
	case eth2spec.DataVersionFulu:
		if p.Fulu != nil {
			b.Fulu = p.Fulu.Block
		}
	default:
		return nil, fmt.Errorf("unsupported proposal version %s", p.Version)
	}
	if b.IsEmpty() {
		return nil, fmt.Errorf("empty %s proposal", p.Version)
	}
	return b, nil
}
