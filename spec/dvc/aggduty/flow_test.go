package aggduty_test

import (
	"errors"
	"testing"

	bitfield "github.com/OffchainLabs/go-bitfield"
	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// The test cluster: 4 co-validators sharing interop key 1 (validator index
// 42); committee members are interop keys 1..8. Expected signatures are
// computed from the secret keys directly (bls.Sign over spec/signing roots),
// never from the state machine.
const vi = phase0.ValidatorIndex(42)

type tcluster struct {
	t      testing.TB
	chain  signing.Chain
	mode   dvc.Mode
	sk     bls.SecretKey
	pk     phase0.BLSPubKey
	shares []bls.Share
	pubs   map[uint64]phase0.BLSPubKey
	states []*aggduty.State
	// members are interop keys 1..8 (members[0] is the validator).
	memberSK []bls.SecretKey
	memberPK []phase0.BLSPubKey
	out      [][]aggduty.Output
	// mute share indices whose broadcasts are dropped.
	mute map[uint64]bool
}

func newTCluster(t testing.TB, fork eth2spec.DataVersion, mode dvc.Mode) *tcluster {
	t.Helper()
	forks, err := signing.MinimalForkSchedule(fork)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := signing.NewChain(forks, phase0.Root{0x47}, spec.MinimalConfig())
	if err != nil {
		t.Fatal(err)
	}
	c := &tcluster{t: t, chain: chain, mode: mode, pubs: map[uint64]phase0.BLSPubKey{}, mute: map[uint64]bool{}}
	for i := uint64(1); i <= 8; i++ {
		sk, err := bls.InteropSecretKey(i)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := sk.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		c.memberSK, c.memberPK = append(c.memberSK, sk), append(c.memberPK, pk)
	}
	c.sk, c.pk = c.memberSK[0], c.memberPK[0]
	c.shares, err = bls.Split(c.sk, 3, 4, []byte("aggduty-test"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.shares {
		ps, err := s.PublicShare()
		if err != nil {
			t.Fatal(err)
		}
		c.pubs[s.Index] = ps.PublicKey
	}
	for range 4 {
		c.states = append(c.states, aggduty.NewState())
		c.out = append(c.out, nil)
	}
	return c
}

func (c *tcluster) cfg(i int) *dvc.Config {
	return &dvc.Config{Chain: c.chain, Validator: spec.ValidatorIdentity{Pubkey: c.pk, Index: vi}, ShareIndex: uint64(i + 1),
		Peers: []uint64{1, 2, 3, 4}, PublicShares: c.pubs, Threshold: 3, Mode: c.mode}
}

func (c *tcluster) oracles(i int) aggduty.Oracles {
	if c.mode == dvc.ModeVCMiddleware {
		return aggduty.Oracles{}
	}
	return aggduty.Oracles{Signer: aggduty.KeyShareSigner{Share: c.shares[i]}}
}

// step applies ev to node i and delivers its broadcasts to every node.
func (c *tcluster) step(i int, ev aggduty.Event) error {
	c.t.Helper()
	st, out, err := aggduty.Step(c.cfg(i), c.states[i], ev, c.oracles(i))
	if err != nil {
		return err
	}
	c.states[i] = st
	c.out[i] = append(c.out[i], out...)
	for _, o := range out {
		if b, ok := o.(dvc.Broadcast); ok && !c.mute[uint64(i+1)] {
			for j := range c.states {
				if err := c.step(j, aggduty.ReceivedAggregationShare{Share: b.Message.(*networking.AggregationShare)}); err != nil {
					c.t.Fatalf("node %d receiving from %d: %v", j+1, i+1, err)
				}
			}
		}
	}
	return nil
}

func (c *tcluster) all(ev func(i int) aggduty.Event) {
	c.t.Helper()
	for i := range c.states {
		if err := c.step(i, ev(i)); err != nil {
			c.t.Fatalf("node %d: %v", i+1, err)
		}
	}
}

func outputs[T any](out []aggduty.Output) []T {
	var r []T
	for _, o := range out {
		if x, ok := o.(T); ok {
			r = append(r, x)
		}
	}
	return r
}

func (c *tcluster) sign(sk bls.SecretKey, root phase0.Root) phase0.BLSSignature {
	c.t.Helper()
	s, err := bls.Sign(sk, root[:])
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

func (c *tcluster) partial(i int, root phase0.Root) phase0.BLSSignature {
	c.t.Helper()
	p, err := c.shares[i].Sign(root[:])
	if err != nil {
		c.t.Fatal(err)
	}
	return p.Signature
}

func (c *tcluster) data(slot phase0.Slot, committee phase0.CommitteeIndex) *phase0.AttestationData {
	epoch := phase0.Epoch(uint64(slot) / c.chain.SlotsPerEpoch)
	fork, _ := c.chain.ForkAtSlot(slot)
	if fork.Name >= eth2spec.DataVersionElectra {
		committee = 0
	}
	return &phase0.AttestationData{Slot: slot, Index: committee, BeaconBlockRoot: phase0.Root{0xbb},
		Source: &phase0.Checkpoint{Epoch: 0}, Target: &phase0.Checkpoint{Epoch: epoch, Root: phase0.Root{0xcc}}}
}

// aggregate is an aggregate of committee positions bits (members' keys)
// over data, in the fork's shape; committee index ci.
func (c *tcluster) aggregate(data *phase0.AttestationData, ci phase0.CommitteeIndex, n int, bits []int) *eth2spec.VersionedAttestation {
	in, err := c.chain.AttestationData(data)
	if err != nil {
		c.t.Fatal(err)
	}
	bl := bitfield.NewBitlist(uint64(n))
	var sigs []phase0.BLSSignature
	for _, b := range bits {
		bl.SetBitAt(uint64(b), true)
		sigs = append(sigs, c.sign(c.memberSK[b], in.SigningRoot))
	}
	sig, err := bls.AggregateSignatures(sigs)
	if err != nil {
		c.t.Fatal(err)
	}
	fork, _ := c.chain.ForkAtSlot(data.Slot)
	out := &eth2spec.VersionedAttestation{Version: fork.Name}
	if fork.Name >= eth2spec.DataVersionElectra {
		cb := bitfield.NewBitvector64()
		cb.SetBitAt(uint64(ci), true)
		a := &electra.Attestation{AggregationBits: bl, Data: data, Signature: sig, CommitteeBits: cb[:(c.chain.ChainConfig().MaxCommitteesPerSlot+7)/8]}
		if fork.Name == eth2spec.DataVersionFulu {
			out.Fulu = a
		} else {
			out.Electra = a
		}
		return out
	}
	a := &phase0.Attestation{AggregationBits: bl, Data: data, Signature: sig}
	switch fork.Name {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = a
	case eth2spec.DataVersionAltair:
		out.Altair = a
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = a
	case eth2spec.DataVersionCapella:
		out.Capella = a
	case eth2spec.DataVersionDeneb:
		out.Deneb = a
	}
	return out
}

func (c *tcluster) duty(slot phase0.Slot, n uint64) *spec.AttestationDuty {
	return &spec.AttestationDuty{Pubkey: c.pk, ValidatorIndex: vi, CommitteeIndex: 1, CommitteeLength: n, CommitteesAtSlot: 2, ValidatorCommitteeIndex: 0, Slot: slot}
}

func (c *tcluster) committee(n int) []phase0.BLSPubKey {
	out := make([]phase0.BLSPubKey, n)
	for i := range out {
		out[i] = c.memberPK[i%len(c.memberPK)]
	}
	return out
}

// runAggregation drives the whole attestation aggregation flow at slot and
// returns the submitted aggregates of every node.
func (c *tcluster) runAggregation(slot phase0.Slot, n int, decide func(*phase0.AttestationData) *eth2spec.VersionedAttestation) {
	c.t.Helper()
	duty := c.duty(slot, uint64(n))
	c.all(func(i int) aggduty.Event { return aggduty.ServeAggregatorDuty{Duty: duty, Committee: c.committee(n)} })
	selIn, err := c.chain.AggregationSlot(slot)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.mode == dvc.ModeVCMiddleware {
		c.all(func(i int) aggduty.Event {
			return aggduty.CapturedBeaconCommitteeSelection{Selection: &apiv1.BeaconCommitteeSelection{ValidatorIndex: vi, Slot: slot, SelectionProof: c.partial(i, selIn.SigningRoot)}}
		})
	}
	data := c.data(slot, 1)
	c.all(func(i int) aggduty.Event { return aggduty.AttestationSubmitted{Data: data} })
	c.all(func(i int) aggduty.Event {
		starts := outputs[aggduty.StartAggregateConsensus](c.out[i])
		if len(starts) != 1 {
			return aggduty.AttestationSubmitted{Data: data} // repeat: ignored
		}
		return aggduty.AggregateConsensusDecided{ID: starts[0].ID, Aggregate: decide(data)}
	})
	if c.mode == dvc.ModeVCMiddleware {
		c.all(func(i int) aggduty.Event {
			caches := outputs[aggduty.CacheAggregateAndProofForVC](c.out[i])
			if len(caches) != 1 {
				return aggduty.AttestationSubmitted{Data: data}
			}
			in, err := c.chain.AggregateAndProof(caches[0].AggregateAndProof)
			if err != nil {
				c.t.Fatal(err)
			}
			return aggduty.CapturedAggregateAndProof{Signed: signAP(caches[0].AggregateAndProof, c.partial(i, in.SigningRoot))}
		})
	}
}

func signAP(ap *eth2spec.VersionedAggregateAndProof, sig phase0.BLSSignature) *eth2spec.VersionedSignedAggregateAndProof {
	out := &eth2spec.VersionedSignedAggregateAndProof{Version: ap.Version}
	switch ap.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = &phase0.SignedAggregateAndProof{Message: ap.Phase0, Signature: sig}
	case eth2spec.DataVersionAltair:
		out.Altair = &phase0.SignedAggregateAndProof{Message: ap.Altair, Signature: sig}
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = &phase0.SignedAggregateAndProof{Message: ap.Bellatrix, Signature: sig}
	case eth2spec.DataVersionCapella:
		out.Capella = &phase0.SignedAggregateAndProof{Message: ap.Capella, Signature: sig}
	case eth2spec.DataVersionDeneb:
		out.Deneb = &phase0.SignedAggregateAndProof{Message: ap.Deneb, Signature: sig}
	case eth2spec.DataVersionElectra:
		out.Electra = &electra.SignedAggregateAndProof{Message: ap.Electra, Signature: sig}
	case eth2spec.DataVersionFulu:
		out.Fulu = &electra.SignedAggregateAndProof{Message: ap.Fulu, Signature: sig}
	}
	return out
}

var forks = []eth2spec.DataVersion{eth2spec.DataVersionPhase0, eth2spec.DataVersionAltair, eth2spec.DataVersionBellatrix,
	eth2spec.DataVersionCapella, eth2spec.DataVersionDeneb, eth2spec.DataVersionElectra, eth2spec.DataVersionFulu}

// TestAggregatorFlow: a small committee makes every member an aggregator
// (modulo 1); every node submits one aggregate and proof whose selection
// proof and signature are the validator key's own (computed here from the
// secret key), in both modes and every fork.
func TestAggregatorFlow(t *testing.T) {
	for _, mode := range []dvc.Mode{dvc.ModeRemoteSigner, dvc.ModeVCMiddleware} {
		for _, fork := range forks {
			t.Run(fork.String()+modeName(mode), func(t *testing.T) {
				c := newTCluster(t, fork, mode)
				slot := phase0.Slot(9)
				c.runAggregation(slot, 5, func(d *phase0.AttestationData) *eth2spec.VersionedAttestation {
					return c.aggregate(d, 1, 5, []int{0, 2, 3})
				})
				selIn, _ := c.chain.AggregationSlot(slot)
				wantProof := c.sign(c.sk, selIn.SigningRoot)
				for i := range c.states {
					sels := outputs[aggduty.BeaconCommitteeSelectionCombined](c.out[i])
					// A VC's repeated request is answered again: every answer
					// is the same combined proof.
					// A proof combined before the node's duty was served is
					// reported unjudged, then judged at the serve.
					for _, s := range sels {
						if s.IsAggregator != s.Served || s.Selection.SelectionProof != wantProof {
							t.Fatalf("node %d: selections %+v", i+1, sels)
						}
					}
					if len(servedSelections(sels)) == 0 {
						t.Fatalf("node %d: no selection combined", i+1)
					}
					subs := outputs[aggduty.SubmitAggregateAndProof](c.out[i])
					if len(subs) != 1 {
						t.Fatalf("node %d: %d submissions (%+v)", i+1, len(subs), outputs[dvc.Ignored](c.out[i]))
					}
					ap, err := unsign(subs[0].Signed)
					if err != nil {
						t.Fatal(err)
					}
					in, err := c.chain.AggregateAndProof(ap)
					if err != nil {
						t.Fatal(err)
					}
					if got := signatureOf(subs[0].Signed); got != c.sign(c.sk, in.SigningRoot) {
						t.Fatalf("node %d: aggregate and proof signature is not the validator key's", i+1)
					}
				}
			})
		}
	}
}

func modeName(m dvc.Mode) string {
	if m == dvc.ModeVCMiddleware {
		return "/vc"
	}
	return "/rs"
}

func unsign(s *eth2spec.VersionedSignedAggregateAndProof) (*eth2spec.VersionedAggregateAndProof, error) {
	out := &eth2spec.VersionedAggregateAndProof{Version: s.Version}
	switch s.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = s.Phase0.Message
	case eth2spec.DataVersionAltair:
		out.Altair = s.Altair.Message
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = s.Bellatrix.Message
	case eth2spec.DataVersionCapella:
		out.Capella = s.Capella.Message
	case eth2spec.DataVersionDeneb:
		out.Deneb = s.Deneb.Message
	case eth2spec.DataVersionElectra:
		out.Electra = s.Electra.Message
	case eth2spec.DataVersionFulu:
		out.Fulu = s.Fulu.Message
	default:
		return nil, errors.New("unknown version")
	}
	return out, nil
}

func signatureOf(s *eth2spec.VersionedSignedAggregateAndProof) phase0.BLSSignature {
	sig, _ := s.Signature()
	return sig
}

// TestNotAggregator: in a committee of 2048 (modulo 128) a slot whose
// proof (computed here) is not selected gives IsAggregator false and no
// consensus.
func TestNotAggregator(t *testing.T) {
	c := newTCluster(t, eth2spec.DataVersionDeneb, dvc.ModeRemoteSigner)
	var slot phase0.Slot
	for s := phase0.Slot(1); ; s++ {
		in, _ := c.chain.AggregationSlot(s)
		if !c.chain.ChainConfig().IsAggregator(2048, c.sign(c.sk, in.SigningRoot)) {
			slot = s
			break
		}
	}
	c.runAggregation(slot, 2048, func(d *phase0.AttestationData) *eth2spec.VersionedAttestation { return nil })
	for i := range c.states {
		sels := servedSelections(outputs[aggduty.BeaconCommitteeSelectionCombined](c.out[i]))
		if len(sels) != 1 || sels[0].IsAggregator {
			t.Fatalf("node %d: %+v", i+1, sels)
		}
		if n := len(outputs[aggduty.StartAggregateConsensus](c.out[i])); n != 0 {
			t.Fatalf("node %d started %d aggregate instances", i+1, n)
		}
	}
}

// TestBelowThreshold: with two of four nodes silent no selection proof
// combines, so nothing starts.
func TestBelowThreshold(t *testing.T) {
	c := newTCluster(t, eth2spec.DataVersionElectra, dvc.ModeRemoteSigner)
	c.mute[3], c.mute[4] = true, true
	c.runAggregation(3, 5, func(d *phase0.AttestationData) *eth2spec.VersionedAttestation { return nil })
	for i := range c.states {
		if n := len(outputs[aggduty.BeaconCommitteeSelectionCombined](c.out[i])); n != 0 {
			t.Fatalf("node %d combined with 2 of 4 shares", i+1)
		}
		if n := len(outputs[aggduty.StartAggregateConsensus](c.out[i])); n != 0 {
			t.Fatalf("node %d started", i+1)
		}
	}
}

// TestNoAggregateBeforeAttestation: without AttestationSubmitted the
// aggregator instance does not start.
func TestNoAggregateBeforeAttestation(t *testing.T) {
	c := newTCluster(t, eth2spec.DataVersionDeneb, dvc.ModeRemoteSigner)
	c.all(func(i int) aggduty.Event {
		return aggduty.ServeAggregatorDuty{Duty: c.duty(4, 5), Committee: c.committee(5)}
	})
	for i := range c.states {
		if len(servedSelections(outputs[aggduty.BeaconCommitteeSelectionCombined](c.out[i]))) != 1 {
			t.Fatalf("node %d: no combined selection", i+1)
		}
		if n := len(outputs[aggduty.StartAggregateConsensus](c.out[i])); n != 0 {
			t.Fatalf("node %d started before its attestation", i+1)
		}
	}
}

// TestInvalidAggregateRefused: decided aggregates that break each rule of
// IsValidAggregate are not signed.
func TestInvalidAggregateRefused(t *testing.T) {
	cases := map[string]func(c *tcluster, d *phase0.AttestationData) *eth2spec.VersionedAttestation{
		"other_data": func(c *tcluster, d *phase0.AttestationData) *eth2spec.VersionedAttestation {
			o := *d
			o.BeaconBlockRoot = phase0.Root{0x01}
			return c.aggregate(&o, 1, 5, []int{0, 1})
		},
		"empty_bits": func(c *tcluster, d *phase0.AttestationData) *eth2spec.VersionedAttestation {
			return emptyBits(c.aggregate(d, 1, 5, []int{0}))
		},
		"wrong_length": func(c *tcluster, d *phase0.AttestationData) *eth2spec.VersionedAttestation {
			return c.aggregate(d, 1, 6, []int{0})
		},
		"wrong_signature": func(c *tcluster, d *phase0.AttestationData) *eth2spec.VersionedAttestation {
			return swapSig(c.aggregate(d, 1, 5, []int{0, 1}), c.aggregate(d, 1, 5, []int{1}))
		},
		"other_committee": func(c *tcluster, d *phase0.AttestationData) *eth2spec.VersionedAttestation {
			return c.aggregate(d, 2, 5, []int{0})
		},
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			c := newTCluster(t, eth2spec.DataVersionElectra, dvc.ModeRemoteSigner)
			c.runAggregation(5, 5, func(d *phase0.AttestationData) *eth2spec.VersionedAttestation { return bad(c, d) })
			for i := range c.states {
				if n := len(outputs[aggduty.SubmitAggregateAndProof](c.out[i])); n != 0 {
					t.Fatalf("node %d submitted an invalid aggregate", i+1)
				}
				ig := outputs[dvc.Ignored](c.out[i])
				found := false
				for _, g := range ig {
					found = found || g.Reason == dvc.IgnoredDecidedInvalid
				}
				if !found {
					t.Fatalf("node %d: no decided_value_invalid among %+v", i+1, ig)
				}
			}
		})
	}
}

