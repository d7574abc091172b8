package slashing

import (
	"bytes"
	"cmp"
	"slices"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// InterchangeFormatVersion is the EIP-3076 interchange format version this
// package reads and writes ("Additional Information": the version is 5).
const InterchangeFormatVersion = 5

// SSZ list limits of the slashing DB containers. They are part of every hash
// tree root that contains a slashing DB.
const (
	// MaxSignedRecords bounds SlashingDBData.SignedBlocks and
	// SlashingDBData.SignedAttestations (2**24).
	MaxSignedRecords = 1 << 24
	// MaxValidators bounds SlashingDB.Data; it equals the beacon chain's
	// VALIDATOR_REGISTRY_LIMIT (2**40).
	MaxValidators = 1 << 40
)

// SlashingDBBlock is utils/types.py SlashingDBBlock: one EIP-3076
// signed_blocks entry.
type SlashingDBBlock struct {
	// Slot is the slot of the signed block.
	Slot phase0.Slot
	// SigningRoot is compute_signing_root(block, domain) of the signed block,
	// or nil when it is unknown. SSZ: List[Root, 1].
	SigningRoot *phase0.Root `ssz-type:"optional-list"`
}

// SlashingDBAttestation is utils/types.py SlashingDBAttestation: one
// EIP-3076 signed_attestations entry.
type SlashingDBAttestation struct {
	// SourceEpoch is attestation.data.source.epoch.
	SourceEpoch phase0.Epoch
	// TargetEpoch is attestation.data.target.epoch.
	TargetEpoch phase0.Epoch
	// SigningRoot is compute_signing_root(attestation_data, domain), or nil
	// when it is unknown. SSZ: List[Root, 1].
	SigningRoot *phase0.Root `ssz-type:"optional-list"`
}

// SlashingDBData is utils/types.py SlashingDBData: the signing history of
// one validator key (one EIP-3076 data entry).
//
// The functions of this package keep both lists sorted (blocks by slot, then
// signing root; attestations by target epoch, then source epoch, then
// signing root; an absent root sorts before every present root) and free of
// duplicates, so the same history always has the same SSZ encoding and hash
// tree root. The checks do not depend on that order: a history built by
// hand or decoded from SSZ is checked correctly whatever its order.
type SlashingDBData struct {
	Pubkey             phase0.BLSPubKey
	SignedBlocks       []*SlashingDBBlock       `ssz-max:"16777216"`
	SignedAttestations []*SlashingDBAttestation `ssz-max:"16777216"`
}

// SlashingDB is utils/types.py SlashingDB: the EIP-3076 slashing protection
// database of a node, in the interchange layout (one entry per key).
//
// The functions of this package keep Data sorted by pubkey bytes with one
// entry per pubkey. The checks read every entry for a pubkey, so a DB that
// breaks this (decoded from SSZ, built by hand) is never under-protected.
type SlashingDB struct {
	// InterchangeFormatVersion is always InterchangeFormatVersion (5).
	InterchangeFormatVersion uint64
	// GenesisValidatorsRoot identifies the chain the history belongs to.
	GenesisValidatorsRoot phase0.Root
	// Data holds one history per validator key.
	Data []*SlashingDBData `ssz-max:"1099511627776"`
}

// New returns an empty slashing DB for the chain with the given genesis
// validators root. It is the empty utils/types.py SlashingDB that spec.py
// starts every distributed validator with.
func New(genesisValidatorsRoot phase0.Root) *SlashingDB {
	return &SlashingDB{
		InterchangeFormatVersion: InterchangeFormatVersion,
		GenesisValidatorsRoot:    genesisValidatorsRoot,
		Data:                     []*SlashingDBData{},
	}
}

// Clone returns a deep copy of db (no Python counterpart: Go needs it to
// snapshot a DB, e.g. before a risky operation or in tests). Nil entries are
// kept as nil; Clone of a nil DB is nil.
func (db *SlashingDB) Clone() *SlashingDB {
	if db == nil {
		return nil
	}
	out := &SlashingDB{
		InterchangeFormatVersion: db.InterchangeFormatVersion,
		GenesisValidatorsRoot:    db.GenesisValidatorsRoot,
	}
	if db.Data != nil {
		out.Data = make([]*SlashingDBData, len(db.Data))
		for i, d := range db.Data {
			out.Data[i] = d.Clone()
		}
	}
	return out
}

// Clone returns a deep copy of d (no Python counterpart, see
// SlashingDB.Clone).
func (d *SlashingDBData) Clone() *SlashingDBData {
	if d == nil {
		return nil
	}
	out := &SlashingDBData{Pubkey: d.Pubkey}
	if d.SignedBlocks != nil {
		out.SignedBlocks = make([]*SlashingDBBlock, len(d.SignedBlocks))
		for i, b := range d.SignedBlocks {
			out.SignedBlocks[i] = b.clone()
		}
	}
	if d.SignedAttestations != nil {
		out.SignedAttestations = make([]*SlashingDBAttestation, len(d.SignedAttestations))
		for i, a := range d.SignedAttestations {
			out.SignedAttestations[i] = a.clone()
		}
	}
	return out
}

func (b *SlashingDBBlock) clone() *SlashingDBBlock {
	if b == nil {
		return nil
	}
	return &SlashingDBBlock{Slot: b.Slot, SigningRoot: cloneRoot(b.SigningRoot)}
}

func (a *SlashingDBAttestation) clone() *SlashingDBAttestation {
	if a == nil {
		return nil
	}
	return &SlashingDBAttestation{SourceEpoch: a.SourceEpoch, TargetEpoch: a.TargetEpoch, SigningRoot: cloneRoot(a.SigningRoot)}
}

func cloneRoot(r *phase0.Root) *phase0.Root {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// GetSlashingDBDataForPubkey is utils/helpers/slashing_db.py
// get_slashing_db_data_for_pubkey: the history of pubkey in db. When db has
// no entry for pubkey it returns a new empty history for pubkey, which is not
// inserted into db. The Python asserts there is at most one entry; here the
// first entry is returned (the checks of this package read all of them).
//
// The result is the DB's own entry, not a copy: it must not be modified, and
// it may be replaced by the next Insert or Import.
func GetSlashingDBDataForPubkey(db *SlashingDB, pubkey phase0.BLSPubKey) *SlashingDBData {
	if db != nil {
		for _, d := range db.Data {
			if d != nil && d.Pubkey == pubkey {
				return d
			}
		}
	}
	return &SlashingDBData{
		Pubkey:             pubkey,
		SignedBlocks:       []*SlashingDBBlock{},
		SignedAttestations: []*SlashingDBAttestation{},
	}
}

// rootsEqual reports whether two signing roots are both present and equal:
// the EIP-3076 "repeat signing as determined by the signing_root" test. An
// absent root is unknown and equals nothing, not even another absent root.
func rootsEqual(a, b *phase0.Root) bool {
	return a != nil && b != nil && *a == *b
}

// sameRoot reports whether two optional roots are the same value (both absent,
// or both present and equal). It identifies duplicate records, not repeat
// signings.
func sameRoot(a, b *phase0.Root) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// compareRoots orders optional roots: absent first, then by bytes.
func compareRoots(a, b *phase0.Root) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return bytes.Compare(a[:], b[:])
}

func compareBlocks(a, b *SlashingDBBlock) int {
	if c := cmp.Compare(a.Slot, b.Slot); c != 0 {
		return c
	}
	return compareRoots(a.SigningRoot, b.SigningRoot)
}

func compareAttestations(a, b *SlashingDBAttestation) int {
	if c := cmp.Compare(a.TargetEpoch, b.TargetEpoch); c != 0 {
		return c
	}
	if c := cmp.Compare(a.SourceEpoch, b.SourceEpoch); c != 0 {
		return c
	}
	return compareRoots(a.SigningRoot, b.SigningRoot)
}

// normalizeBlocks sorts blocks and removes nil entries and duplicates. It
// returns a new slice that shares no record with its input.
func normalizeBlocks(in []*SlashingDBBlock) []*SlashingDBBlock {
	out := make([]*SlashingDBBlock, 0, len(in))
	for _, b := range in {
		if b != nil {
			out = append(out, b.clone())
		}
	}
	slices.SortFunc(out, compareBlocks)
	return slices.CompactFunc(out, func(a, b *SlashingDBBlock) bool { return compareBlocks(a, b) == 0 })
}

// normalizeAttestations is normalizeBlocks for attestations.
func normalizeAttestations(in []*SlashingDBAttestation) []*SlashingDBAttestation {
	out := make([]*SlashingDBAttestation, 0, len(in))
	for _, a := range in {
		if a != nil {
			out = append(out, a.clone())
		}
	}
	slices.SortFunc(out, compareAttestations)
	return slices.CompactFunc(out, func(a, b *SlashingDBAttestation) bool { return compareAttestations(a, b) == 0 })
}

// MinSlot is the EIP-3076 condition 2 low watermark: the lowest slot of a
// signed block in d. ok is false when d has no signed block.
func (d *SlashingDBData) MinSlot() (slot phase0.Slot, ok bool) {
	if d == nil {
		return 0, false
	}
	for _, b := range d.SignedBlocks {
		if b != nil && (!ok || b.Slot < slot) {
			slot, ok = b.Slot, true
		}
	}
	return slot, ok
}

// MaxSlot is the minimal-strategy high watermark (EIP-3076 "Advice for
// Minimal Databases"): the highest slot of a signed block in d. ok is false
// when d has no signed block.
func (d *SlashingDBData) MaxSlot() (slot phase0.Slot, ok bool) {
	if d == nil {
		return 0, false
	}
	for _, b := range d.SignedBlocks {
		if b != nil && (!ok || b.Slot > slot) {
			slot, ok = b.Slot, true
		}
	}
	return slot, ok
}

// MinSourceEpoch is the EIP-3076 condition 4 low watermark (the Python
// min_source): the lowest source epoch of a signed attestation in d. ok is
// false when d has no signed attestation.
func (d *SlashingDBData) MinSourceEpoch() (epoch phase0.Epoch, ok bool) {
	return d.attestationBound(func(a *SlashingDBAttestation) phase0.Epoch { return a.SourceEpoch }, false)
}

// MinTargetEpoch is the EIP-3076 condition 5 low watermark (the Python
// min_target): the lowest target epoch of a signed attestation in d. ok is
// false when d has no signed attestation.
func (d *SlashingDBData) MinTargetEpoch() (epoch phase0.Epoch, ok bool) {
	return d.attestationBound(func(a *SlashingDBAttestation) phase0.Epoch { return a.TargetEpoch }, false)
}

// MaxSourceEpoch is the minimal-strategy high watermark (EIP-3076 "Advice
// for Minimal Databases"): the highest source epoch of a signed attestation
// in d. ok is false when d has no signed attestation.
func (d *SlashingDBData) MaxSourceEpoch() (epoch phase0.Epoch, ok bool) {
	return d.attestationBound(func(a *SlashingDBAttestation) phase0.Epoch { return a.SourceEpoch }, true)
}

// MaxTargetEpoch is the minimal-strategy high watermark (EIP-3076 "Advice
// for Minimal Databases"): the highest target epoch of a signed attestation
// in d. ok is false when d has no signed attestation.
func (d *SlashingDBData) MaxTargetEpoch() (epoch phase0.Epoch, ok bool) {
	return d.attestationBound(func(a *SlashingDBAttestation) phase0.Epoch { return a.TargetEpoch }, true)
}

func (d *SlashingDBData) attestationBound(field func(*SlashingDBAttestation) phase0.Epoch, max bool) (epoch phase0.Epoch, ok bool) {
	if d == nil {
		return 0, false
	}
	for _, a := range d.SignedAttestations {
		if a == nil {
			continue
		}
		v := field(a)
		if !ok || (max && v > epoch) || (!max && v < epoch) {
			epoch, ok = v, true
		}
	}
	return epoch, ok
}
