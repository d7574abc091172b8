package spec

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/google/go-cmp/cmp"

	"github.com/dvspec/go-dvspec/spec/slashing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

func TestThresholdTable(t *testing.T) {
	// Written out by hand from the formulas' definitions (ceil(2n/3),
	// floor(2n/3)+1, floor((n-1)/3)), not printed by the code.
	want := []struct{ n, m, legacy, f int }{
		{1, 1, 1, 0}, {2, 2, 2, 0}, {3, 2, 3, 0}, {4, 3, 3, 1}, {5, 4, 4, 1},
		{6, 4, 5, 1}, {7, 5, 5, 2}, {8, 6, 6, 2}, {9, 6, 7, 2}, {10, 7, 7, 3},
		{13, 9, 9, 4}, {16, 11, 11, 5},
	}
	for _, w := range want {
		if got := Threshold(w.n); got != w.m {
			t.Errorf("Threshold(%d) = %d, want %d", w.n, got, w.m)
		}
		if got := LegacyThreshold(w.n); got != w.legacy {
			t.Errorf("LegacyThreshold(%d) = %d, want %d", w.n, got, w.legacy)
		}
		if got := Faulty(w.n); got != w.f {
			t.Errorf("Faulty(%d) = %d, want %d", w.n, got, w.f)
		}
	}
	for _, n := range []int{0, -3} {
		if Threshold(n) != 0 || LegacyThreshold(n) != 0 || Faulty(n) != 0 {
			t.Errorf("n=%d: non-zero parameters", n)
		}
	}
}

// TestThresholdSafetyAndLiveness checks the two properties the threshold
// exists for, for every cluster size a DV can have: the honest nodes alone
// reach M, and any two sets of M signers share an honest node.
func TestThresholdSafetyAndLiveness(t *testing.T) {
	for n := 1; n <= MaxCoValidators; n++ {
		m, f := Threshold(n), Faulty(n)
		if n-f < m {
			t.Errorf("n=%d: %d honest nodes cannot reach M=%d", n, n-f, m)
		}
		if 2*m-n <= f {
			t.Errorf("n=%d: two quorums of %d may share only %d nodes, all of which may be faulty (F=%d)", n, m, 2*m-n, f)
		}
		// M is the smallest such value: one less breaks the intersection.
		if m > 1 && 2*(m-1)-n > f {
			t.Errorf("n=%d: M=%d is not minimal", n, m)
		}
	}
}

func TestPresetArithmetic(t *testing.T) {
	p := MainnetConfig()
	if p.EpochAtSlot(63) != 1 || p.EpochAtSlot(64) != 2 || p.StartSlotAtEpoch(2) != 64 {
		t.Error("mainnet epoch/slot arithmetic")
	}
	if p.StartSlotAtEpoch(Epoch(^uint64(0))) != Slot(^uint64(0)) {
		t.Error("StartSlotAtEpoch must saturate, not wrap")
	}
	m := MinimalConfig()
	if m.EpochAtSlot(8) != 1 || m.SyncSubcommitteeIndex(31) != 3 || p.SyncSubcommitteeIndex(128) != 1 {
		t.Error("minimal preset arithmetic")
	}
	if _, err := BuiltinConfig("gnosis"); err == nil {
		t.Error("unknown preset accepted")
	}
}

func TestAggregatorSelection(t *testing.T) {
	p := MainnetConfig()
	var sig BLSSignature
	// Committees of fewer than 16 members: modulo 1, everyone aggregates.
	if !p.IsAggregator(15, sig) {
		t.Error("small committee member is not an aggregator")
	}
	// Committee of 128: modulo 8. Find signatures on both sides of the
	// rule by the consensus-specs definition and check the predicate agrees.
	seenTrue, seenFalse := false, false
	for i := 0; i < 64; i++ {
		sig[0] = byte(i)
		h := sha256.Sum256(sig[:])
		want := binary.LittleEndian.Uint64(h[:8])%8 == 0
		if p.IsAggregator(128, sig) != want {
			t.Fatalf("IsAggregator disagrees with is_aggregator for byte %d", i)
		}
		seenTrue, seenFalse = seenTrue || want, seenFalse || !want
	}
	if !seenTrue || !seenFalse {
		t.Fatal("test signatures did not exercise both outcomes")
	}
	// Minimal preset: 32/4/16 = 0, so modulo is clamped to 1.
	if !MinimalConfig().IsSyncCommitteeAggregator(sig) {
		t.Error("minimal preset: every sync member aggregates")
	}
}

