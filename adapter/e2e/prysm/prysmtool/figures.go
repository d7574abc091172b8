package main

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// bitlistLen is the length of an SSZ bitlist: its last byte carries a
// delimiter bit just above the last element.
func bitlistLen(b []byte) (int, error) {
	if len(b) == 0 || b[len(b)-1] == 0 {
		return 0, errors.New("bitlist without its delimiter bit")
	}
	last := b[len(b)-1]
	hi := 7
	for last>>hi == 0 {
		hi--
	}
	return 8*(len(b)-1) + hi, nil
}

func bit(b []byte, i int) bool {
	return i/8 < len(b) && b[i/8]>>(i%8)&1 == 1
}

// chainData is what the check reads from the beacon node, keyed for the
// figures: committees by slot and committee index, blocks by slot (nil for
// an empty slot), sync committees by block slot, proposer duties by slot.
type chainData struct {
	slotsPerEpoch uint64
	committees    map[uint64]map[uint64][]uint64
	blocks        map[uint64]*blockJSON
	syncCommittee map[uint64][]uint64
	syncSubnets   uint64
	proposers     map[uint64]uint64
	// baseContrib are the (slot, subcommittee) pairs for which the
	// baseline validator client submitted a sync committee contribution
	// (nil: not known).
	baseContrib map[[2]uint64]bool
}

// figures are one validator set's duties over the checked epochs.
type figures struct {
	attExpected, attIncluded int
	// distances counts included attestations by their first inclusion
	// distance (block slot - attestation slot).
	distances        map[uint64]int
	attMissed        []string
	propExpected     int
	propProduced     int
	propFeeOK        int
	propMissed       []string
	syncSeats        int // seats x blocks
	syncSet          int
	syncSeatsCarried int // seats in blocks carrying some of the seat's subcommittee's bits
	syncSetCarried   int
	// Of those, the seats whose subcommittee no contribution of the
	// baseline validator client covered (d.baseContrib): the block got that
	// subcommittee from someone else's contribution, the DV's when it is
	// the only other aggregator. Counted only when d.baseContrib is set.
	syncSeatsOthers int
	syncSetOthers   int
	syncSubOthers   int // (block, subcommittee) pairs
}

