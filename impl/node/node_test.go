package node

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/impl/beaconclient"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/slashingstore"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

func TestBLSMemoIsVerify(t *testing.T) {
	sk, _ := bls.InteropSecretKey(3)
	pk, _ := sk.PublicKey()
	other, _ := bls.InteropSecretKey(4)
	opk, _ := other.PublicKey()
	msg := []byte("0123456789abcdef0123456789abcdef")
	sig, _ := bls.Sign(sk, msg)
	var infinityPK phase0.BLSPubKey
	infinityPK[0] = 0xc0
	var infinitySig phase0.BLSSignature
	infinitySig[0] = 0xc0
	var garbage phase0.BLSSignature
	garbage[5] = 1
	m := newBLSMemo()
	cases := []struct {
		pk  phase0.BLSPubKey
		sig phase0.BLSSignature
	}{{pk, sig}, {opk, sig}, {infinityPK, sig}, {pk, infinitySig}, {pk, garbage}, {phase0.BLSPubKey{1}, sig}}
	for round := 0; round < 2; round++ { // the second round answers from the memo
		for i, c := range cases {
			if got, want := m.Verify(c.pk, msg, c.sig), bls.Verify(c.pk, msg, c.sig); got != want {
				t.Errorf("round %d case %d: memo %v, bls.Verify %v", round, i, got, want)
			}
		}
	}
	// The batch verifier gives the same answers, valid and invalid
	// signatures mixed in one batch.
	bv := &batchVerifier{b: newBLSMemo()}
	var jobs []verifyJob
	var want []bool
	for i := 0; i < 12; i++ {
		k, _ := bls.InteropSecretKey(uint64(10 + i))
		p, _ := k.PublicKey()
		root := [32]byte{byte(i)}
		s, _ := bls.Sign(k, root[:])
		if i == 5 {
			s = sig
		}
		jobs = append(jobs, verifyJob{pk: p, root: root, sig: s})
		want = append(want, bls.Verify(p, root[:], s))
	}
	bv.check(jobs)
	for i, j := range jobs {
		k := j.key()
		got, ok := bv.b.m.get(k)
		if !ok || got != want[i] {
			t.Errorf("batch job %d: %v (known %v), want %v", i, got, ok, want[i])
		}
	}
	// Small batches (checked with one multi-pairing from minBatch on):
	// valid ones, and ones holding the invalid job 5.
	for _, r := range [][2]int{{0, 2}, {4, 6}, {5, 7}, {3, 6}} {
		bv := &batchVerifier{b: newBLSMemo()}
		bv.check(jobs[r[0]:r[1]])
		for i := r[0]; i < r[1]; i++ {
			got, ok := bv.b.m.get(jobs[i].key())
			if !ok || got != want[i] {
				t.Errorf("batch %v job %d: %v (known %v), want %v", r, i, got, ok, want[i])
			}
		}
	}
}

