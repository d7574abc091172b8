package signing

import (
	"fmt"
	"sort"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// FarFutureEpoch is consensus-specs FAR_FUTURE_EPOCH, the activation epoch of
// a fork that is not scheduled.
const FarFutureEpoch = phase0.Epoch(^uint64(0))

// Fork is one entry of a fork schedule: the fork's name (as a go-eth2-client
// data version), its version and the epoch it activates.
type Fork struct {
	Name    eth2spec.DataVersion
	Version phase0.Version
	Epoch   phase0.Epoch
}

// ForkSchedule is the ordered list of forks of a chain, genesis first. Build
// it with NewForkSchedule, which validates it; the zero value is empty and
// every lookup on it fails.
type ForkSchedule struct {
	forks []Fork
}

// NewForkSchedule validates and returns a schedule. Forks must be given in
// order phase0, altair, ... without gaps, the first at epoch 0, epochs
// non-decreasing, versions distinct. Unscheduled forks use FarFutureEpoch.
func NewForkSchedule(forks ...Fork) (ForkSchedule, error) {
	if len(forks) == 0 {
		return ForkSchedule{}, fmt.Errorf("fork schedule: no forks")
	}
	seen := map[phase0.Version]bool{}
	for i, f := range forks {
		if f.Name != eth2spec.DataVersionPhase0+eth2spec.DataVersion(i) {
			return ForkSchedule{}, fmt.Errorf("fork schedule: entry %d is %s, want %s", i, f.Name, eth2spec.DataVersionPhase0+eth2spec.DataVersion(i))
		}
		if i == 0 && f.Epoch != 0 {
			return ForkSchedule{}, fmt.Errorf("fork schedule: genesis fork at epoch %d, want 0", f.Epoch)
		}
		if i > 0 && f.Epoch < forks[i-1].Epoch {
			return ForkSchedule{}, fmt.Errorf("fork schedule: %s at epoch %d precedes %s at epoch %d", f.Name, f.Epoch, forks[i-1].Name, forks[i-1].Epoch)
		}
		if seen[f.Version] {
			return ForkSchedule{}, fmt.Errorf("fork schedule: version %#x used twice", f.Version)
		}
		seen[f.Version] = true
	}
	return ForkSchedule{forks: append([]Fork(nil), forks...)}, nil
}

// Forks returns a copy of the schedule's entries.
func (s ForkSchedule) Forks() []Fork { return append([]Fork(nil), s.forks...) }

// Genesis returns the genesis (phase0) fork. GENESIS_FORK_VERSION is its
// version.
func (s ForkSchedule) Genesis() (Fork, error) {
	if len(s.forks) == 0 {
		return Fork{}, fmt.Errorf("fork schedule: empty")
	}
	return s.forks[0], nil
}

// ForkAtEpoch is consensus-specs compute_fork_version generalised to return
// the whole entry: the last fork whose activation epoch is at or before
// epoch. When two forks activate at the same epoch the later one wins, as in
// compute_fork_version.
func (s ForkSchedule) ForkAtEpoch(epoch phase0.Epoch) (Fork, error) {
	if len(s.forks) == 0 {
		return Fork{}, fmt.Errorf("fork schedule: empty")
	}
	i := sort.Search(len(s.forks), func(i int) bool { return s.forks[i].Epoch > epoch })
	return s.forks[i-1], nil
}

// StateFork returns the beacon-state Fork object (previous version, current
// version, epoch) in force at epoch: what the beacon API's
// /eth/v1/beacon/states/{id}/fork returns (eth_node_interface.py
// bn_get_fork_version reads its current version) and what Web3Signer's
// fork_info carries.
func (s ForkSchedule) StateFork(epoch phase0.Epoch) (*phase0.Fork, error) {
	if len(s.forks) == 0 {
		return nil, fmt.Errorf("fork schedule: empty")
	}
	i := sort.Search(len(s.forks), func(i int) bool { return s.forks[i].Epoch > epoch }) - 1
	cur := s.forks[i]
	prev := cur.Version
	// The previous version is that of the last fork activated strictly
	// before the current one; forks sharing an activation epoch never were
	// in force on their own.
	for j := i - 1; j >= 0; j-- {
		if s.forks[j].Epoch < cur.Epoch {
			prev = s.forks[j].Version
			break
		}
	}
	return &phase0.Fork{PreviousVersion: prev, CurrentVersion: cur.Version, Epoch: cur.Epoch}, nil
}

// ByName returns the entry of the named fork.
func (s ForkSchedule) ByName(name eth2spec.DataVersion) (Fork, error) {
	for _, f := range s.forks {
		if f.Name == name {
			return f, nil
		}
	}
	return Fork{}, fmt.Errorf("fork schedule: no %s fork", name)
}

// LatestName is the newest fork this package knows how to sign for.
const LatestName = eth2spec.DataVersionFulu

func versionOf(prefix byte, suffix byte) phase0.Version {
	return phase0.Version{prefix, 0, 0, suffix}
}

// MainnetForkSchedule is the mainnet schedule of consensus-specs
// configs/mainnet.yaml.
func MainnetForkSchedule() ForkSchedule {
	s, err := NewForkSchedule(
		Fork{eth2spec.DataVersionPhase0, versionOf(0, 0), 0},
		Fork{eth2spec.DataVersionAltair, versionOf(1, 0), 74240},
		Fork{eth2spec.DataVersionBellatrix, versionOf(2, 0), 144896},
		Fork{eth2spec.DataVersionCapella, versionOf(3, 0), 194048},
		Fork{eth2spec.DataVersionDeneb, versionOf(4, 0), 269568},
		Fork{eth2spec.DataVersionElectra, versionOf(5, 0), 364032},
		Fork{eth2spec.DataVersionFulu, versionOf(6, 0), 411392},
	)
	if err != nil {
		panic(err) // a constant schedule; covered by tests
	}
	return s
}

// MinimalForkVersions returns the fork versions of consensus-specs
// configs/minimal.yaml, phase0 first.
func minimalVersions() []phase0.Version {
	out := make([]phase0.Version, 0, 7)
	for i := byte(0); i < 7; i++ {
		out = append(out, versionOf(i, 1))
	}
	return out
}

// MinimalForkSchedule returns a schedule with the fork versions of
// consensus-specs configs/minimal.yaml, every fork up to and including
// `through` active from genesis and the later ones unscheduled. The minimal
// config itself schedules nothing after phase0; test networks set the epochs
// they need, and most run with the newest fork from genesis.
func MinimalForkSchedule(through eth2spec.DataVersion) (ForkSchedule, error) {
	return scheduleFromGenesis(minimalVersions(), through)
}

// MainnetVersionsFromGenesis returns a schedule with mainnet fork versions
// and every fork up to `through` active from genesis. It is what a local
// devnet with mainnet-preset versions looks like.
func MainnetVersionsFromGenesis(through eth2spec.DataVersion) (ForkSchedule, error) {
	vs := make([]phase0.Version, 0, 7)
	for i := byte(0); i < 7; i++ {
		vs = append(vs, versionOf(i, 0))
	}
	return scheduleFromGenesis(vs, through)
}

func scheduleFromGenesis(versions []phase0.Version, through eth2spec.DataVersion) (ForkSchedule, error) {
	if through < eth2spec.DataVersionPhase0 || through > LatestName {
		return ForkSchedule{}, fmt.Errorf("fork schedule: unknown fork %s", through)
	}
	forks := make([]Fork, 0, len(versions))
	for i, v := range versions {
		name := eth2spec.DataVersionPhase0 + eth2spec.DataVersion(i)
		epoch := phase0.Epoch(0)
		if name > through {
			epoch = FarFutureEpoch
		}
		forks = append(forks, Fork{Name: name, Version: v, Epoch: epoch})
	}
	return NewForkSchedule(forks...)
}
