package networking

import (
	"bytes"
	"errors"
	"testing"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
)

type fixture struct {
	t      testing.TB
	chain  signing.Chain
	sk     bls.SecretKey
	pk     phase0.BLSPubKey
	shares []bls.Share
	v      Verifier
	fork   eth2spec.DataVersion
}

// newFixture: interop key 2 shared 3-of-4, minimal fork versions with every
// fork up to fork active from genesis, 8 slots per epoch.
func newFixture(t testing.TB, fork eth2spec.DataVersion) *fixture {
	t.Helper()
	forks, err := signing.MinimalForkSchedule(fork)
	if err != nil {
		t.Fatal(err)
	}
	chain := signing.Chain{Forks: forks, GenesisValidatorsRoot: phase0.Root{9}, SlotsPerEpoch: 8}
	sk, err := bls.InteropSecretKey(2)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	shares, err := bls.Split(sk, 3, 4, []byte("networking-test"))
	if err != nil {
		t.Fatal(err)
	}
	pubs := map[uint64]phase0.BLSPubKey{}
	for _, s := range shares {
		p, err := s.PublicShare()
		if err != nil {
			t.Fatal(err)
		}
		pubs[s.Index] = p.PublicKey
	}
	return &fixture{t: t, chain: chain, sk: sk, pk: pk, shares: shares, fork: fork,
		v: Verifier{Chain: chain, ValidatorPubkey: pk, PublicShares: pubs, Threshold: 3}}
}

func (f *fixture) sign(sk bls.SecretKey, root phase0.Root) phase0.BLSSignature {
	sig, err := bls.Sign(sk, root[:])
	if err != nil {
		f.t.Fatal(err)
	}
	return sig
}

func (f *fixture) data(slot phase0.Slot, tag byte) *phase0.AttestationData {
	e := phase0.Epoch(uint64(slot) / 8)
	idx := phase0.CommitteeIndex(2)
	if f.fork >= eth2spec.DataVersionElectra {
		idx = 0
	}
	return &phase0.AttestationData{Slot: slot, Index: idx, BeaconBlockRoot: phase0.Root{tag},
		Source: &phase0.Checkpoint{Epoch: e - 1}, Target: &phase0.Checkpoint{Epoch: e, Root: phase0.Root{tag}}}
}

func (f *fixture) attShare(i int, d *phase0.AttestationData) *AttestationShare {
	in, err := f.chain.AttestationData(d)
	if err != nil {
		f.t.Fatal(err)
	}
	bits := bitfield.NewBitlist(4)
	bits.SetBitAt(1, true)
	return &AttestationShare{Data: d, AggregationBits: bits, CommitteeIndex: 2, ValidatorIndex: 9,
		Signature: f.sign(f.shares[i-1].SecretKey, in.SigningRoot), ShareIndex: uint64(i)}
}

func (f *fixture) block(slot phase0.Slot, tag byte) *eth2spec.VersionedBeaconBlock {
	return &eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionElectra, Electra: &electra.BeaconBlock{
		Slot: slot, ProposerIndex: 9, Body: &electra.BeaconBlockBody{
			ETH1Data: &phase0.ETH1Data{BlockHash: make([]byte, 32)}, Graffiti: [32]byte{tag},
			SyncAggregate:    &altair.SyncAggregate{SyncCommitteeBits: bitfield.NewBitvector512()},
			ExecutionPayload: &deneb.ExecutionPayload{}, ExecutionRequests: &electra.ExecutionRequests{},
		}}}
}

