package signing

import (
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

func TestMainnetScheduleMatchesConfig(t *testing.T) {
	// configs/mainnet.yaml of consensus-specs a08d8a6.
	want := map[eth2spec.DataVersion]struct {
		version phase0.Version
		epoch   phase0.Epoch
	}{
		eth2spec.DataVersionPhase0:    {phase0.Version{0, 0, 0, 0}, 0},
		eth2spec.DataVersionAltair:    {phase0.Version{1, 0, 0, 0}, 74240},
		eth2spec.DataVersionBellatrix: {phase0.Version{2, 0, 0, 0}, 144896},
		eth2spec.DataVersionCapella:   {phase0.Version{3, 0, 0, 0}, 194048},
		eth2spec.DataVersionDeneb:     {phase0.Version{4, 0, 0, 0}, 269568},
		eth2spec.DataVersionElectra:   {phase0.Version{5, 0, 0, 0}, 364032},
		eth2spec.DataVersionFulu:      {phase0.Version{6, 0, 0, 0}, 411392},
	}
	s := MainnetForkSchedule()
	if len(s.Forks()) != len(want) {
		t.Fatalf("%d forks, want %d", len(s.Forks()), len(want))
	}
	for name, w := range want {
		f, err := s.ByName(name)
		if err != nil || f.Version != w.version || f.Epoch != w.epoch {
			t.Errorf("%s: got %+v, %v; want version %#x epoch %d", name, f, err, w.version, w.epoch)
		}
		at, _ := s.ForkAtEpoch(w.epoch)
		if at.Name != name {
			t.Errorf("ForkAtEpoch(%d) = %s, want %s", w.epoch, at.Name, name)
		}
		if w.epoch > 0 {
			before, _ := s.ForkAtEpoch(w.epoch - 1)
			if before.Name != name-1 {
				t.Errorf("ForkAtEpoch(%d) = %s, want %s", w.epoch-1, before.Name, name-1)
			}
		}
	}
}

func TestNewForkScheduleRejectsBadSchedules(t *testing.T) {
	v := func(b byte) phase0.Version { return phase0.Version{b, 0, 0, 0} }
	for name, forks := range map[string][]Fork{
		"empty":            nil,
		"genesis not at 0": {{eth2spec.DataVersionPhase0, v(0), 5}},
		"gap":              {{eth2spec.DataVersionPhase0, v(0), 0}, {eth2spec.DataVersionBellatrix, v(2), 10}},
		"out of order":     {{eth2spec.DataVersionPhase0, v(0), 0}, {eth2spec.DataVersionAltair, v(1), 10}, {eth2spec.DataVersionBellatrix, v(2), 9}},
		"version reused":   {{eth2spec.DataVersionPhase0, v(0), 0}, {eth2spec.DataVersionAltair, v(0), 10}},
		"starts at altair": {{eth2spec.DataVersionAltair, v(1), 0}},
	} {
		if _, err := NewForkSchedule(forks...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	var empty ForkSchedule
	if _, err := empty.ForkAtEpoch(0); err == nil {
		t.Error("empty schedule answered ForkAtEpoch")
	}
	if _, err := (Chain{Forks: MainnetForkSchedule()}).RandaoReveal(1); err != nil {
		t.Errorf("RandaoReveal needs no slots per epoch: %v", err)
	}
	if _, err := (Chain{Forks: MainnetForkSchedule()}).AggregationSlot(1); err == nil {
		t.Error("zero slots per epoch accepted")
	}
}

func TestStateForkSharedActivationEpoch(t *testing.T) {
	// Devnets activate several forks at genesis; the previous version is then
	// the current one (no earlier fork was ever in force).
	s, err := MinimalForkSchedule(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.StateFork(3)
	if err != nil {
		t.Fatal(err)
	}
	want := phase0.Version{5, 0, 0, 1}
	if f.CurrentVersion != want || f.PreviousVersion != want || f.Epoch != 0 {
		t.Errorf("state fork %+v, want current=previous=%#x at epoch 0", f, want)
	}
	fulu, _ := s.ByName(eth2spec.DataVersionFulu)
	if fulu.Epoch != FarFutureEpoch {
		t.Errorf("fulu scheduled at %d, want far future", fulu.Epoch)
	}
	m := MainnetForkSchedule()
	sf, _ := m.StateFork(194048 + 3)
	if sf.PreviousVersion != (phase0.Version{2, 0, 0, 0}) || sf.CurrentVersion != (phase0.Version{3, 0, 0, 0}) || sf.Epoch != 194048 {
		t.Errorf("capella state fork %+v", sf)
	}
	if _, err := MinimalForkSchedule(eth2spec.DataVersionFulu + 1); err == nil {
		t.Error("unknown fork accepted")
	}
}

func TestVoluntaryExitFromFutureRefused(t *testing.T) {
	c := Chain{Forks: MainnetForkSchedule(), SlotsPerEpoch: 32}
	if _, err := c.VoluntaryExit(&phase0.VoluntaryExit{Epoch: 11, ValidatorIndex: 1}, 10); err == nil {
		t.Error("exit from a future epoch accepted")
	}
	if _, err := c.VoluntaryExit(nil, 10); err == nil {
		t.Error("nil exit accepted")
	}
}

func TestNilMessagesRefused(t *testing.T) {
	c := Chain{Forks: MainnetForkSchedule(), SlotsPerEpoch: 32}
	checks := map[string]func() error{
		"attestation data": func() error { _, err := c.AttestationData(nil); return err },
		"block":            func() error { _, err := c.BeaconBlock(nil); return err },
		"empty block":      func() error { _, err := c.BeaconBlock(&eth2spec.VersionedBeaconBlock{}); return err },
		"header":           func() error { _, err := c.BeaconBlockHeader(nil); return err },
		"aggregate":        func() error { _, err := c.AggregateAndProof(nil); return err },
		"aggregate no inner": func() error {
			_, err := c.AggregateAndProof(&eth2spec.VersionedAggregateAndProof{Version: eth2spec.DataVersionElectra})
			return err
		},
		"selection data": func() error { _, err := c.SyncCommitteeSelectionProof(nil); return err },
		"contribution":   func() error { _, err := c.ContributionAndProof(nil); return err },
		"registration":   func() error { _, err := c.ValidatorRegistration(nil); return err },
		"deposit":        func() error { _, err := c.DepositMessage(nil); return err },
	}
	for name, check := range checks {
		if check() == nil {
			t.Errorf("%s: nil accepted", name)
		}
	}
}