func TestDutyAPIRoundTrip(t *testing.T) {
	att := &apiv1.AttesterDuty{PubKey: BLSPubKey{1}, Slot: 9, ValidatorIndex: 3, CommitteeIndex: 2, CommitteeLength: 100, CommitteesAtSlot: 4, ValidatorCommitteeIndex: 77}
	if diff := cmp.Diff(att, AttestationDutyFromAPI(att).API()); diff != "" {
		t.Error(diff)
	}
	pro := &apiv1.ProposerDuty{PubKey: BLSPubKey{2}, Slot: 5, ValidatorIndex: 8}
	if diff := cmp.Diff(pro, ProposerDutyFromAPI(pro).API()); diff != "" {
		t.Error(diff)
	}
	syn := &apiv1.SyncCommitteeDuty{PubKey: BLSPubKey{3}, ValidatorIndex: 4, ValidatorSyncCommitteeIndices: []CommitteeIndex{1, 300}}
	if diff := cmp.Diff(syn, SyncCommitteeDutyFromAPI(syn).API()); diff != "" {
		t.Error(diff)
	}
}

func testDV(n int) *DistributedValidator {
	id := &ValidatorIdentity{Pubkey: BLSPubKey{9}, Index: 42}
	dv := &DistributedValidator{ValidatorIdentity: id, SlashingDB: slashing.New(Root{1})}
	for i := 1; i <= n; i++ {
		dv.CoValidators = append(dv.CoValidators, &CoValidator{ValidatorIdentity: &ValidatorIdentity{Pubkey: id.Pubkey, Index: id.Index}, Pubkey: BLSPubKey{byte(i)}, Index: uint64(i)})
	}
	return dv
}

