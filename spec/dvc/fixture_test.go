package dvc

import (
	"errors"
	"slices"
	"sync"
	"testing"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// The test cluster: the validator key is interop key 1, shared with
// spec/bls.Split (seed "dvc-test"); the validator's registry index is 42;
// the chain uses the minimal preset (8 slots per epoch) with every fork up
// to the chosen one active from genesis. Expected outputs are built from
// these keys directly (bls.Sign over signing roots from spec/signing), never
// from the state machine's own helpers.
const testValidatorIndex = phase0.ValidatorIndex(42)

var testGVR = phase0.Root{0x47, 0x56, 0x52}

type keySet struct {
	sk     bls.SecretKey
	pk     phase0.BLSPubKey
	shares []bls.Share
	pubs   map[uint64]phase0.BLSPubKey
}

var (
	keyMu    sync.Mutex
	keyCache = map[[2]int]*keySet{}
)

func testKeys(t testing.TB, n, m int) *keySet {
	t.Helper()
	keyMu.Lock()
	defer keyMu.Unlock()
	if k, ok := keyCache[[2]int{n, m}]; ok {
		return k
	}
	sk, err := bls.InteropSecretKey(1)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	shares, err := bls.Split(sk, m, n, []byte("dvc-test"))
	if err != nil {
		t.Fatal(err)
	}
	pubs := map[uint64]phase0.BLSPubKey{}
	for _, s := range shares {
		ps, err := s.PublicShare()
		if err != nil {
			t.Fatal(err)
		}
		pubs[s.Index] = ps.PublicKey
	}
	k := &keySet{sk: sk, pk: pk, shares: shares, pubs: pubs}
	keyCache[[2]int{n, m}] = k
	registerKeys(k)
	return k
}

type cluster struct {
	t     testing.TB
	n, m  int
	fork  eth2spec.DataVersion
	chain signing.Chain
	keys  *keySet
	mode  Mode
}

func newCluster(t testing.TB, n int, fork eth2spec.DataVersion, mode Mode) *cluster {
	t.Helper()
	forks, err := signing.MinimalForkSchedule(fork)
	if err != nil {
		t.Fatal(err)
	}
	m := spec.Threshold(n)
	chain, err := signing.NewChain(forks, testGVR, spec.MinimalConfig())
	if err != nil {
		t.Fatal(err)
	}
	return &cluster{
		t: t, n: n, m: m, fork: fork, mode: mode,
		chain: chain,
		keys:  testKeys(t, n, m),
	}
}

// cfg is the config of the node with share index i (1..n).
func (c *cluster) cfg(i int) *Config {
	peers := make([]uint64, c.n)
	for j := range peers {
		peers[j] = uint64(j + 1)
	}
	return &Config{
		Chain:      c.chain,
		Validator:  spec.ValidatorIdentity{Pubkey: c.keys.pk, Index: testValidatorIndex},
		ShareIndex: uint64(i), Peers: peers, PublicShares: c.keys.pubs, Threshold: c.m, Mode: c.mode,
	}
}

func (c *cluster) oracles(i int) Oracles {
	if c.mode == ModeVCMiddleware {
		return Oracles{}
	}
	return Oracles{Signer: KeyShareSigner{Share: c.keys.shares[i-1]}}
}

func (c *cluster) peers() []uint64 {
	out := make([]uint64, c.n)
	for j := range out {
		out[j] = uint64(j + 1)
	}
	return out
}

func (c *cluster) fresh(i int) *State {
	st, err := NewState(c.cfg(i), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return st
}

func (c *cluster) id(d consensus.DutyType, slot phase0.Slot) consensus.InstanceID {
	return consensus.InstanceID{Validator: c.keys.pk, DutyType: uint64(d), Slot: slot}
}

// attDuty is the validator's attester duty at slot: committee index 1 of 2,
// committee of 8, validator at position 5 (so the Dafny bits, from
// validator index 42, and the Ethereum bits differ).
func (c *cluster) attDuty(slot phase0.Slot) *spec.AttestationDuty {
	return &spec.AttestationDuty{Pubkey: c.keys.pk, ValidatorIndex: testValidatorIndex, CommitteeIndex: 1,
		CommitteeLength: 8, CommitteesAtSlot: 2, ValidatorCommitteeIndex: 5, Slot: slot}
}

func (c *cluster) electra() bool { return c.fork >= eth2spec.DataVersionElectra }

// attData is attestation data for slot: target = epoch of slot, source =
// target - 1 (or srcOverride), block root tagged with tag.
func (c *cluster) attData(slot phase0.Slot, tag byte) *phase0.AttestationData {
	target := phase0.Epoch(uint64(slot) / 8)
	return c.attDataEpochs(slot, target-1, target, tag)
}

func (c *cluster) attDataEpochs(slot phase0.Slot, source, target phase0.Epoch, tag byte) *phase0.AttestationData {
	index := phase0.CommitteeIndex(1)
	if c.electra() {
		index = 0
	}
	return &phase0.AttestationData{
		Slot: slot, Index: index, BeaconBlockRoot: phase0.Root{0xbb, tag, byte(slot)},
		Source: &phase0.Checkpoint{Epoch: source, Root: phase0.Root{0x50, byte(source)}},
		Target: &phase0.Checkpoint{Epoch: target, Root: phase0.Root{0x7a, byte(target), tag}},
	}
}

func (c *cluster) attInput(d *phase0.AttestationData) signing.SigningInput {
	in, err := c.chain.AttestationData(d)
	if err != nil {
		c.t.Fatal(err)
	}
	return in
}

func (c *cluster) signShare(i int, root phase0.Root) phase0.BLSSignature {
	sig, err := memoSign(c.keys.shares[i-1].SecretKey, root)
	if err != nil {
		c.t.Fatal(err)
	}
	return sig
}

func (c *cluster) signValidator(root phase0.Root) phase0.BLSSignature {
	sig, err := memoSign(c.keys.sk, root)
	if err != nil {
		c.t.Fatal(err)
	}
	return sig
}

// ethBits is the Ethereum aggregation bits of attDuty, built by hand:
// 8 bits, bit 5 set, length bit at position 8.
func ethBits() bitfield.Bitlist { return bitfield.Bitlist{0x20, 0x01} }

// attShare is node i's attestation share of data for the duty at data.Slot.
func (c *cluster) attShare(i int, data *phase0.AttestationData) *networking.AttestationShare {
	return &networking.AttestationShare{Data: data, AggregationBits: ethBits(), CommitteeIndex: 1,
		ValidatorIndex: testValidatorIndex, Signature: c.signShare(i, c.attInput(data).SigningRoot), ShareIndex: uint64(i)}
}

// submittedAtt is the combined attestation, signed by the validator key.
func (c *cluster) submittedAtt(data *phase0.AttestationData) SubmitAttestation {
	sig := c.signValidator(c.attInput(data).SigningRoot)
	if c.electra() {
		return SubmitAttestation{Attestation: &networking.SignedAttestation{Version: c.fork,
			Electra: &electra.SingleAttestation{CommitteeIndex: 1, AttesterIndex: testValidatorIndex, Data: data, Signature: sig}}}
	}
	return SubmitAttestation{Attestation: &networking.SignedAttestation{Version: c.fork,
		Phase0: &phase0.Attestation{AggregationBits: ethBits(), Data: data, Signature: sig}}}
}

func (c *cluster) decided(data *phase0.AttestationData) AttestationConsensusDecided {
	return AttestationConsensusDecided{ID: c.id(consensus.DutyAttester, data.Slot), Data: data}
}

// --- blocks ---------------------------------------------------------------

// block builds a minimal well-formed block of the cluster's fork (Deneb or
// Electra shapes) at slot by proposer, with the given RANDAO reveal,
// graffiti tag and attestations (Deneb: phase0 attestations, Electra:
// electra attestations).
func (c *cluster) block(slot phase0.Slot, proposer phase0.ValidatorIndex, reveal phase0.BLSSignature, tag byte, atts ...any) *eth2spec.VersionedBeaconBlock {
	eth1 := &phase0.ETH1Data{BlockHash: make([]byte, 32)}
	sa := &altair.SyncAggregate{SyncCommitteeBits: make([]byte, c.chain.Config.SyncCommitteeSize/8)}
	graffiti := [32]byte{tag}
	if c.electra() {
		var list []*electra.Attestation
		for _, a := range atts {
			list = append(list, a.(*electra.Attestation))
		}
		return &eth2spec.VersionedBeaconBlock{Version: c.fork, Electra: &electra.BeaconBlock{
			Slot: slot, ProposerIndex: proposer, ParentRoot: phase0.Root{0x9a}, StateRoot: phase0.Root{0x5a, byte(slot)},
			Body: &electra.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: eth1, Graffiti: graffiti, Attestations: list,
				SyncAggregate: sa, ExecutionPayload: &deneb.ExecutionPayload{}, ExecutionRequests: &electra.ExecutionRequests{}}}}
	}
	var list []*phase0.Attestation
	for _, a := range atts {
		list = append(list, a.(*phase0.Attestation))
	}
	return &eth2spec.VersionedBeaconBlock{Version: c.fork, Deneb: &deneb.BeaconBlock{
		Slot: slot, ProposerIndex: proposer, ParentRoot: phase0.Root{0x9a}, StateRoot: phase0.Root{0x5a, byte(slot)},
		Body: &deneb.BeaconBlockBody{RANDAOReveal: reveal, ETH1Data: eth1, Graffiti: graffiti, Attestations: list,
			SyncAggregate: sa, ExecutionPayload: &deneb.ExecutionPayload{}}}}
}

// committee is the committee of (slot, index) in the test chain: 8
// validators 100.., with the validator at position 5 of committee 1.
func committee(slot phase0.Slot, index phase0.CommitteeIndex) *BeaconCommittee {
	vs := make([]phase0.ValidatorIndex, 8)
	for i := range vs {
		vs[i] = phase0.ValidatorIndex(100 + 10*uint64(index) + uint64(i))
	}
	if index == 1 {
		vs[5] = testValidatorIndex
	}
	return &BeaconCommittee{Slot: slot, Index: index, Validators: vs}
}

// onChainAtt is an aggregate including the validator's vote on data (its
// bit set, plus bit 0 of another member), in the cluster's fork shape.
func (c *cluster) onChainAtt(data *phase0.AttestationData, withMine bool) any {
	bits := bitfield.NewBitlist(8)
	bits.SetBitAt(0, true)
	if withMine {
		bits.SetBitAt(5, true)
	}
	if c.electra() {
		// Committees 0 and 1 (8 members each): the validator's position 5
		// of committee 1 is bit 8+5.
		eb := bitfield.NewBitlist(16)
		eb.SetBitAt(0, true)
		if withMine {
			eb.SetBitAt(13, true)
		}
		cb := bitfield.Bitvector64(make([]byte, 1)) // Bitvector[MAX_COMMITTEES_PER_SLOT = 4] of the minimal preset
		cb[0] = 0b11                                // committees 0 and 1 (SetBitAt refuses a Bitvector64 of another size)
		return &electra.Attestation{AggregationBits: eb, Data: data, CommitteeBits: cb}
	}
	return &phase0.Attestation{AggregationBits: bits, Data: data}
}

// imported is an ImportedNewBlock of a block by another proposer carrying
// the given attestations, with the committees they need.
func (c *cluster) imported(slot phase0.Slot, atts ...*phase0.AttestationData) ImportedNewBlock {
	var list []any
	var committees []*BeaconCommittee
	for _, d := range atts {
		list = append(list, c.onChainAtt(d, true))
		committees = append(committees, committee(d.Slot, 0), committee(d.Slot, 1))
	}
	vi := testValidatorIndex
	return ImportedNewBlock{Block: c.block(slot, 7, phase0.BLSSignature{}, 0, list...), ValidatorIndex: &vi, Committees: committees}
}

func (c *cluster) propDuty(slot phase0.Slot) *spec.ProposerDuty {
	return &spec.ProposerDuty{Pubkey: c.keys.pk, ValidatorIndex: testValidatorIndex, Slot: slot}
}

func (c *cluster) randaoInput(slot phase0.Slot) signing.SigningInput {
	in, err := c.chain.RandaoReveal(phase0.Epoch(uint64(slot) / 8))
	if err != nil {
		c.t.Fatal(err)
	}
	return in
}

func (c *cluster) randaoShare(i int, slot phase0.Slot) *networking.RandaoShare {
	return &networking.RandaoShare{Slot: slot, ValidatorIndex: testValidatorIndex, Signature: c.signShare(i, c.randaoInput(slot).SigningRoot), ShareIndex: uint64(i)}
}

func (c *cluster) reveal(slot phase0.Slot) phase0.BLSSignature {
	return c.signValidator(c.randaoInput(slot).SigningRoot)
}

func (c *cluster) blockInput(b *eth2spec.VersionedBeaconBlock) signing.SigningInput {
	in, err := c.chain.BeaconBlock(b)
	if err != nil {
		c.t.Fatal(err)
	}
	return in
}

func (c *cluster) versioned(b *eth2spec.VersionedBeaconBlock) *networking.VersionedBlock {
	v, err := networking.NewVersionedBlock(c.chain, b)
	if err != nil {
		c.t.Fatal(err)
	}
	return v
}

func (c *cluster) blockShare(i int, b *eth2spec.VersionedBeaconBlock) *networking.BlockShare {
	return &networking.BlockShare{Block: c.versioned(b), Signature: c.signShare(i, c.blockInput(b).SigningRoot), ShareIndex: uint64(i)}
}

func (c *cluster) dvBlock(slot phase0.Slot, tag byte) *eth2spec.VersionedBeaconBlock {
	return c.block(slot, testValidatorIndex, c.reveal(slot), tag)
}

// --- running ---------------------------------------------------------------

// step is one event of a scenario and what it must produce.
type step struct {
	ev      Event
	want    []Output
	wantErr error
	check   func(t *testing.T, st *State)
}

// scenario is a conformance-vector shaped table test: a cluster, the node
// whose state machine runs, setup events that build the pre-state (their
// outputs are not checked, they must not fail), then checked steps.
type scenario struct {
	name  string
	n     int
	fork  eth2spec.DataVersion
	mode  Mode
	node  int
	pre   *slashing.SlashingDB
	setup func(c *cluster) []Event
	steps func(c *cluster) []step
}

var outputCmp = []cmp.Option{
	cmpopts.IgnoreFields(Ignored{}, "Detail"),
	cmpopts.EquateEmpty(),
}

func (sc scenario) run(t *testing.T) {
	t.Helper()
	if sc.n == 0 {
		sc.n = 4
	}
	if sc.fork == eth2spec.DataVersionUnknown {
		sc.fork = eth2spec.DataVersionElectra
	}
	if sc.mode == 0 {
		sc.mode = ModeRemoteSigner
	}
	if sc.node == 0 {
		sc.node = 1
	}
	c := newCluster(t, sc.n, sc.fork, sc.mode)
	cfg, o := c.cfg(sc.node), c.oracles(sc.node)
	st, err := NewState(cfg, sc.pre)
	if err != nil {
		t.Fatal(err)
	}
	if sc.setup != nil {
		for i, ev := range sc.setup(c) {
			if st, _, err = Step(cfg, st, ev, o); err != nil {
				t.Fatalf("setup event %d (%s): %v", i, ev.EventName(), err)
			}
		}
	}
	for i, s := range sc.steps(c) {
		before := mustRoot(t, st)
		next, out, err := Step(cfg, st, s.ev, o)
		if after := mustRoot(t, st); after != before {
			t.Fatalf("step %d (%s) changed its input state", i, s.ev.EventName())
		}
		if s.wantErr != nil {
			if !errors.Is(err, s.wantErr) {
				t.Fatalf("step %d (%s): error %v, want %v", i, s.ev.EventName(), err, s.wantErr)
			}
			if next != st || len(out) != 0 {
				t.Fatalf("step %d (%s): a failed step must return the input state and no output", i, s.ev.EventName())
			}
		} else if err != nil {
			t.Fatalf("step %d (%s): %v", i, s.ev.EventName(), err)
		}
		if diff := cmp.Diff(s.want, out, outputCmp...); diff != "" {
			t.Fatalf("step %d (%s): outputs (-want +got):\n%s", i, s.ev.EventName(), diff)
		}
		st = next
		checkSnapshotRoundTrip(t, cfg, st)
		if s.check != nil {
			s.check(t, st)
		}
	}
}

func mustRoot(t testing.TB, st *State) phase0.Root {
	t.Helper()
	r, err := st.HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkSnapshotRoundTrip: SSZ(snapshot) decodes, rebuilds a state with the
// same snapshot bytes and root.
func checkSnapshotRoundTrip(t testing.TB, cfg *Config, st *State) {
	t.Helper()
	raw, err := st.Snapshot().MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := DecodeSnapshot(raw)
	if err != nil {
		t.Fatal(err)
	}
	back, err := StateFromSnapshot(cfg, snap)
	if err != nil {
		t.Fatal(err)
	}
	again, err := back.Snapshot().MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(raw) {
		t.Fatal("snapshot does not round-trip")
	}
}

// dbHasAttestation reports whether the DB holds a record of data with its
// signing root.
func (c *cluster) dbHasAttestation(st *State, data *phase0.AttestationData) bool {
	root := c.attInput(data).SigningRoot
	d := slashing.GetSlashingDBDataForPubkey(st.SlashingDB(), c.keys.pk)
	return slices.ContainsFunc(d.SignedAttestations, func(r *slashing.SlashingDBAttestation) bool {
		return r.SourceEpoch == data.Source.Epoch && r.TargetEpoch == data.Target.Epoch && r.SigningRoot != nil && *r.SigningRoot == root
	})
}

func encodeData(t testing.TB, d *phase0.AttestationData) []byte {
	t.Helper()
	b, err := consensus.EncodeAttestationData(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// proposerReady serves the duty at slot and delivers the RANDAO shares of
// nodes 1..m, so the block instance is running.
func (c *cluster) proposerReady(slot phase0.Slot) []Event {
	evs := []Event{ServeProposerDuty{Duty: c.propDuty(slot)}}
	for i := 1; i <= c.m; i++ {
		evs = append(evs, ReceivedRandaoShare{Share: c.randaoShare(i, slot)})
	}
	return evs
}

func mustEncodeBlock(t testing.TB, c *cluster, b *eth2spec.VersionedBeaconBlock) []byte {
	t.Helper()
	v, err := consensus.EncodeBlock(c.chain, b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (c *cluster) blockDecided(b *eth2spec.VersionedBeaconBlock) BlockConsensusDecided {
	slot, _ := b.Slot()
	return BlockConsensusDecided{ID: c.id(consensus.DutyProposer, slot), Block: b}
}
