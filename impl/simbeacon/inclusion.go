package simbeacon

import (
	"sort"

	"github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// attestationsOf returns copies of the pool entries of slot, by committee
// index and then data root, so a block's contents do not depend on map
// order.
func (p *pools) attestationsOf(slot phase0.Slot) []attKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	var keys []attKey
	for k := range p.att {
		if k.slot == slot {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].committee != keys[j].committee {
			return keys[i].committee < keys[j].committee
		}
		return string(keys[i].dataRoot[:]) < string(keys[j].dataRoot[:])
	})
	return keys
}

// blockAttestations are the attestations a block of slot includes: the
// attestations of slot-1 the node accepted before it produced the block,
// aggregated per committee and data, at most MAX_ATTESTATIONS
// (MAX_ATTESTATIONS_ELECTRA from Electra on). A block therefore shows its
// importers which attestations made it on chain, at inclusion distance 1.
func (n *Node) blockAttestations(slot phase0.Slot, version eth2spec.DataVersion) ([]*phase0.Attestation, []*electra.Attestation) {
	if slot == 0 {
		return []*phase0.Attestation{}, []*electra.Attestation{}
	}
	limit := n.table["MAX_ATTESTATIONS"]
	if version >= eth2spec.DataVersionElectra {
		limit = n.table["MAX_ATTESTATIONS_ELECTRA"]
	}
	p0 := []*phase0.Attestation{}
	el := []*electra.Attestation{}
	prev := slot - 1
	// An attestation of the previous slot in an earlier fork cannot go
	// into this fork's block.
	if n.chain.fork(n.chain.epochOf(prev)).Name != version {
		return p0, el
	}
	for _, k := range n.pools.attestationsOf(prev) {
		if uint64(len(p0)+len(el)) >= limit {
			break
		}
		data, length, sigs, poolVersion, ok := n.pools.attestation(k)
		if !ok || len(sigs) == 0 {
			continue
		}
		bits := bitfield.NewBitlist(length)
		list := make([]phase0.BLSSignature, 0, len(sigs))
		positions := make([]uint64, 0, len(sigs))
		for pos := range sigs {
			positions = append(positions, pos)
		}
		sort.Slice(positions, func(i, j int) bool { return positions[i] < positions[j] })
		for _, pos := range positions {
			bits.SetBitAt(pos, true)
			list = append(list, sigs[pos])
		}
		sig, memo := n.pools.attAggregate(k, poolVersion)
		if !memo {
			var err error
			if sig, err = aggregate(list); err != nil {
				continue
			}
			n.pools.memoAttAggregate(k, poolVersion, sig)
		}
		if version >= eth2spec.DataVersionElectra {
			el = append(el, &electra.Attestation{AggregationBits: bits, Data: data, Signature: sig, CommitteeBits: n.committeeBits(k.committee)})
		} else {
			p0 = append(p0, &phase0.Attestation{AggregationBits: bits, Data: data, Signature: sig})
		}
	}
	return p0, el
}
