package aggcases

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/dvc/dvccases"
)

// The cases' committees. The attester committee has CommitteeLength
// members (modulo 2 for is_aggregator on mainnet, so both outcomes occur);
// the validator sits at position CommitteePosition. Committee position p
// holds interop key CommitteeKeyBase + p, sync committee position j (of
// subcommittee j / 128) interop key SyncKeyBase + j, except the
// validator's own positions, which hold its key.
const (
	CommitteeLength   = 32
	CommitteePosition = 5
	CommitteeIndex    = 1
	CommitteeKeyBase  = 1000
	SyncKeyBase       = 2000
)

// SyncPositions are the validator's sync committee positions: one in each
// of subcommittees 0, 1 and 2 (mainnet: 128 positions a subcommittee).
var SyncPositions = []uint64{5, 130, 300}

// Env is what the cases' fixtures are built from: the dvc scenarios'
// environment (keys, roots and the witness of every signature) and a cache
// of the committees' interop keys.
type Env struct {
	*dvccases.Env
	keys map[uint64]dvccases.KeyPair
}

// NewEnv returns the environment of the cases built on e.
func NewEnv(e *dvccases.Env) *Env { return &Env{Env: e, keys: map[uint64]dvccases.KeyPair{}} }

func (e *Env) interop(i uint64) dvccases.KeyPair {
	if k, ok := e.keys[i]; ok {
		return k
	}
	sk, err := bls.InteropSecretKey(i)
	if err != nil {
		panic(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		panic(err)
	}
	k := dvccases.KeyPair{Index: i, Secret: sk, Public: pk}
	e.keys[i] = k
	return k
}

// F is the fixture of a case: the dvc scenarios' fixture (validator 42
// split 3-of-4, mainnet chain with every fork up to Fork from genesis, in
// Mode) with the committees' keys. Node 1 is the node under test.
type F struct {
	*dvccases.Fixture
	env *Env
}

// NewF returns the fixture of (fork, mode).
func (e *Env) NewF(fork eth2spec.DataVersion, mode dvc.Mode) *F {
	return &F{Fixture: e.NewFixture(4, fork, mode), env: e}
}

// Node is the node under test.
const Node = 1

func (f *F) vi() phase0.ValidatorIndex { return phase0.ValidatorIndex(dvccases.Validator) }

// Config is the node under test's configuration.
func (f *F) Config() *dvc.Config { return f.Fixture.Config(Node) }

// Oracles are the node under test's: its key share signs in remote-signer
// mode.
func (f *F) Oracles() aggduty.Oracles {
	if f.Mode == dvc.ModeVCMiddleware {
		return aggduty.Oracles{}
	}
	return aggduty.Oracles{Signer: aggduty.KeyShareSigner{Share: f.Keys.Shares[Node-1]}}
}

// sign signs root with sk and tells the witness (vectorgen's guard) of
// the signature, verified.
func (f *F) sign(sk bls.SecretKey, root phase0.Root) phase0.BLSSignature {
	sig, err := bls.Sign(sk, root[:])
	if err != nil {
		panic(err)
	}
	pk, err := sk.PublicKey()
	if err != nil {
		panic(err)
	}
	f.witnessed(pk, root, sig)
	return sig
}

func (f *F) witnessed(pk bls.PublicKey, root phase0.Root, sig phase0.BLSSignature) {
	if !bls.Verify(pk, root[:], sig) {
		panic(fmt.Sprintf("aggcases: a fixture signature does not verify: pubkey %#x", pk[:8]))
	}
	if w := f.env.Witness; w != nil {
		w(pk, root[:], sig)
	}
}

// aggregate aggregates the signatures of keys over root, verified under
// their aggregate public key.
func (f *F) aggregate(keys []dvccases.KeyPair, root phase0.Root) phase0.BLSSignature {
	var sigs []phase0.BLSSignature
	var pks []phase0.BLSPubKey
	for _, k := range keys {
		sigs = append(sigs, f.sign(k.Secret, root))
		pks = append(pks, k.Public)
	}
	sig, err := bls.AggregateSignatures(sigs)
	if err != nil {
		panic(err)
	}
	apk, err := bls.AggregatePublicKeys(pks)
	if err != nil {
		panic(err)
	}
	f.witnessed(apk, root, sig)
	return sig
}

// shareSig is share index i's partial signature of root.
func (f *F) shareSig(i int, root phase0.Root) phase0.BLSSignature {
	return f.sign(f.Keys.Shares[i-1].SecretKey, root)
}

// full is the validator key's signature of root: what M valid partial
// signatures combine into.
func (f *F) full(root phase0.Root) phase0.BLSSignature { return f.sign(f.Keys.Validator.Secret, root) }

func (f *F) member(key uint64) dvccases.KeyPair { return f.env.interop(key) }

// --- attestation aggregation -----------------------------------------------

// AttDuty is the validator's attester duty at slot.
func (f *F) AttDuty(slot phase0.Slot) *spec.AttestationDuty {
	return &spec.AttestationDuty{Pubkey: f.PK(), ValidatorIndex: f.vi(), CommitteeIndex: CommitteeIndex, CommitteeLength: CommitteeLength,
		CommitteesAtSlot: 2, ValidatorCommitteeIndex: CommitteePosition, Slot: slot}
}

func (f *F) committeeKey(p uint64) dvccases.KeyPair {
	if p == CommitteePosition {
		return f.Keys.Validator
	}
	return f.member(CommitteeKeyBase + p)
}

// Committee is the duty's committee's keys in order.
func (f *F) Committee() []phase0.BLSPubKey {
	out := make([]phase0.BLSPubKey, CommitteeLength)
	for p := range out {
		out[p] = f.committeeKey(uint64(p)).Public
	}
	return out
}

// Serve is the aggregator duty event of slot.
func (f *F) Serve(slot phase0.Slot) aggduty.ServeAggregatorDuty {
	return aggduty.ServeAggregatorDuty{Duty: f.AttDuty(slot), Committee: f.Committee()}
}

func (f *F) selRoot(slot phase0.Slot) phase0.Root {
	in, err := f.Chain.AggregationSlot(slot)
	if err != nil {
		panic(err)
	}
	return in.SigningRoot
}

// SelShare is share index i's slot selection proof share.
func (f *F) SelShare(i int, slot phase0.Slot) *networking.AggregationShare {
	root := f.selRoot(slot)
	return &networking.AggregationShare{Type: uint64(networking.ShareSelectionProof), Slot: slot, ValidatorIndex: f.vi(), SigningRoot: root,
		Signature: f.shareSig(i, root), ShareIndex: uint64(i)}
}

// Proof is the validator's slot selection proof.
func (f *F) Proof(slot phase0.Slot) phase0.BLSSignature { return f.full(f.selRoot(slot)) }

// isAggregator is consensus-specs is_aggregator for the mainnet
// TARGET_AGGREGATORS_PER_COMMITTEE (16), written out here.
func isAggregator(committeeLength uint64, proof phase0.BLSSignature) bool {
	return hashMod(proof, max(1, committeeLength/16))
}

// isSyncAggregator is is_sync_committee_aggregator on mainnet: modulo
// max(1, 512 / 4 / 16) = 8.
func isSyncAggregator(proof phase0.BLSSignature) bool { return hashMod(proof, 8) }

func hashMod(sig phase0.BLSSignature, modulo uint64) bool {
	h := sha256.Sum256(sig[:])
	return binary.LittleEndian.Uint64(h[:8])%modulo == 0
}

// AggSlot is the first slot from `from` on whose selection proof makes the
// validator an aggregator (want) or not.
func (f *F) AggSlot(from phase0.Slot, want bool) phase0.Slot {
	for s := from; s < from+256; s++ {
		if isAggregator(CommitteeLength, f.Proof(s)) == want {
			return s
		}
	}
	panic("aggcases: no such slot")
}

// Combined is the BeaconCommitteeSelectionCombined output of slot.
func (f *F) Combined(slot phase0.Slot) aggduty.BeaconCommitteeSelectionCombined {
	p := f.Proof(slot)
	return aggduty.BeaconCommitteeSelectionCombined{Selection: &apiSelection{ValidatorIndex: f.vi(), Slot: slot, SelectionProof: p},
		Served: true, IsAggregator: isAggregator(CommitteeLength, p)}
}

// Early is the BeaconCommitteeSelectionCombined output of slot combined
// before its duty is served: the proof, not yet judged.
func (f *F) Early(slot phase0.Slot) aggduty.BeaconCommitteeSelectionCombined {
	return aggduty.BeaconCommitteeSelectionCombined{Selection: &apiSelection{ValidatorIndex: f.vi(), Slot: slot, SelectionProof: f.Proof(slot)}}
}

// ID is the instance of the aggregation duty d at slot.
func (f *F) ID(d consensus.DutyType, slot phase0.Slot) consensus.InstanceID {
	return f.Fixture.ID(d, slot)
}

// Start is the aggregator instance's start for the decided data.
func (f *F) Start(data *phase0.AttestationData) aggduty.StartAggregateConsensus {
	return aggduty.StartAggregateConsensus{ID: f.ID(consensus.DutyAggregator, data.Slot),
		Validity: consensus.AggregateValidity{Data: data, CommitteeIndex: CommitteeIndex, Committee: f.Committee()}}
}

// Aggregate is an aggregate of data by the committee positions given, in
// the fork's shape (Electra: committee bits naming committee ci).
func (f *F) Aggregate(data *phase0.AttestationData, ci phase0.CommitteeIndex, positions ...uint64) *eth2spec.VersionedAttestation {
	in, err := f.Chain.AttestationData(data)
	if err != nil {
		panic(err)
	}
	bits := bitfield.NewBitlist(CommitteeLength)
	var keys []dvccases.KeyPair
	for _, p := range positions {
		bits.SetBitAt(p, true)
		keys = append(keys, f.committeeKey(p))
	}
	sig := phase0.BLSSignature{0xc0} // no participant: the point at infinity
	if len(keys) > 0 {
		sig = f.aggregate(keys, in.SigningRoot)
	}
	out := &eth2spec.VersionedAttestation{Version: f.Fork}
	if f.Fork >= eth2spec.DataVersionElectra {
		cb := bitfield.NewBitvector64()
		cb.SetBitAt(uint64(ci), true)
		a := &electra.Attestation{AggregationBits: bits, Data: data, Signature: sig, CommitteeBits: cb}
		if f.Fork == eth2spec.DataVersionFulu {
			out.Fulu = a
		} else {
			out.Electra = a
		}
		return out
	}
	a := &phase0.Attestation{AggregationBits: bits, Data: data, Signature: sig}
	switch f.Fork {
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

// AP is the AggregateAndProof of the validator for agg (consensus-specs
// get_aggregate_and_proof), in the aggregate's fork shape.
func (f *F) AP(agg *eth2spec.VersionedAttestation, slot phase0.Slot) *eth2spec.VersionedAggregateAndProof {
	proof := f.Proof(slot)
	out := &eth2spec.VersionedAggregateAndProof{Version: agg.Version}
	p0 := func(a *phase0.Attestation) *phase0.AggregateAndProof {
		return &phase0.AggregateAndProof{AggregatorIndex: f.vi(), Aggregate: a, SelectionProof: proof}
	}
	switch agg.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = p0(agg.Phase0)
	case eth2spec.DataVersionAltair:
		out.Altair = p0(agg.Altair)
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = p0(agg.Bellatrix)
	case eth2spec.DataVersionCapella:
		out.Capella = p0(agg.Capella)
	case eth2spec.DataVersionDeneb:
		out.Deneb = p0(agg.Deneb)
	case eth2spec.DataVersionElectra:
		out.Electra = &electra.AggregateAndProof{AggregatorIndex: f.vi(), Aggregate: agg.Electra, SelectionProof: proof}
	case eth2spec.DataVersionFulu:
		out.Fulu = &electra.AggregateAndProof{AggregatorIndex: f.vi(), Aggregate: agg.Fulu, SelectionProof: proof}
	}
	return out
}

func (f *F) apRoot(ap *eth2spec.VersionedAggregateAndProof) phase0.Root {
	in, err := f.Chain.AggregateAndProof(ap)
	if err != nil {
		panic(err)
	}
	return in.SigningRoot
}

// APShare is share index i's share of the AggregateAndProof's signature.
func (f *F) APShare(i int, ap *eth2spec.VersionedAggregateAndProof, slot phase0.Slot) *networking.AggregationShare {
	root := f.apRoot(ap)
	return &networking.AggregationShare{Type: uint64(networking.ShareAggregateAndProof), Slot: slot, ValidatorIndex: f.vi(), SigningRoot: root,
		Signature: f.shareSig(i, root), ShareIndex: uint64(i)}
}

// SignedAP is ap signed with sig, in its fork shape.
func SignedAP(ap *eth2spec.VersionedAggregateAndProof, sig phase0.BLSSignature) *eth2spec.VersionedSignedAggregateAndProof {
	out := &eth2spec.VersionedSignedAggregateAndProof{Version: ap.Version}
	p0 := func(m *phase0.AggregateAndProof) *phase0.SignedAggregateAndProof {
		return &phase0.SignedAggregateAndProof{Message: m, Signature: sig}
	}
	switch ap.Version {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = p0(ap.Phase0)
	case eth2spec.DataVersionAltair:
		out.Altair = p0(ap.Altair)
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = p0(ap.Bellatrix)
	case eth2spec.DataVersionCapella:
		out.Capella = p0(ap.Capella)
	case eth2spec.DataVersionDeneb:
		out.Deneb = p0(ap.Deneb)
	case eth2spec.DataVersionElectra:
		out.Electra = &electra.SignedAggregateAndProof{Message: ap.Electra, Signature: sig}
	case eth2spec.DataVersionFulu:
		out.Fulu = &electra.SignedAggregateAndProof{Message: ap.Fulu, Signature: sig}
	}
	return out
}

// Submitted is the combined aggregate and proof: signed by the validator
// key.
func (f *F) Submitted(ap *eth2spec.VersionedAggregateAndProof) aggduty.SubmitAggregateAndProof {
	return aggduty.SubmitAggregateAndProof{Signed: SignedAP(ap, f.full(f.apRoot(ap)))}
}

// --- sync committee contributions ------------------------------------------

// SyncDuty is the validator's sync committee duty.
func (f *F) SyncDuty(positions ...uint64) *spec.SyncCommitteeDuty {
	return &spec.SyncCommitteeDuty{Pubkey: f.PK(), ValidatorIndex: f.vi(), ValidatorSyncCommitteeIndices: positions}
}

// Subcommittee is subcommittee s's keys in order (mainnet: 128).
func (f *F) Subcommittee(s uint64, positions []uint64) []phase0.BLSPubKey {
	out := make([]phase0.BLSPubKey, 128)
	for j := range out {
		out[j] = f.syncKey(s*128+uint64(j), positions).Public
	}
	return out
}

func (f *F) syncKey(pos uint64, positions []uint64) dvccases.KeyPair {
	for _, p := range positions {
		if p == pos {
			return f.Keys.Validator
		}
	}
	return f.member(SyncKeyBase + pos)
}

func subsOf(positions []uint64) []uint64 {
	var subs []uint64
	for _, p := range positions {
		s := p / 128
		if len(subs) == 0 || subs[len(subs)-1] != s {
			subs = append(subs, s)
		}
	}
	return subs
}

// ServeSync is the contribution duty event of slot for positions
// (ascending).
func (f *F) ServeSync(slot phase0.Slot, positions ...uint64) aggduty.ServeSyncContributionDuty {
	subs := map[uint64][]phase0.BLSPubKey{}
	for _, s := range subsOf(positions) {
		subs[s] = f.Subcommittee(s, positions)
	}
	return aggduty.ServeSyncContributionDuty{Duty: f.SyncDuty(positions...), Slot: slot, Subcommittees: subs}
}

func (f *F) syncSelRoot(slot phase0.Slot, sub uint64) phase0.Root {
	in, err := f.Chain.SyncCommitteeSelectionProof(&altair.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: sub})
	if err != nil {
		panic(err)
	}
	return in.SigningRoot
}

// SyncSelShare is share index i's sync selection proof share.
func (f *F) SyncSelShare(i int, slot phase0.Slot, sub uint64) *networking.AggregationShare {
	root := f.syncSelRoot(slot, sub)
	return &networking.AggregationShare{Type: uint64(networking.ShareSyncSelectionProof), Slot: slot, SubcommitteeIndex: sub, ValidatorIndex: f.vi(),
		SigningRoot: root, Signature: f.shareSig(i, root), ShareIndex: uint64(i)}
}

// SyncProof is the validator's sync selection proof.
func (f *F) SyncProof(slot phase0.Slot, sub uint64) phase0.BLSSignature {
	return f.full(f.syncSelRoot(slot, sub))
}

// SyncSlot is the first slot from `from` on where the validator's
// aggregator status in each subcommittee is want's.
func (f *F) SyncSlot(from phase0.Slot, subs []uint64, want []bool) phase0.Slot {
	for s := from; s < from+2048; s++ {
		ok := true
		for k, sub := range subs {
			if isSyncAggregator(f.SyncProof(s, sub)) != want[k] {
				ok = false
				break
			}
		}
		if ok {
			return s
		}
	}
	panic(fmt.Sprintf("aggcases: no slot with sync aggregator pattern %v", want))
}

// SyncCombined is the SyncCommitteeSelectionCombined output.
func (f *F) SyncCombined(slot phase0.Slot, sub uint64) aggduty.SyncCommitteeSelectionCombined {
	p := f.SyncProof(slot, sub)
	return aggduty.SyncCommitteeSelectionCombined{Selection: &syncSelection{ValidatorIndex: f.vi(), Slot: slot, SubcommitteeIndex: sub, SelectionProof: p},
		Served: true, IsAggregator: isSyncAggregator(p)}
}

// SyncEarly is the SyncCommitteeSelectionCombined output of a proof
// combined before its duty is served.
func (f *F) SyncEarly(slot phase0.Slot, sub uint64) aggduty.SyncCommitteeSelectionCombined {
	return aggduty.SyncCommitteeSelectionCombined{Selection: &syncSelection{ValidatorIndex: f.vi(), Slot: slot, SubcommitteeIndex: sub, SelectionProof: f.SyncProof(slot, sub)}}
}

// StartSync is the contribution instance's start for the aggregator
// subcommittees subs (ascending).
func (f *F) StartSync(slot phase0.Slot, root phase0.Root, positions []uint64, subs ...uint64) aggduty.StartContributionConsensus {
	var vs []consensus.ContributionValidity
	for _, s := range subs {
		vs = append(vs, consensus.ContributionValidity{Slot: slot, SubcommitteeIndex: s, BeaconBlockRoot: root, Subcommittee: f.Subcommittee(s, positions)})
	}
	return aggduty.StartContributionConsensus{ID: f.ID(consensus.DutySyncContribution, slot), Validity: vs}
}

// Contribution is a contribution of subcommittee sub at slot for root by
// the subcommittee positions given (0..127).
func (f *F) Contribution(slot phase0.Slot, sub uint64, root phase0.Root, positions []uint64, members ...uint64) *altair.SyncCommitteeContribution {
	in, err := f.Chain.SyncCommitteeMessage(slot, root)
	if err != nil {
		panic(err)
	}
	bits := bitfield.NewBitvector128()
	var keys []dvccases.KeyPair
	for _, j := range members {
		bits.SetBitAt(j, true)
		keys = append(keys, f.syncKey(sub*128+j, positions))
	}
	sig := f.aggregate(keys, in.SigningRoot)
	return &altair.SyncCommitteeContribution{Slot: slot, BeaconBlockRoot: root, SubcommitteeIndex: sub, AggregationBits: bits, Signature: sig}
}

// CP is the validator's ContributionAndProof of c.
func (f *F) CP(c *altair.SyncCommitteeContribution) *altair.ContributionAndProof {
	return &altair.ContributionAndProof{AggregatorIndex: f.vi(), Contribution: c, SelectionProof: f.SyncProof(c.Slot, c.SubcommitteeIndex)}
}

func (f *F) cpRoot(cp *altair.ContributionAndProof) phase0.Root {
	in, err := f.Chain.ContributionAndProof(cp)
	if err != nil {
		panic(err)
	}
	return in.SigningRoot
}

// CPShare is share index i's share of the ContributionAndProof's
// signature.
func (f *F) CPShare(i int, cp *altair.ContributionAndProof) *networking.AggregationShare {
	root := f.cpRoot(cp)
	return &networking.AggregationShare{Type: uint64(networking.ShareContributionAndProof), Slot: cp.Contribution.Slot,
		SubcommitteeIndex: cp.Contribution.SubcommitteeIndex, ValidatorIndex: f.vi(), SigningRoot: root, Signature: f.shareSig(i, root), ShareIndex: uint64(i)}
}

// SubmittedCP is the combined signed contribution and proof.
func (f *F) SubmittedCP(cp *altair.ContributionAndProof) aggduty.SubmitContributionAndProof {
	return aggduty.SubmitContributionAndProof{Signed: &altair.SignedContributionAndProof{Message: cp, Signature: f.full(f.cpRoot(cp))}}
}

// --- common outputs ----------------------------------------------------------

// Bcast is the multicast of a share to every node.
func (f *F) Bcast(s *networking.AggregationShare) dvc.Broadcast {
	return dvc.Broadcast{Message: s, To: f.Peers()}
}

// Ignored is an Ignored output (its Detail is not compared).
func Ignored(r dvc.IgnoreReason, slot phase0.Slot) dvc.Ignored {
	return dvc.Ignored{Reason: r, Slot: slot}
}