// compute counts the duties of vals (index -> fee recipient, nil: not
// checked) in epochs [from, to]. Attestations are looked for in every block
// read, so blocks up to the end of epoch to+1 must be in d.blocks for the
// last epoch's attestations to count (EIP-7045 inclusion window).
func compute(d *chainData, vals map[uint64][]byte, from, to uint64) (*figures, error) {
	f := &figures{distances: map[uint64]int{}}
	spe := d.slotsPerEpoch
	// Attestation duties: one per validator per epoch.
	type duty struct{ slot, committee uint64 }
	duties := map[uint64]map[uint64]duty{} // epoch -> validator -> duty
	for slot, byIndex := range d.committees {
		e := slot / spe
		if e < from || e > to {
			continue
		}
		for ci, members := range byIndex {
			for _, v := range members {
				if _, ok := vals[v]; !ok {
					continue
				}
				if duties[e] == nil {
					duties[e] = map[uint64]duty{}
				}
				duties[e][v] = duty{slot, ci}
			}
		}
	}
	firstIncl := map[[2]uint64]uint64{} // (validator, epoch) -> inclusion distance
	slots := sortedSlots(d.blocks)
	for _, bs := range slots {
		blk := d.blocks[bs]
		if blk == nil {
			continue
		}
		for ai, att := range blk.Body.Attestations {
			as := uint64(att.Data.Slot)
			byIndex, ok := d.committees[as]
			if !ok {
				continue // an attestation of a slot outside the epochs read
			}
			var indices []uint64
			if len(att.CommitteeBits) > 0 { // Electra: committees named by committee_bits
				for ci := 0; ci < 8*len(att.CommitteeBits); ci++ {
					if bit(att.CommitteeBits, ci) {
						indices = append(indices, uint64(ci))
					}
				}
			} else {
				indices = []uint64{uint64(att.Data.Index)}
			}
			n, err := bitlistLen(att.AggregationBits)
			if err != nil {
				return nil, fmt.Errorf("block %d attestation %d: %w", bs, ai, err)
			}
			offset := 0
			for _, ci := range indices {
				members, ok := byIndex[ci]
				if !ok {
					return nil, fmt.Errorf("block %d attestation %d: slot %d has no committee %d", bs, ai, as, ci)
				}
				for pos, v := range members {
					if _, ok := vals[v]; !ok || !bit(att.AggregationBits, offset+pos) || offset+pos >= n {
						continue
					}
					key := [2]uint64{v, as / spe}
					if dist, seen := firstIncl[key]; !seen || bs-as < dist {
						firstIncl[key] = bs - as
					}
				}
				offset += len(members)
			}
			if offset != n {
				return nil, fmt.Errorf("block %d attestation %d: %d aggregation bits for committees of %d validators", bs, ai, n, offset)
			}
		}
	}
	for e := from; e <= to; e++ {
		for _, v := range sortedKeys(vals) {
			du, ok := duties[e][v]
			if !ok {
				continue // not active, or committees of e not read
			}
			f.attExpected++
			dist, ok := firstIncl[[2]uint64{v, e}]
			if !ok {
				f.attMissed = append(f.attMissed, fmt.Sprintf("v%d@%d/c%d", v, du.slot, du.committee))
				continue
			}
			f.attIncluded++
			f.distances[dist]++
		}
	}
	// Proposals.
	for slot := from * spe; slot < (to+1)*spe; slot++ {
		v, ok := d.proposers[slot]
		if !ok {
			continue
		}
		fee, ours := vals[v]
		if !ours {
			continue
		}
		f.propExpected++
		blk := d.blocks[slot]
		if blk == nil || uint64(blk.ProposerIndex) != v {
			f.propMissed = append(f.propMissed, fmt.Sprintf("v%d@%d", v, slot))
			continue
		}
		f.propProduced++
		if fee == nil || (blk.Body.ExecutionPayload != nil && bytes.Equal(blk.Body.ExecutionPayload.FeeRecipient, fee)) {
			f.propFeeOK++
		}
	}
	// Sync committee bits: a block's sync aggregate carries the
	// contributions of its parent slot's sync committee messages.
	for slot := from * spe; slot < (to+1)*spe; slot++ {
		blk := d.blocks[slot]
		if blk == nil || blk.Body.SyncAggregate == nil {
			continue
		}
		committee := d.syncCommittee[slot]
		if len(committee) == 0 || d.syncSubnets == 0 {
			continue
		}
		bits := blk.Body.SyncAggregate.SyncCommitteeBits
		size := len(committee) / int(d.syncSubnets)
		carried := make([]bool, d.syncSubnets)
		for seat := range committee {
			if bit(bits, seat) {
				carried[seat/size] = true
			}
		}
		// The block at slot carries contributions for slot-1.
		others := make([]bool, d.syncSubnets)
		if d.baseContrib != nil && slot > 0 {
			for sc := range others {
				others[sc] = carried[sc] && !d.baseContrib[[2]uint64{slot - 1, uint64(sc)}]
				if others[sc] {
					f.syncSubOthers++
				}
			}
		}
		for seat, v := range committee {
			if _, ok := vals[v]; !ok {
				continue
			}
			f.syncSeats++
			set := bit(bits, seat)
			if set {
				f.syncSet++
			}
			if carried[seat/size] {
				f.syncSeatsCarried++
				if set {
					f.syncSetCarried++
				}
			}
			if others[seat/size] {
				f.syncSeatsOthers++
				if set {
					f.syncSetOthers++
				}
			}
		}
	}
	return f, nil
}

func (f *figures) distanceString() string {
	var ds []uint64
	for d := range f.distances {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%d:%d", d, f.distances[d]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}

func sortedSlots(m map[uint64]*blockJSON) []uint64 {
	out := make([]uint64, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sortedKeys(m map[uint64][]byte) []uint64 {
	out := make([]uint64, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