func emptyBits(a *eth2spec.VersionedAttestation) *eth2spec.VersionedAttestation {
	a.Electra.AggregationBits = bitfield.NewBitlist(5)
	return a
}

func swapSig(a, b *eth2spec.VersionedAttestation) *eth2spec.VersionedAttestation {
	a.Electra.Signature = b.Electra.Signature
	return a
}

// TestSyncContributionFlow: a member of two subcommittees (minimal preset:
// every member aggregates) decides both contributions in one instance and
// submits one contribution and proof each, signed by the validator key.
func TestSyncContributionFlow(t *testing.T) {
	for _, mode := range []dvc.Mode{dvc.ModeRemoteSigner, dvc.ModeVCMiddleware} {
		for _, fork := range forks[1:] {
			t.Run(fork.String()+modeName(mode), func(t *testing.T) {
				c := newTCluster(t, fork, mode)
				slot := phase0.Slot(10)
				size := c.chain.ChainConfig().SyncSubcommitteeSize()
				duty := &spec.SyncCommitteeDuty{Pubkey: c.pk, ValidatorIndex: vi, ValidatorSyncCommitteeIndices: []uint64{1, 2*size + 3}}
				keys := func() []phase0.BLSPubKey {
					k := make([]phase0.BLSPubKey, size)
					for i := range k {
						k[i] = c.memberPK[1+i%7]
					}
					return k
				}
				sub0, sub2 := keys(), keys()
				sub0[1], sub2[3] = c.pk, c.pk
				subs := map[uint64][]phase0.BLSPubKey{0: sub0, 2: sub2}
				// A share for a subcommittee the validator is not in, received
				// before the duty, must not hold the flow back.
				strayIn, _ := c.chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: 3})
				for i := range c.states {
					stray := &networking.AggregationShare{Type: uint64(networking.ShareSyncSelectionProof), Slot: slot, SubcommitteeIndex: 3, ValidatorIndex: vi,
						SigningRoot: strayIn.SigningRoot, Signature: c.partial(1, strayIn.SigningRoot), ShareIndex: 2}
					if err := c.step(i, aggduty.ReceivedAggregationShare{Share: stray}); err != nil {
						t.Fatal(err)
					}
				}
				c.all(func(i int) aggduty.Event {
					return aggduty.ServeSyncContributionDuty{Duty: duty, Slot: slot, Subcommittees: subs}
				})
				if mode == dvc.ModeVCMiddleware {
					for _, s := range []uint64{0, 2} {
						in, _ := c.chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: s})
						c.all(func(i int) aggduty.Event {
							return aggduty.CapturedSyncCommitteeSelection{Selection: &ethnode.SyncCommitteeSelection{ValidatorIndex: vi, Slot: slot, SubcommitteeIndex: s, SelectionProof: c.partial(i, in.SigningRoot)}}
						})
					}
				}
				root := phase0.Root{0xab}
				c.all(func(i int) aggduty.Event {
					return aggduty.SyncCommitteeMessageSubmitted{Slot: slot, BeaconBlockRoot: root}
				})
				msgIn, _ := c.chain.SyncCommitteeMessage(slot, root)
				contrib := func(sub uint64, pos uint64, sk bls.SecretKey) *altair.SyncCommitteeContribution {
					bits := make([]byte, (size+7)/8)
					bits[pos/8] |= 1 << (pos % 8)
					return &altair.SyncCommitteeContribution{Slot: slot, BeaconBlockRoot: root, SubcommitteeIndex: sub, AggregationBits: bits, Signature: c.sign(sk, msgIn.SigningRoot)}
				}
				decided := []*altair.SyncCommitteeContribution{contrib(0, 1, c.sk), contrib(2, 0, c.memberSK[1])}
				c.all(func(i int) aggduty.Event {
					st := outputs[aggduty.StartContributionConsensus](c.out[i])
					if len(st) != 1 || len(st[0].Validity) != 2 {
						t.Fatalf("node %d: starts %+v", i+1, st)
					}
					return aggduty.ContributionConsensusDecided{ID: st[0].ID, Contributions: decided}
				})
				if mode == dvc.ModeVCMiddleware {
					for k := range 2 {
						c.all(func(i int) aggduty.Event {
							cp := outputs[aggduty.CacheContributionAndProofForVC](c.out[i])[k].ContributionAndProof
							in, _ := c.chain.ContributionAndProof(cp)
							return aggduty.CapturedContributionAndProof{Signed: &altair.SignedContributionAndProof{Message: cp, Signature: c.partial(i, in.SigningRoot)}}
						})
					}
				}
				for i := range c.states {
					subm := outputs[aggduty.SubmitContributionAndProof](c.out[i])
					if len(subm) != 2 {
						t.Fatalf("node %d: %d submissions", i+1, len(subm))
					}
					for k, s := range subm {
						sel, _ := c.chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: uint64(2 * k)})
						if s.Signed.Message.SelectionProof != c.sign(c.sk, sel.SigningRoot) || s.Signed.Message.Contribution.SubcommitteeIndex != uint64(2*k) {
							t.Fatalf("node %d: wrong selection proof or order", i+1)
						}
						in, _ := c.chain.ContributionAndProof(s.Signed.Message)
						if s.Signed.Signature != c.sign(c.sk, in.SigningRoot) {
							t.Fatalf("node %d: signature is not the validator key's", i+1)
						}
					}
				}
			})
		}
	}
}

