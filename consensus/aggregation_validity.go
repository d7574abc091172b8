package consensus

import (
	"bytes"
	"errors"

	bitfield "github.com/OffchainLabs/go-bitfield"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// Reasons an aggregate or a contribution is invalid (SPEC.md section 12).
var (
	ErrDataMismatch         = errors.New("data differs from the distributed validator's decided data")
	ErrBlockRootMismatch    = errors.New("beacon block root differs from the one the distributed validator signed")
	ErrBitsShape            = errors.New("aggregation bits do not have the committee's length")
	ErrNoParticipant        = errors.New("aggregation bits are empty")
	ErrCommitteeBits        = errors.New("committee bits do not name exactly the duty's committee")
	ErrAggregateSignature   = errors.New("aggregate signature does not verify under the participants' keys")
	ErrSubcommitteeMismatch = errors.New("subcommittee differs from the duty's")
)

// AggregateValidity is what the aggregator instance's predicate checks an
// aggregate against: the attestation data the distributed validator
// decided (and attested) for the slot, the duty's committee index, and the
// public keys of the committee in committee order (the beacon state's
// get_beacon_committee, resolved by the caller).
type AggregateValidity struct {
	Data           *phase0.AttestationData
	CommitteeIndex phase0.CommitteeIndex
	Committee      []phase0.BLSPubKey
	// Parsed, when it holds exactly Committee, is those keys checked with
	// KeyValidate once (bls.NewPublicKeys, or bls.NewLazyPublicKeys, which
	// checks each key when a check first needs it): the signature check
	// then reuses them instead of decoding every participant's key per
	// call (a caller keeps one per epoch and committee). Any other list is
	// ignored, so the answer is the same with or without it.
	Parsed *bls.PublicKeys
}

// IsValidAggregate is the validity predicate of an aggregator instance
// (this spec: the sources have no aggregation, SPEC.md deviation 18; the
// rule is ssv-spec's and charon's, stated here). It returns nil when agg
// may be decided, and otherwise an error wrapping the rule that failed:
//   - agg has the shape of the fork in force at the data's slot (phase0
//     Attestation before Electra, electra.Attestation from Electra on);
//   - its data is the decided data (equal hash tree roots), so the
//     aggregate can only carry what this validator attested;
//   - from Electra on its committee bits name exactly the duty's committee
//     (EIP-7549), in MAX_COMMITTEES_PER_SLOT bits;
//   - its aggregation bits are a bitlist of the committee's length with at
//     least one bit set;
//   - its signature verifies (FastAggregateVerify) under the keys of the
//     set bits over the data's signing root (DOMAIN_BEACON_ATTESTER).
func IsValidAggregate(chain signing.Chain, agg *eth2spec.VersionedAttestation, v AggregateValidity) error {
	if agg == nil || v.Data == nil || v.Data.Source == nil || v.Data.Target == nil || len(v.Committee) == 0 {
		return reject(ErrMissingValue, "aggregate")
	}
	fork, err := chain.ForkAtSlot(v.Data.Slot)
	if err != nil {
		return reject(ErrMissingValue, "fork at slot %d: %v", v.Data.Slot, err)
	}
	var data *phase0.AttestationData
	var bits bitfield.Bitlist
	var sig phase0.BLSSignature
	// An electra-shaped aggregate passes under Electra or Fulu whichever of
	// the two its version names (the containers are the same); a phase0-shaped
	// one only under the fork it names.
	c, err := versioned.Attestation(agg)
	switch a := c.(type) {
	case *electra.Attestation:
		if fork.Name < eth2spec.DataVersionElectra {
			return reject(ErrWrongFork, "%s aggregate at slot %d, where %s is in force", agg.Version, v.Data.Slot, fork.Name)
		}
		n := chain.ChainConfig().MaxCommitteesPerSlot
		cb := []byte(a.CommitteeBits)
		if uint64(len(cb)) != (n+7)/8 {
			return reject(ErrCommitteeBits, "%d bytes of committee bits, %d committees", len(cb), n)
		}
		for i := uint64(0); i < uint64(len(cb))*8; i++ {
			set := cb[i/8]&(1<<(i%8)) != 0
			if set != (i == uint64(v.CommitteeIndex)) {
				return reject(ErrCommitteeBits, "bit %d, committee %d", i, v.CommitteeIndex)
			}
		}
		data, bits, sig = a.Data, a.AggregationBits, a.Signature
	case *phase0.Attestation:
		if agg.Version != fork.Name {
			return reject(ErrWrongFork, "%s aggregate at slot %d, where %s is in force", agg.Version, v.Data.Slot, fork.Name)
		}
		data, bits, sig = a.Data, a.AggregationBits, a.Signature
	default:
		return reject(ErrWrongFork, "%s aggregate at slot %d, where %s is in force: %v", agg.Version, v.Data.Slot, fork.Name, err)
	}
	if data == nil || data.Source == nil || data.Target == nil {
		return reject(ErrMissingValue, "aggregate data")
	}
	got, err1 := data.HashTreeRoot()
	want, err2 := v.Data.HashTreeRoot()
	if err1 != nil || err2 != nil || got != want {
		return reject(ErrDataMismatch, "aggregate data root %#x, decided %#x", got[:4], want[:4])
	}
	if len(bits) == 0 || bits[len(bits)-1] == 0 || bits.Len() != uint64(len(v.Committee)) {
		return reject(ErrBitsShape, "%d committee members", len(v.Committee))
	}
	var positions []int
	for i := range v.Committee {
		if bits.BitAt(uint64(i)) {
			positions = append(positions, i)
		}
	}
	if len(positions) == 0 {
		return reject(ErrNoParticipant, "slot %d committee %d", v.Data.Slot, v.CommitteeIndex)
	}
	in, err := chain.AttestationData(data)
	if err != nil {
		return reject(ErrMissingValue, "attestation signing root: %v", err)
	}
	if !fastAggregateVerifyAt(v.Committee, v.Parsed, positions, in.SigningRoot[:], sig) {
		return reject(ErrAggregateSignature, "%d participants", len(positions))
	}
	return nil
}

// fastAggregateVerifyAt is FastAggregateVerify under the keys at positions
// of keys: through parsed when it holds exactly keys (the same answer,
// without decoding the keys again), by decoding them otherwise.
func fastAggregateVerifyAt(keys []phase0.BLSPubKey, parsed *bls.PublicKeys, positions []int, msg []byte, sig phase0.BLSSignature) bool {
	if parsed.Holds(keys) {
		return parsed.FastAggregateVerify(positions, msg, sig)
	}
	set := make([]phase0.BLSPubKey, len(positions))
	for i, p := range positions {
		set[i] = keys[p]
	}
	return bls.FastAggregateVerify(set, msg, sig)
}

// ContributionValidity is what a sync contribution instance's predicate
// checks a contribution against: the slot, the subcommittee, the beacon
// block root the distributed validator decided (and signed) for its sync
// committee message of the slot, and the public keys of the subcommittee's
// SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT positions in order
// (a validator may hold several positions).
type ContributionValidity struct {
	Slot              phase0.Slot
	SubcommitteeIndex uint64
	BeaconBlockRoot   phase0.Root
	Subcommittee      []phase0.BLSPubKey
	// Parsed, when it holds exactly Subcommittee, is those keys already
	// checked with KeyValidate: the signature check then reuses them
	// instead of decoding up to 128 keys per call (a caller keeps one per
	// sync committee period). The answer is the same with or without it.
	Parsed *bls.PublicKeys
}

// IsValidContribution is the validity predicate of a sync contribution
// instance (this spec, SPEC.md deviation 18). It returns nil when c may be
// decided, and otherwise an error wrapping the rule that failed:
//   - the slot is the instance's and in Altair or later;
//   - the subcommittee is the instance's;
//   - the beacon block root is the one the validator signed for the slot;
//   - the aggregation bits have the subcommittee's length, at least one
//     set;
//   - the signature verifies (FastAggregateVerify) under the keys of the
//     set positions over the sync committee message signing root.
func IsValidContribution(chain signing.Chain, c *altair.SyncCommitteeContribution, v ContributionValidity) error {
	if c == nil {
		return reject(ErrMissingValue, "sync committee contribution")
	}
	if c.Slot != v.Slot {
		return reject(ErrSlotMismatch, "contribution slot %d, duty slot %d", c.Slot, v.Slot)
	}
	fork, err := chain.ForkAtSlot(v.Slot)
	if err != nil {
		return reject(ErrMissingValue, "fork at slot %d: %v", v.Slot, err)
	}
	if fork.Name < eth2spec.DataVersionAltair {
		return reject(ErrWrongFork, "slot %d is in %s, before sync committees", v.Slot, fork.Name)
	}
	if c.SubcommitteeIndex != v.SubcommitteeIndex {
		return reject(ErrSubcommitteeMismatch, "subcommittee %d, duty %d", c.SubcommitteeIndex, v.SubcommitteeIndex)
	}
	if !bytes.Equal(c.BeaconBlockRoot[:], v.BeaconBlockRoot[:]) {
		return reject(ErrBlockRootMismatch, "root %#x, signed %#x", c.BeaconBlockRoot[:4], v.BeaconBlockRoot[:4])
	}
	size := chain.ChainConfig().SyncSubcommitteeSize()
	if uint64(len(v.Subcommittee)) != size || uint64(len(c.AggregationBits)) != (size+7)/8 {
		return reject(ErrBitsShape, "%d bytes of bits, %d subcommittee keys, size %d", len(c.AggregationBits), len(v.Subcommittee), size)
	}
	var positions []int
	for i := uint64(0); i < size; i++ {
		if c.AggregationBits[i/8]&(1<<(i%8)) != 0 {
			positions = append(positions, int(i))
		}
	}
	if len(positions) == 0 {
		return reject(ErrNoParticipant, "slot %d subcommittee %d", v.Slot, v.SubcommitteeIndex)
	}
	in, err := chain.SyncCommitteeMessage(c.Slot, c.BeaconBlockRoot)
	if err != nil {
		return reject(ErrMissingValue, "sync committee message signing root: %v", err)
	}
	if !fastAggregateVerifyAt(v.Subcommittee, v.Parsed, positions, in.SigningRoot[:], c.Signature) {
		return reject(ErrAggregateSignature, "%d participants", len(positions))
	}
	return nil
}

// IsValidContributions is the validity predicate of a sync contribution
// instance, which decides the contributions of all the subcommittees the
// validator aggregates for at a slot in one value (ssv-spec's design; the
// InstanceID has no subcommittee): one contribution per validity, in the
// validities' (ascending subcommittee) order, each passing
// IsValidContribution against its own (this spec, deviation 18).
func IsValidContributions(chain signing.Chain, cs []*altair.SyncCommitteeContribution, vs []ContributionValidity) error {
	if len(cs) != len(vs) || len(vs) == 0 {
		return reject(ErrMissingValue, "%d contributions for %d subcommittees", len(cs), len(vs))
	}
	for i := range vs {
		if err := IsValidContribution(chain, cs[i], vs[i]); err != nil {
			return err
		}
	}
	return nil
}
