package qbftrunner

import (
	"testing"

	"github.com/OffchainLabs/go-bitfield"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/spec"
)

// The aggregation duty types have a value limit that the largest value of
// each fits (a full Electra aggregate; a contribution per subnet), and a
// byte more is refused.
func TestDefaultMaxValueAggregation(t *testing.T) {
	for _, cfg := range []spec.ChainConfig{spec.MainnetConfig(), spec.MinimalConfig()} {
		m := DefaultMaxValue(cfg)
		agg := &electra.Attestation{
			AggregationBits: bitfield.NewBitlist(cfg.MaxValidatorsPerCommittee * cfg.MaxCommitteesPerSlot),
			Data:            &phase0.AttestationData{Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}},
			CommitteeBits:   make(bitfield.Bitvector64, (cfg.MaxCommitteesPerSlot+7)/8),
		}
		got, ok := m[consensus.DutyAggregator]
		if !ok || agg.SizeSSZ() > got {
			t.Fatalf("aggregator limit %d (present %v) below a full aggregate's %d bytes", got, ok, agg.SizeSSZ())
		}
		one := (&altair.SyncCommitteeContribution{}).SizeSSZ() - 16 + int((cfg.SyncCommitteeSize/cfg.SyncCommitteeSubnetCount+7)/8)
		if c, ok := m[consensus.DutySyncContribution]; !ok || c != int(cfg.SyncCommitteeSubnetCount)*one {
			t.Fatalf("sync contribution limit %d (present %v), want %d contributions of %d bytes", c, ok, cfg.SyncCommitteeSubnetCount, one)
		}
		l := DefaultLimits(cfg)
		if err := l.Validate(); err != nil {
			t.Fatal(err)
		}
		msg := func(n int) error {
			return l.CheckValue(sizedMsg(consensus.DutyAggregator, n))
		}
		if err := msg(got); err != nil {
			t.Fatalf("a value of the limit refused: %v", err)
		}
		if err := msg(got + 1); err == nil {
			t.Fatal("a value above the limit taken")
		}
	}
}

func sizedMsg(d consensus.DutyType, n int) *qbft.SignedMessage {
	value := make([]byte, n)
	id := consensus.InstanceID{DutyType: uint64(d), Slot: 1}
	return &qbft.SignedMessage{Message: qbft.Message{Type: qbft.MsgProposal, Instance: id, Sender: 1, Digest: qbft.Digest(value)}, Value: value}
}