// TestBadInput: malformed events and shares fail with the named error and
// leave the state unchanged.
func TestBadInput(t *testing.T) {
	c := newTCluster(t, eth2spec.DataVersionDeneb, dvc.ModeRemoteSigner)
	st := c.states[0]
	in, _ := c.chain.AggregationSlot(3)
	good := &networking.AggregationShare{Type: 1, Slot: 3, ValidatorIndex: vi, SigningRoot: in.SigningRoot, Signature: c.partial(1, in.SigningRoot), ShareIndex: 2}
	forged := *good
	forged.Signature = c.partial(2, in.SigningRoot)
	otherRoot := *good
	otherRoot.SigningRoot = phase0.Root{1}
	otherVal := *good
	otherVal.ValidatorIndex = 7
	badType := *good
	badType.Type = 9
	cases := []struct {
		name string
		ev   aggduty.Event
		want error
	}{
		{"nil_event", nil, dvc.ErrMalformedEvent},
		{"nil_duty", aggduty.ServeAggregatorDuty{}, dvc.ErrMalformedEvent},
		{"committee_mismatch", aggduty.ServeAggregatorDuty{Duty: c.duty(3, 5), Committee: c.committee(4)}, dvc.ErrInconsistentOracle},
		{"forged_share", aggduty.ReceivedAggregationShare{Share: &forged}, dvc.ErrInvalidShare},
		{"selection_other_root", aggduty.ReceivedAggregationShare{Share: &otherRoot}, dvc.ErrInvalidShare},
		{"other_validator", aggduty.ReceivedAggregationShare{Share: &otherVal}, dvc.ErrWrongValidator},
		{"unknown_type", aggduty.ReceivedAggregationShare{Share: &badType}, dvc.ErrInvalidShare},
		{"vc_event_in_rs_mode", aggduty.CapturedBeaconCommitteeSelection{}, dvc.ErrWrongMode},
		{"decision_not_started", aggduty.AggregateConsensusDecided{ID: consensus.InstanceID{Validator: c.pk, DutyType: 1}, Aggregate: &eth2spec.VersionedAttestation{}}, dvc.ErrMalformedEvent},
	}
	for _, tc := range cases {
		got, out, err := aggduty.Step(c.cfg(0), st, tc.ev, c.oracles(0))
		if !errors.Is(err, tc.want) || got != st || out != nil {
			t.Errorf("%s: err %v (want %v), state changed %v", tc.name, err, tc.want, got != st)
		}
	}
	if len(st.Slots()) != 0 {
		t.Fatalf("state changed: %v", st.Slots())
	}
}

// servedSelections keeps the combined proofs judged with their duty.
func servedSelections(sels []aggduty.BeaconCommitteeSelectionCombined) []aggduty.BeaconCommitteeSelectionCombined {
	var out []aggduty.BeaconCommitteeSelectionCombined
	for _, s := range sels {
		if s.Served {
			out = append(out, s)
		}
	}
	return out
}