func TestDistributedValidatorValidate(t *testing.T) {
	if err := testDV(4).Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*DistributedValidator){
		"no identity":      func(d *DistributedValidator) { d.ValidatorIdentity = nil },
		"no co-validators": func(d *DistributedValidator) { d.CoValidators = nil },
		"index zero":       func(d *DistributedValidator) { d.CoValidators[0].Index = 0 },
		"index above n":    func(d *DistributedValidator) { d.CoValidators[0].Index = 5 },
		"duplicate index":  func(d *DistributedValidator) { d.CoValidators[1].Index = 1 },
		"foreign share":    func(d *DistributedValidator) { d.CoValidators[2].ValidatorIdentity.Index = 7 },
		"nil co-validator": func(d *DistributedValidator) { d.CoValidators[3] = nil },
		"no slashing db":   func(d *DistributedValidator) { d.SlashingDB = nil },
	} {
		dv := testDV(4)
		mutate(dv)
		if err := dv.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestStateSSZRoundTrip(t *testing.T) {
	dv := testDV(4)
	if err := dv.SlashingDB.InsertAttestation(dv.ValidatorIdentity.Pubkey, 1, 2, &Root{5}); err != nil {
		t.Fatal(err)
	}
	st := &State{DistributedValidators: []*DistributedValidator{dv}}
	raw, err := st.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := back.UnmarshalSSZ(raw); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(st, &back); diff != "" {
		t.Fatal(diff)
	}
	r1, _ := st.HashTreeRoot()
	dv.CoValidators[0].Pubkey[0] ^= 1
	r2, _ := st.HashTreeRoot()
	if r1 == r2 {
		t.Fatal("hash tree root ignores a co-validator's public key")
	}
	// The generated decoder alone accepts a truncated optional signing
	// root; the canonical decoder every outside input goes through must not.
	if err := sszutil.DecodeCanonical(raw[:len(raw)-1], &back); err == nil {
		t.Error("truncated SSZ accepted")
	}
}

func TestBuiltinConfigsAgreeWithTheirValues(t *testing.T) {
	for _, p := range []ChainConfig{MainnetConfig(), MinimalConfig()} {
		v := p.Values
		for name, got := range map[string]uint64{
			"SLOTS_PER_EPOCH": p.SlotsPerEpoch, "SYNC_COMMITTEE_SIZE": p.SyncCommitteeSize,
			"EPOCHS_PER_SYNC_COMMITTEE_PERIOD": p.EpochsPerSyncCommitteePeriod,
			"MAX_COMMITTEES_PER_SLOT":          p.MaxCommitteesPerSlot, "MAX_VALIDATORS_PER_COMMITTEE": p.MaxValidatorsPerCommittee,
			"TARGET_AGGREGATORS_PER_COMMITTEE": p.TargetAggregatorsPerCommittee, "SYNC_COMMITTEE_SUBNET_COUNT": p.SyncCommitteeSubnetCount,
		} {
			if v[name] != got {
				t.Errorf("%s %s: values %d, field %d", p.PresetBase, name, v[name], got)
			}
		}
	}
	// consensus-specs presets/{mainnet,minimal}: the values that differ.
	if MainnetConfig().SlotsPerEpoch != 32 || MinimalConfig().SlotsPerEpoch != 8 ||
		MainnetConfig().SyncCommitteeSize != 512 || MinimalConfig().SyncCommitteeSize != 32 {
		t.Fatal("built-in presets do not have consensus-specs' values")
	}
}

func TestNewChainConfigNamesWhatIsWrong(t *testing.T) {
	base := MainnetConfig().Values
	with := func(k string, v uint64, drop bool) map[string]uint64 {
		out := map[string]uint64{}
		for a, b := range base {
			out[a] = b
		}
		if drop {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		values map[string]uint64
		want   string
	}{
		{with("SLOTS_PER_EPOCH", 0, true), "SLOTS_PER_EPOCH missing"},
		{with("MAX_ATTESTATIONS_ELECTRA", 0, true), "MAX_ATTESTATIONS_ELECTRA missing"},
		{with("SLOTS_PER_EPOCH", 0, false), "SLOTS_PER_EPOCH 0"},
		{with("SYNC_COMMITTEE_SIZE", 100, false), "SYNC_COMMITTEE_SIZE 100"},
		{with("SYNC_COMMITTEE_SUBNET_COUNT", 8, false), "SYNC_COMMITTEE_SUBNET_COUNT 8"},
		{with("MAX_COMMITTEES_PER_SLOT", 65, false), "MAX_COMMITTEES_PER_SLOT 65"},
	} {
		if _, err := NewChainConfig("x", tc.values); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error naming %q, got %v", tc.want, err)
		}
	}
	// Any PRESET_BASE: a chain is its values.
	c, err := NewChainConfig("interop", with("SLOTS_PER_EPOCH", 8, false))
	if err != nil || c.SlotsPerEpoch != 8 || c.SyncCommitteeSize != 512 || c.PresetBase != "interop" {
		t.Fatalf("interop config: %+v %v", c.SlotsPerEpoch, err)
	}
	if base["SLOTS_PER_EPOCH"] != 32 || MainnetConfig().SlotsPerEpoch != 32 {
		t.Fatal("NewChainConfig changed the values it was given")
	}
	w, err := MinimalConfig().WithSlotsPerEpoch(4)
	if err != nil || w.SlotsPerEpoch != 4 || w.Values["SLOTS_PER_EPOCH"] != 4 || MinimalConfig().SlotsPerEpoch != 8 {
		t.Fatalf("WithSlotsPerEpoch: %v", err)
	}
}

func TestHasMainnetSizesIsByValue(t *testing.T) {
	interop, err := MainnetConfig().WithSlotsPerEpoch(8)
	if err != nil {
		t.Fatal(err)
	}
	interop.PresetBase = "interop"
	if !MainnetConfig().HasMainnetSizes() || !interop.HasMainnetSizes() || MinimalConfig().HasMainnetSizes() {
		t.Fatal("mainnet sizes are decided by the container sizes, not the slots per epoch or the name")
	}
	small, err := NewChainConfig("mainnet", MinimalConfig().Values)
	if err != nil || small.HasMainnetSizes() {
		t.Fatal("a chain called mainnet with minimal sizes has mainnet sizes")
	}
}
