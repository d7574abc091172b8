package aggduty_test

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"

	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

// FuzzReceivedShare: any wire message given to a node that served an
// aggregator duty never panics; an error leaves the state as it was.
func FuzzReceivedShare(f *testing.F) {
	c := newTCluster(f, eth2spec.DataVersionElectra, dvc.ModeRemoteSigner)
	c.mute[1], c.mute[2], c.mute[3], c.mute[4] = true, true, true, true
	if err := c.step(0, aggduty.ServeAggregatorDuty{Duty: c.duty(9, 5), Committee: c.committee(5)}); err != nil {
		f.Fatal(err)
	}
	for _, o := range c.out[0] {
		if b, ok := o.(dvc.Broadcast); ok {
			raw, _ := networking.MarshalMessage(b.Message)
			f.Add(raw)
		}
	}
	st := c.states[0]
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := networking.UnmarshalMessage(b)
		if err != nil {
			return
		}
		s, ok := m.(*networking.AggregationShare)
		if !ok {
			return
		}
		before := st.Slots()
		got, _, err := aggduty.Step(c.cfg(0), st, aggduty.ReceivedAggregationShare{Share: s}, c.oracles(0))
		if err != nil && got != st {
			t.Fatal("state changed on error")
		}
		if len(st.Slots()) != len(before) {
			t.Fatal("the previous state changed")
		}
	})
}