// TestRestartStartsFromTheDiskSlashingDB: a node whose slashing DB on disk
// records an attestation signed before a crash starts its DVC states from
// that history, so after a restart it refuses to sign a conflicting
// attestation for the same target (the DVC's own predicate refuses it
// before the signer is asked).
func TestRestartStartsFromTheDiskSlashingDB(t *testing.T) {
	dir := t.TempDir()
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	gvr := phase0.Root{0x11}
	chain, err := signing.NewChain(forks, gvr, spec.MainnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	def, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("restart"),
		Network: cluster.NetworkFromSchedule("devnet", gvr, 32, forks)})
	if err != nil {
		t.Fatal(err)
	}
	cv := def.Validators[0]
	self := uint64(2)
	sharePK := cv.PublicShares[self-1]
	duty := &spec.AttestationDuty{Pubkey: cv.PublicKey, ValidatorIndex: phase0.ValidatorIndex(cv.ValidatorIndex[0]), CommitteeLength: 4, CommitteesAtSlot: 1, ValidatorCommitteeIndex: 1, Slot: 3}
	signed := &phase0.AttestationData{Slot: 3, BeaconBlockRoot: phase0.Root{1}, Source: &phase0.Checkpoint{}, Target: &phase0.Checkpoint{}}
	in, err := chain.AttestationData(signed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "slashing.db")
	store, err := slashingstore.Open(path, gvr)
	if err != nil {
		t.Fatal(err)
	}
	root := in.SigningRoot
	if err := store.RecordAttestation(sharePK, &slashing.SlashingDBAttestation{SourceEpoch: 0, TargetEpoch: 0, SigningRoot: &root}); err != nil {
		t.Fatal(err)
	}
	// Restart: a new node on the same store.
	nodeKey, err := keys.ReadNodeKeyFile(filepath.Join(keys.NodeDir(dir, self), keys.NodeKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	bn, err := beaconclient.New(beaconclient.Config{URLs: []string{"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer bn.Close()
	signer, err := remotesigner.NewServer(remotesigner.Config{Forks: forks, SlotsPerEpoch: 32, GenesisValidatorsRoot: gvr, Slashing: store})
	if err != nil {
		t.Fatal(err)
	}
	// A chain without its chain config would hash with the mainnet sizes
	// whatever the beacon node's are: refused.
	literal := signing.Chain{Forks: forks, GenesisValidatorsRoot: gvr, SlotsPerEpoch: 32}
	if _, err := New(Config{Cluster: def, Self: self, NodeKey: nodeKey, Chain: literal,
		Genesis: time.Now(), SlotDuration: time.Second, BeaconNode: bn, Signer: signer, Slashing: store,
		Transport: NewMemNetwork().Endpoint(self)}); err == nil || !strings.Contains(err.Error(), "chain config") {
		t.Fatalf("a chain without a chain config: %v", err)
	}
	n, err := New(Config{Cluster: def, Self: self, NodeKey: nodeKey, Chain: chain,
		Genesis: time.Now(), SlotDuration: time.Second, BeaconNode: bn, Signer: signer, Slashing: store,
		Transport: NewMemNetwork().Endpoint(self)})
	if err != nil {
		t.Fatal(err)
	}
	v := n.vals[cv.PublicKey]
	db := v.st.SlashingDB()
	d := slashing.GetSlashingDBDataForPubkey(db, cv.PublicKey)
	if d == nil || len(d.SignedAttestations) != 1 || *d.SignedAttestations[0].SigningRoot != root {
		t.Fatalf("the DVC state does not hold the disk history: %+v", d)
	}
	// A decision for other data with the same target is not signed.
	st, outs, err := dvc.Step(v.cfg, v.st, dvc.ServeAttestationDuty{Duty: duty}, dvc.Oracles{Signer: &loopSigner{v: v}})
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 1 {
		t.Fatalf("serving the duty: %v", outs)
	}
	other := *signed
	other.BeaconBlockRoot = phase0.Root{2}
	id := consensus.InstanceID{Cluster: n.cluster, Validator: cv.PublicKey, DutyType: uint64(consensus.DutyAttester), Slot: 3}
	if err := dvc.ValidityFor(v.cfg, st, id)(mustEncode(t, &other)); err == nil {
		t.Fatal("the predicate accepts data conflicting with the disk history")
	}
	ls := &loopSigner{v: v}
	_, outs, err = dvc.Step(v.cfg, st, dvc.AttestationConsensusDecided{ID: id, Data: &other}, dvc.Oracles{Signer: ls})
	if err != nil {
		t.Fatal(err)
	}
	if ls.missing != nil {
		t.Fatal("the node asked its signer to sign a slashable attestation")
	}
	if len(outs) == 0 {
		t.Fatal("no output")
	}
	if ig, ok := outs[0].(dvc.Ignored); !ok || ig.Reason != dvc.IgnoredDecidedInvalid {
		t.Fatalf("outputs %v, want the decision ignored as invalid", outs)
	}
}

func mustEncode(t *testing.T, d *phase0.AttestationData) []byte {
	b, err := consensus.EncodeAttestationData(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
