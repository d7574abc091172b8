package devnet

import (
	"sync/atomic"

	"github.com/OffchainLabs/go-bitfield"
	"github.com/attestantio/go-eth2-client/spec/phase0"

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
// epoch). Each copy arrives from the relay, as a byzantine peer sends it
// (the node's inbound check drops a share whose signer is not the sending
// peer; the relay's own node and the relay's own shares are spared this
// one), and on the signer's own connection, as a gossip network
// without sender authentication would deliver it: that copy reaches the
// DVC, and only the spec's A22 keeps it from taking the genuine share's
// place.
type forgingRelay struct {
	node.Transport
	relay, self   uint64
	slotsPerEpoch uint64
	stats         *ForgeStats
}

// Handle implements node.Transport.
func (f *forgingRelay) Handle(msgType string, h func(from uint64, payload []byte)) error {
	if msgType != node.MsgShare {
		return f.Transport.Handle(msgType, h)
	}
	return f.Transport.Handle(msgType, func(from uint64, payload []byte) {
		if m, err := networking.UnmarshalMessage(payload); err == nil && m.Signer() == from {
			for _, c := range f.copies(payload, from) {
				if f.self != f.relay && from != f.relay {
					h(f.relay, c)
					f.stats.AsRelay.Add(1)
				}
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

// copies returns the forged copies of a share (none for other kinds). Each
// signer's copies are altered by its own amount, so that copies of
// different signers never agree with each other: no bucket of forged copies
// reaches the threshold, and only the genuine shares can combine.
func (f *forgingRelay) copies(payload []byte, signer uint64) [][]byte {
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
		n := uint64(0)
		if ok {
			n = a.AggregationBits.Len()
		}
		if n < 2 || signer%n == 0 {
			return false
		}
		bits := bitfield.NewBitlist(n)
		for i := uint64(0); i < n; i++ {
			if a.AggregationBits.BitAt(i) {
				bits.SetBitAt((i+signer)%n, true)
			}
		}
		a.AggregationBits = bits
		return true
	})
	add(func(m networking.Message) bool { // another committee index
		a, ok := m.(*networking.AttestationShare)
		if ok {
			a.CommitteeIndex += phase0.CommitteeIndex(signer)
		}
		return ok
	})
	add(func(m networking.Message) bool { // another slot of the same epoch
		s, ok := m.(*networking.SyncCommitteeMessageShare)
		spe := f.slotsPerEpoch
		if !ok || spe < 2 || signer%spe == 0 {
			return false
		}
		start := uint64(s.Slot) / spe * spe
		s.Slot = phase0.Slot(start + (uint64(s.Slot)-start+signer)%spe)
		return true
	})
	return out
}

var _ node.Transport = (*forgingRelay)(nil)
