package devnet

import (
	"sync/atomic"

	"github.com/OffchainLabs/go-bitfield"

	"github.com/dvspec/go-dvspec/impl/node"
	"github.com/dvspec/go-dvspec/networking"
)

// ForgeStats counts the forged share copies a forging relay delivered to
// the honest nodes (SPEC.md A22, issue 12): AsRelay came from the relay's
// own connection, AsSigner on the signer's connection.
type ForgeStats struct {
	AsRelay, AsSigner atomic.Uint64
}

// ForgeCounts is a snapshot of ForgeStats.
type ForgeCounts struct{ AsRelay, AsSigner uint64 }

func (s *ForgeStats) snapshot() ForgeCounts {
	return ForgeCounts{AsRelay: s.AsRelay.Load(), AsSigner: s.AsSigner.Load()}
}

// forgingRelay wraps a node's transport on the receiving side: before each
// genuine attestation or sync committee message share of another node, the
// node receives copies of it with a field its signature does not cover
// altered (aggregation bits, committee index, a sync share's slot within its
// epoch). Each copy arrives twice: from the relay, as a byzantine peer sends
// it (the node's inbound check drops a share whose signer is not the
// sending peer), and on the signer's own connection, as a gossip network
// without sender authentication would deliver it: that copy reaches the
// DVC, and only the spec's A22 keeps it from taking the genuine share's
// place.
type forgingRelay struct {
	node.Transport
	relay         uint64
	slotsPerEpoch uint64
	stats         *ForgeStats
}

// Handle implements node.Transport.
func (f *forgingRelay) Handle(msgType string, h func(from uint64, payload []byte)) error {
	if msgType != node.MsgShare {
		return f.Transport.Handle(msgType, h)
	}
	return f.Transport.Handle(msgType, func(from uint64, payload []byte) {
		if m, err := networking.UnmarshalMessage(payload); err == nil && m.Signer() == from && from != f.relay {
			for _, c := range f.copies(payload) {
				h(f.relay, c)
				f.stats.AsRelay.Add(1)
				h(from, c)
				f.stats.AsSigner.Add(1)
			}
		}
		h(from, payload)
	})
}

// Problems passes the p2p transport's readiness problems on.
func (f *forgingRelay) Problems() []string {
	if p, ok := f.Transport.(interface{ Problems() []string }); ok {
		return p.Problems()
	}
	return nil
}

// copies returns the forged copies of a share (none for other kinds).
func (f *forgingRelay) copies(payload []byte) [][]byte {
	var out [][]byte
	add := func(alter func(networking.Message) bool) {
		m, err := networking.UnmarshalMessage(payload)
		if err != nil || !alter(m) {
			return
		}
		if b, err := networking.MarshalMessage(m); err == nil {
			out = append(out, b)
		}
	}
	add(func(m networking.Message) bool { // other aggregation bits
		a, ok := m.(*networking.AttestationShare)
		if !ok || a.AggregationBits.Len() < 2 {
			return false
		}
		n := a.AggregationBits.Len()
		bits := bitfield.NewBitlist(n)
		for i := uint64(0); i < n; i++ {
			if a.AggregationBits.BitAt(i) {
				bits.SetBitAt((i+1)%n, true)
			}
		}
		a.AggregationBits = bits
		return true
	})
	add(func(m networking.Message) bool { // another committee index
		a, ok := m.(*networking.AttestationShare)
		if ok {
			a.CommitteeIndex++
		}
		return ok
	})
	add(func(m networking.Message) bool { // another slot of the same epoch
		s, ok := m.(*networking.SyncCommitteeMessageShare)
		if !ok || f.slotsPerEpoch < 2 {
			return false
		}
		if uint64(s.Slot)%f.slotsPerEpoch == f.slotsPerEpoch-1 {
			s.Slot--
		} else {
			s.Slot++
		}
		return true
	})
	return out
}

var _ node.Transport = (*forgingRelay)(nil)