func TestConstructSignedAttestation(t *testing.T) {
	for _, fork := range []eth2spec.DataVersion{eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra} {
		t.Run(fork.String(), func(t *testing.T) {
			f := newFixture(t, fork)
			d := f.data(17, 1)
			in, _ := f.chain.AttestationData(d)
			want := f.sign(f.sk, in.SigningRoot) // the validator key's own signature
			for _, set := range [][]int{{1, 2, 3}, {2, 3, 4}, {4, 1, 3}, {1, 2, 3, 4}} {
				var shares []*AttestationShare
				for _, i := range set {
					shares = append(shares, f.attShare(i, d))
				}
				att, err := ConstructSignedAttestation(f.v, shares)
				if err != nil {
					t.Fatalf("%v: %v", set, err)
				}
				if att.Signature() != want || !bytes.Equal(must(att.Data().MarshalSSZ()), must(d.MarshalSSZ())) {
					t.Fatalf("%v: combined attestation differs from the validator's signature", set)
				}
				if fork >= eth2spec.DataVersionElectra {
					if att.Electra == nil || att.Electra.CommitteeIndex != 2 || att.Electra.AttesterIndex != 9 {
						t.Fatalf("Electra attestation %+v", att)
					}
				} else if att.Phase0 == nil || att.Phase0.AggregationBits.Len() != 4 || !att.Phase0.AggregationBits.BitAt(1) {
					t.Fatalf("phase0 attestation %+v", att)
				}
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestConstructNamedFailures: every failure of construct_signed_* has its
// name.
func TestConstructNamedFailures(t *testing.T) {
	f := newFixture(t, eth2spec.DataVersionElectra)
	d, other := f.data(17, 1), f.data(17, 2)
	bad := f.attShare(3, d)
	bad.Signature = f.attShare(3, other).Signature
	unknown := f.attShare(3, d)
	unknown.ShareIndex = 7
	impostor := f.attShare(3, d)
	impostor.ShareIndex = 4
	cases := []struct {
		name   string
		shares []*AttestationShare
		want   error
	}{
		{"empty", nil, ErrBelowThreshold},
		{"below_threshold", []*AttestationShare{f.attShare(1, d), f.attShare(2, d)}, ErrBelowThreshold},
		{"mixed_data", []*AttestationShare{f.attShare(1, d), f.attShare(2, d), f.attShare(3, other)}, ErrMixedData},
		{"duplicate_signer", []*AttestationShare{f.attShare(1, d), f.attShare(2, d), f.attShare(2, d)}, ErrDuplicateSigner},
		{"invalid_share", []*AttestationShare{f.attShare(1, d), f.attShare(2, d), bad}, ErrInvalidShare},
		{"impostor_share", []*AttestationShare{f.attShare(1, d), f.attShare(2, d), impostor}, ErrInvalidShare},
		{"unknown_signer", []*AttestationShare{f.attShare(1, d), f.attShare(2, d), unknown}, ErrUnknownSigner},
		{"nil_share", []*AttestationShare{f.attShare(1, d), nil, f.attShare(3, d)}, ErrMalformedShare},
		{"no_data", []*AttestationShare{{ShareIndex: 1}, f.attShare(2, d), f.attShare(3, d)}, ErrMalformedShare},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ConstructSignedAttestation(f.v, c.shares); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	t.Run("combined_does_not_verify", func(t *testing.T) {
		v := f.v
		v.ValidatorPubkey = f.v.PublicShares[1] // wrong validator key
		if _, err := ConstructSignedAttestation(v, []*AttestationShare{f.attShare(1, d), f.attShare(2, d), f.attShare(3, d)}); !errors.Is(err, ErrInvalidCombination) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestConstructRandaoBlockSync(t *testing.T) {
	f := newFixture(t, eth2spec.DataVersionElectra)
	// RANDAO.
	rin, _ := f.chain.RandaoReveal(2)
	var rs []*RandaoShare
	for i := 1; i <= 3; i++ {
		rs = append(rs, &RandaoShare{Slot: 20, ValidatorIndex: 9, Signature: f.sign(f.shares[i-1].SecretKey, rin.SigningRoot), ShareIndex: uint64(i)})
	}
	reveal, err := ConstructSignedRandaoReveal(f.v, rs)
	if err != nil || reveal != f.sign(f.sk, rin.SigningRoot) {
		t.Fatalf("RANDAO reveal: %v", err)
	}
	if _, err := ConstructSignedRandaoReveal(f.v, []*RandaoShare{rs[0], rs[1], {Slot: 28, ValidatorIndex: 9, Signature: rs[2].Signature, ShareIndex: 3}}); !errors.Is(err, ErrMixedData) {
		t.Fatalf("RANDAO shares of two slots: %v", err)
	}
	// Block.
	b := f.block(20, 1)
	vb, err := NewVersionedBlock(f.chain, b)
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := f.chain.BeaconBlock(b)
	var bs []*BlockShare
	for i := 2; i <= 4; i++ {
		bs = append(bs, &BlockShare{Block: vb, Signature: f.sign(f.shares[i-1].SecretKey, bin.SigningRoot), ShareIndex: uint64(i)})
	}
	sb, err := ConstructSignedBlock(f.v, bs)
	if err != nil || sb.Signature != f.sign(f.sk, bin.SigningRoot) {
		t.Fatalf("signed block: %v", err)
	}
	vs, err := sb.ToVersioned(f.chain)
	if err != nil || vs.Electra == nil || vs.Electra.Signature != sb.Signature {
		t.Fatalf("ToVersioned: %v", err)
	}
	// Sync committee message.
	root := phase0.Root{0xcc}
	sin, _ := f.chain.SyncCommitteeMessage(20, root)
	var ss []*SyncCommitteeMessageShare
	for i := 1; i <= 3; i++ {
		ss = append(ss, &SyncCommitteeMessageShare{Slot: 20, BeaconBlockRoot: root, ValidatorIndex: 9, Signature: f.sign(f.shares[i-1].SecretKey, sin.SigningRoot), ShareIndex: uint64(i)})
	}
	m, err := ConstructSignedSyncCommitteeSignature(f.v, ss)
	if err != nil || m.Signature != f.sign(f.sk, sin.SigningRoot) || m.BeaconBlockRoot != root || m.ValidatorIndex != 9 {
		t.Fatalf("sync committee message: %v", err)
	}
}

// TestVersionedBlockIsTheProposerValue: the SSZ encoding of a
// VersionedBlock is exactly the proposer consensus value.
func TestVersionedBlockIsTheProposerValue(t *testing.T) {
	f := newFixture(t, eth2spec.DataVersionElectra)
	b := f.block(20, 3)
	vb, err := NewVersionedBlock(f.chain, b)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := vb.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	value, err := consensus.EncodeBlock(f.chain, b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, value) {
		t.Fatal("VersionedBlock SSZ differs from consensus.EncodeBlock")
	}
	back, err := consensus.DecodeBlock(f.chain, value)
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := back.Root()
	r2, _ := b.Root()
	if r1 != r2 {
		t.Fatal("block does not round-trip")
	}
	// A block of another fork than the one in force is refused.
	deneb := &eth2spec.VersionedBeaconBlock{Version: eth2spec.DataVersionDeneb, Deneb: &deneb.BeaconBlock{Slot: 20, Body: &deneb.BeaconBlockBody{
		ETH1Data: &phase0.ETH1Data{BlockHash: make([]byte, 32)}, SyncAggregate: &altair.SyncAggregate{SyncCommitteeBits: bitfield.NewBitvector512()}, ExecutionPayload: &deneb.ExecutionPayload{}}}}
	if _, err := consensus.EncodeBlock(f.chain, deneb); !errors.Is(err, consensus.ErrInvalidValue) {
		t.Fatalf("wrong-fork block encoded: %v", err)
	}
	// Unknown fork version, bad offset, trailing garbage.
	for _, v := range [][]byte{
		append([]byte{9, 9, 9, 9}, value[4:]...),
		append(append([]byte{}, value[:4]...), append([]byte{9, 0, 0, 0}, value[8:]...)...),
		append(append([]byte{}, value...), 0),
		value[:7],
	} {
		if _, err := consensus.DecodeBlock(f.chain, v); err == nil {
			t.Fatal("malformed block value decoded")
		}
	}
}

func TestConsensusValuesRoundTrip(t *testing.T) {
	f := newFixture(t, eth2spec.DataVersionElectra)
	d := f.data(17, 1)
	v, err := consensus.EncodeAttestationData(d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := consensus.DecodeAttestationData(v)
	if err != nil || !bytes.Equal(must(back.MarshalSSZ()), v) {
		t.Fatalf("attestation data: %v", err)
	}
	if _, err := consensus.DecodeAttestationData(v[:10]); !errors.Is(err, consensus.ErrInvalidValue) {
		t.Fatal("short attestation data decoded")
	}
	if _, err := consensus.EncodeAttestationData(&phase0.AttestationData{}); err == nil {
		t.Fatal("data without checkpoints encoded")
	}
	c := &altair.SyncCommitteeContribution{Slot: 3, BeaconBlockRoot: phase0.Root{1}, AggregationBits: bitfield.NewBitvector128()}
	mainnet := signing.Chain{} // go-eth2-client's mainnet sizes
	cv, err := consensus.EncodeSyncCommitteeContribution(mainnet, c)
	if err != nil {
		t.Fatal(err)
	}
	if cb, err := consensus.DecodeSyncCommitteeContribution(mainnet, cv); err != nil || cb.BeaconBlockRoot != c.BeaconBlockRoot {
		t.Fatalf("contribution: %v", err)
	}
	if _, err := consensus.DecodeSyncCommitteeContribution(mainnet, append(cv, 1)); err == nil {
		t.Fatal("long contribution decoded")
	}
	// Under the minimal config the aggregation bits are one byte (8 bits):
	// the value encodes in that shape and the mainnet shape is refused.
	forks, err := signing.MinimalForkSchedule(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	minimal, err := signing.NewChain(forks, phase0.Root{9}, spec.MinimalConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := consensus.EncodeSyncCommitteeContribution(minimal, c); err == nil {
		t.Fatal("a 128-bit contribution encoded under the minimal config")
	}
	small := *c
	small.AggregationBits = []byte{0x81}
	mv, err := consensus.EncodeSyncCommitteeContribution(minimal, &small)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := consensus.DecodeSyncCommitteeContribution(minimal, mv); err != nil || back.AggregationBits[0] != 0x81 {
		t.Fatalf("minimal contribution: %v", err)
	}
	if _, err := consensus.DecodeSyncCommitteeContribution(mainnet, mv); err == nil {
		t.Fatal("a minimal contribution decoded with the mainnet sizes")
	}
	if _, err := consensus.EncodeSyncCommitteeContribution(mainnet, &small); err == nil {
		t.Fatal("an 8-bit contribution encoded with the mainnet sizes")
	}
}

func TestMessageWireRoundTrip(t *testing.T) {
	f := newFixture(t, eth2spec.DataVersionElectra)
	vb, err := NewVersionedBlock(f.chain, f.block(20, 1))
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{
		f.attShare(1, f.data(17, 1)),
		&RandaoShare{Slot: 20, ValidatorIndex: 9, Signature: phase0.BLSSignature{1}, ShareIndex: 2},
		&BlockShare{Block: vb, Signature: phase0.BLSSignature{2}, ShareIndex: 3},
		&SyncCommitteeMessageShare{Slot: 20, BeaconBlockRoot: phase0.Root{4}, ValidatorIndex: 9, Signature: phase0.BLSSignature{3}, ShareIndex: 4},
		&AggregationShare{Type: uint64(ShareSyncSelectionProof), Slot: 20, SubcommitteeIndex: 2, ValidatorIndex: 9, SigningRoot: phase0.Root{5}, Signature: phase0.BLSSignature{4}, ShareIndex: 1},
	}
	for _, m := range msgs {
		raw, err := MarshalMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := UnmarshalMessage(raw)
		if err != nil {
			t.Fatalf("%s: %v", m.Kind(), err)
		}
		r1, _ := m.HashTreeRoot()
		r2, _ := back.HashTreeRoot()
		if r1 != r2 || back.Kind() != m.Kind() || back.Signer() != m.Signer() {
			t.Fatalf("%s does not round-trip", m.Kind())
		}
		mr1, err1 := m.MessageRoot()
		c, _ := UnmarshalMessage(raw)
		switch x := c.(type) {
		case *AttestationShare:
			x.Signature, x.ShareIndex = phase0.BLSSignature{9}, 9
		case *RandaoShare:
			x.Signature, x.ShareIndex = phase0.BLSSignature{9}, 9
		case *BlockShare:
			x.Signature, x.ShareIndex = phase0.BLSSignature{9}, 9
		case *SyncCommitteeMessageShare:
			x.Signature, x.ShareIndex = phase0.BLSSignature{9}, 9
		case *AggregationShare:
			x.Signature, x.ShareIndex = phase0.BLSSignature{9}, 9
		}
		mr2, err2 := c.MessageRoot()
		if err1 != nil || err2 != nil || mr1 != mr2 {
			t.Fatalf("%s: the message root depends on signature or signer", m.Kind())
		}
		slot, err := m.SignedSlot()
		if err != nil || (slot != 17 && slot != 20) {
			t.Fatalf("%s: slot %d %v", m.Kind(), slot, err)
		}
		if vi, err := m.Validator(); err != nil || vi != 9 {
			t.Fatalf("%s: validator %d %v", m.Kind(), vi, err)
		}
	}
	for _, raw := range [][]byte{nil, {0}, {9, 1, 2}, {1, 1, 2, 3}} {
		if _, err := UnmarshalMessage(raw); !errors.Is(err, ErrMalformedShare) {
			t.Fatalf("%x decoded: %v", raw, err)
		}
	}
}

func TestVerifyShare(t *testing.T) {
	f := newFixture(t, eth2spec.DataVersionDeneb)
	s := f.attShare(1, f.data(17, 1))
	if err := f.v.VerifyShare(s); err != nil {
		t.Fatal(err)
	}
	bad := *s
	bad.CommitteeIndex = 3 // before Electra it must equal data.index
	if err := f.v.VerifyShare(&bad); !errors.Is(err, ErrMalformedShare) {
		t.Fatalf("committee index mismatch: %v", err)
	}
	bad = *s
	bad.AggregationBits = bitfield.Bitlist{0x07} // two bits set
	if err := f.v.VerifyShare(&bad); !errors.Is(err, ErrMalformedShare) {
		t.Fatalf("two bits: %v", err)
	}
	var nilShare *AttestationShare
	if err := f.v.VerifyShare(nilShare); !errors.Is(err, ErrMalformedShare) {
		t.Fatalf("nil: %v", err)
	}
	// A memoising verify hook gives the same answers.
	calls := 0
	v := f.v
	v.Verify = func(pk phase0.BLSPubKey, msg []byte, sig phase0.BLSSignature) bool {
		calls++
		return bls.Verify(pk, msg, sig)
	}
	if err := v.VerifyShare(s); err != nil || calls != 1 {
		t.Fatalf("hook: %v, %d calls", err, calls)
	}
}

// FuzzUnmarshalMessage: the wire decoder never panics, and what it accepts
// re-encodes to the same bytes.
func FuzzUnmarshalMessage(f *testing.F) {
	fx := newFixture(f, eth2spec.DataVersionElectra)
	for _, m := range []Message{fx.attShare(1, fx.data(17, 1)), &RandaoShare{Slot: 1}, &SyncCommitteeMessageShare{}, &AggregationShare{Type: 3, Slot: 2}} {
		raw, _ := MarshalMessage(m)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := UnmarshalMessage(b)
		if err != nil {
			return
		}
		again, err := MarshalMessage(m)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatal("accepted a non-canonical message")
		}
		_, _ = fx.v.SigningInput(m)
		_, _ = m.MessageRoot()
	})
}

// FuzzDecodeBlockValue: the proposer value decoder never panics and accepts
// only canonical encodings.
func FuzzDecodeBlockValue(f *testing.F) {
	fx := newFixture(f, eth2spec.DataVersionElectra)
	v, err := consensus.EncodeBlock(fx.chain, fx.block(20, 1))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v)
	f.Fuzz(func(t *testing.T, b []byte) {
		blk, err := consensus.DecodeBlock(fx.chain, b)
		if err != nil {
			return
		}
		again, err := consensus.EncodeBlock(fx.chain, blk)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatal("accepted a non-canonical block value")
		}
	})
}

var _ sszutil.Codec = (*AttestationShare)(nil)

// TestAggregationShareStructure: a selection proof share must carry the
// signing root its slot (and subcommittee) give; the subcommittee must be
// zero for attestation aggregation and a real subnet for sync; unknown
// types are malformed. All shares of a message combine into the validator
// key's signature of it.
func TestAggregationShareStructure(t *testing.T) {
	f := newFixture(t, eth2spec.DataVersionDeneb)
	in, err := f.chain.AggregationSlot(17)
	if err != nil {
		t.Fatal(err)
	}
	share := func(i int) *AggregationShare {
		return &AggregationShare{Type: uint64(ShareSelectionProof), Slot: 17, ValidatorIndex: 9, SigningRoot: in.SigningRoot,
			Signature: f.sign(f.shares[i-1].SecretKey, in.SigningRoot), ShareIndex: uint64(i)}
	}
	sig, err := ConstructAggregationSignature(f.v, []*AggregationShare{share(3), share(1), share(2)})
	if err != nil || sig != f.sign(f.sk, in.SigningRoot) {
		t.Fatalf("combined %v", err)
	}
	bad := map[string]func(*AggregationShare){
		"other_root":             func(s *AggregationShare) { s.SigningRoot = phase0.Root{1} },
		"selection_subcommittee": func(s *AggregationShare) { s.SubcommitteeIndex = 1 },
		"sync_subcommittee_4":    func(s *AggregationShare) { s.Type, s.SubcommitteeIndex = uint64(ShareContributionAndProof), 4 },
		"unknown_type":           func(s *AggregationShare) { s.Type = 0 },
	}
	for name, mut := range bad {
		s := share(1)
		mut(s)
		if err := f.v.VerifyShare(s); !errors.Is(err, ErrMalformedShare) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The root of an AggregateAndProof share is the receiver's to check:
	// structurally any root is a valid share of that root.
	ap := share(1)
	ap.Type, ap.SigningRoot = uint64(ShareAggregateAndProof), phase0.Root{7}
	ap.Signature = f.sign(f.shares[0].SecretKey, ap.SigningRoot)
	if err := f.v.VerifyShare(ap); err != nil {
		t.Fatalf("aggregate and proof share: %v", err)
	}
}

// With PublicSharesChecked (amendment A24) combination does not check the
// combined signature, and what it returns still verifies under the
// validator key; without it the check runs.
func TestCombineSharesChecked(t *testing.T) {
	f := newFixture(t, eth2spec.DataVersionElectra)
	d := f.data(17, 1)
	shares := []*AttestationShare{f.attShare(4, d), f.attShare(1, d), f.attShare(3, d)}
	for _, checked := range []bool{false, true} {
		v := f.v
		v.PublicSharesChecked = checked
		keyChecks := 0
		v.Verify = func(pk phase0.BLSPubKey, msg []byte, sig phase0.BLSSignature) bool {
			if pk == f.pk {
				keyChecks++
			}
			return bls.Verify(pk, msg, sig)
		}
		att, err := ConstructSignedAttestation(v, shares)
		if err != nil {
			t.Fatal(err)
		}
		in, err := f.chain.AttestationData(d)
		if err != nil {
			t.Fatal(err)
		}
		if !bls.Verify(f.pk, in.SigningRoot[:], att.Signature()) {
			t.Fatalf("checked=%v: combined signature does not verify", checked)
		}
		if want := map[bool]int{false: 1, true: 0}[checked]; keyChecks != want {
			t.Fatalf("checked=%v: %d checks under the validator key, want %d", checked, keyChecks, want)
		}
		// An invalid share is still refused.
		bad := *shares[1]
		bad.Signature = shares[0].Signature
		if _, err := ConstructSignedAttestation(v, []*AttestationShare{shares[0], &bad, shares[2]}); !errors.Is(err, ErrInvalidShare) {
			t.Fatalf("checked=%v: invalid share: %v", checked, err)
		}
	}
}
