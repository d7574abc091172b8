package slashing

import (
	"bytes"
	"slices"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// entriesFor calls fn for every history of pubkey in db. A well-formed DB has
// at most one; reading all of them means a malformed DB (duplicate entries)
// is never under-protected.
func (db *SlashingDB) entriesFor(pubkey phase0.BLSPubKey, fn func(*SlashingDBData) bool) {
	for _, d := range db.Data {
		if d != nil && d.Pubkey == pubkey {
			if !fn(d) {
				return
			}
		}
	}
}

// CheckAttestation is the complete-strategy attestation check: EIP-3076
// conditions 3, 4 and 5 (utils/helpers/slashing_db.py
// is_slashable_attestation_data, fixed). It returns nil when signing the
// attestation (source, target) with signingRoot for pubkey is safe, and
// otherwise a *ConflictError wrapping, in this order of precedence:
//
//   - ErrSourceAfterTarget when source > target;
//   - nil at once for a repeat signing: a signed record with the same source,
//     target and a present signing root equal to signingRoot;
//   - ErrDoubleVote when a signed record has the same target epoch
//     (condition 3);
//   - ErrTargetBelowMinimum when target <= the minimum signed target epoch
//     (condition 5);
//   - ErrSourceBelowMinimum when source < the minimum signed source epoch
//     (condition 4);
//   - ErrSurroundsExisting when the attestation surrounds a signed record
//     (condition 3);
//   - ErrSurroundedByExisting when a signed record surrounds it (condition
//     3).
//
// The double vote comes first because it names the exact conflict; the
// watermarks then come before the surround checks, as in the Python. That
// order matters for condition 4, which never refuses alone: an attestation
// below the minimum source and above the minimum target surrounds the
// record holding the minimum target. A nil signingRoot is unknown: it never
// makes a repeat signing.
func (db *SlashingDB) CheckAttestation(pubkey phase0.BLSPubKey, source, target phase0.Epoch, signingRoot *phase0.Root) error {
	if db == nil {
		return ErrNilDB
	}
	refuse := func(err error, existing *SlashingDBAttestation) error {
		return &ConflictError{
			Err:                 err,
			Pubkey:              pubkey,
			Attestation:         &SlashingDBAttestation{SourceEpoch: source, TargetEpoch: target, SigningRoot: cloneRoot(signingRoot)},
			ExistingAttestation: existing.clone(),
		}
	}
	if source > target {
		return refuse(ErrSourceAfterTarget, nil)
	}
	var double, surrounds, surrounded, minSource, minTarget *SlashingDBAttestation
	repeat := false
	db.entriesFor(pubkey, func(d *SlashingDBData) bool {
		for _, r := range d.SignedAttestations {
			if r == nil {
				continue
			}
			if r.SourceEpoch == source && r.TargetEpoch == target && rootsEqual(r.SigningRoot, signingRoot) {
				repeat = true
				return false
			}
			if double == nil && r.TargetEpoch == target {
				double = r
			}
			if surrounds == nil && source < r.SourceEpoch && r.TargetEpoch < target {
				surrounds = r
			}
			if surrounded == nil && r.SourceEpoch < source && target < r.TargetEpoch {
				surrounded = r
			}
			if minSource == nil || r.SourceEpoch < minSource.SourceEpoch {
				minSource = r
			}
			if minTarget == nil || r.TargetEpoch < minTarget.TargetEpoch {
				minTarget = r
			}
		}
		return true
	})
	switch {
	case repeat:
		return nil
	case double != nil:
		return refuse(ErrDoubleVote, double)
	case minTarget != nil && target <= minTarget.TargetEpoch:
		return refuse(ErrTargetBelowMinimum, minTarget)
	case minSource != nil && source < minSource.SourceEpoch:
		return refuse(ErrSourceBelowMinimum, minSource)
	case surrounds != nil:
		return refuse(ErrSurroundsExisting, surrounds)
	case surrounded != nil:
		return refuse(ErrSurroundedByExisting, surrounded)
	}
	return nil
}

// CheckBlock is the complete-strategy block check: EIP-3076 conditions 1 and
// 2 (utils/helpers/slashing_db.py is_slashable_block, fixed). It returns nil
// when signing a block at slot with signingRoot for pubkey is safe, and
// otherwise a *ConflictError wrapping, in this order of precedence:
//
//   - nil at once for a repeat signing: a signed record at slot with a
//     present signing root equal to signingRoot;
//   - ErrDoubleProposal when another record at slot exists (also when either
//     root is absent: EIP-3076 condition 1);
//   - ErrSlotBelowMinimum when slot <= the minimum signed slot (condition 2).
func (db *SlashingDB) CheckBlock(pubkey phase0.BLSPubKey, slot phase0.Slot, signingRoot *phase0.Root) error {
	if db == nil {
		return ErrNilDB
	}
	refuse := func(err error, existing *SlashingDBBlock) error {
		return &ConflictError{
			Err:           err,
			Pubkey:        pubkey,
			Block:         &SlashingDBBlock{Slot: slot, SigningRoot: cloneRoot(signingRoot)},
			ExistingBlock: existing.clone(),
		}
	}
	var double, minSlot *SlashingDBBlock
	repeat := false
	db.entriesFor(pubkey, func(d *SlashingDBData) bool {
		for _, r := range d.SignedBlocks {
			if r == nil {
				continue
			}
			if r.Slot == slot && rootsEqual(r.SigningRoot, signingRoot) {
				repeat = true
				return false
			}
			if double == nil && r.Slot == slot {
				double = r
			}
			if minSlot == nil || r.Slot < minSlot.Slot {
				minSlot = r
			}
		}
		return true
	})
	switch {
	case repeat:
		return nil
	case double != nil:
		return refuse(ErrDoubleProposal, double)
	case minSlot != nil && slot <= minSlot.Slot:
		return refuse(ErrSlotBelowMinimum, minSlot)
	}
	return nil
}

// CheckAttestationMinimal is the minimal-strategy attestation check
// (EIP-3076 "Advice for Minimal Databases"): it refuses source > target
// (ErrSourceAfterTarget), source < the maximum signed source epoch
// (ErrSourceBelowMaximum) and target <= the maximum signed target epoch
// (ErrTargetBelowMaximum). It has no repeat-signing exception. Everything it
// allows, CheckAttestation allows too.
func (db *SlashingDB) CheckAttestationMinimal(pubkey phase0.BLSPubKey, source, target phase0.Epoch, signingRoot *phase0.Root) error {
	if db == nil {
		return ErrNilDB
	}
	refuse := func(err error, existing *SlashingDBAttestation) error {
		return &ConflictError{
			Err:                 err,
			Pubkey:              pubkey,
			Attestation:         &SlashingDBAttestation{SourceEpoch: source, TargetEpoch: target, SigningRoot: cloneRoot(signingRoot)},
			ExistingAttestation: existing.clone(),
		}
	}
	if source > target {
		return refuse(ErrSourceAfterTarget, nil)
	}
	var maxSource, maxTarget *SlashingDBAttestation
	db.entriesFor(pubkey, func(d *SlashingDBData) bool {
		for _, r := range d.SignedAttestations {
			if r == nil {
				continue
			}
			if maxSource == nil || r.SourceEpoch > maxSource.SourceEpoch {
				maxSource = r
			}
			if maxTarget == nil || r.TargetEpoch > maxTarget.TargetEpoch {
				maxTarget = r
			}
		}
		return true
	})
	switch {
	case maxSource != nil && source < maxSource.SourceEpoch:
		return refuse(ErrSourceBelowMaximum, maxSource)
	case maxTarget != nil && target <= maxTarget.TargetEpoch:
		return refuse(ErrTargetBelowMaximum, maxTarget)
	}
	return nil
}

// CheckBlockMinimal is the minimal-strategy block check (EIP-3076 "Advice
// for Minimal Databases"): it refuses slot <= the maximum signed slot
// (ErrSlotBelowMaximum). It has no repeat-signing exception.
func (db *SlashingDB) CheckBlockMinimal(pubkey phase0.BLSPubKey, slot phase0.Slot, signingRoot *phase0.Root) error {
	if db == nil {
		return ErrNilDB
	}
	var maxSlot *SlashingDBBlock
	db.entriesFor(pubkey, func(d *SlashingDBData) bool {
		for _, r := range d.SignedBlocks {
			if r != nil && (maxSlot == nil || r.Slot > maxSlot.Slot) {
				maxSlot = r
			}
		}
		return true
	})
	if maxSlot != nil && slot <= maxSlot.Slot {
		return &ConflictError{
			Err:           ErrSlotBelowMaximum,
			Pubkey:        pubkey,
			Block:         &SlashingDBBlock{Slot: slot, SigningRoot: cloneRoot(signingRoot)},
			ExistingBlock: maxSlot.clone(),
		}
	}
	return nil
}

// InsertAttestation is the check-and-store step of spec.py
// update_attestation_slashing_db, fixed (spec.UpdateAttestationSlashingDB
// takes the attestation data and calls it): it runs CheckAttestation and,
// when that allows the attestation, records it in the history of pubkey. A
// refusal is returned as an error (the Python asserts) and leaves db
// unchanged. A repeat signing stores nothing new. The history of a new key
// is created (the Python appends to the detached empty value
// get_slashing_db_data_for_pubkey returns for an unknown key, so a key's
// first record was lost), and the stored signing root is the caller's real
// signing root (the Python stored hash_tree_root of the data).
// ErrHistoryFull is returned when the history already holds
// MaxSignedRecords attestations.
func (db *SlashingDB) InsertAttestation(pubkey phase0.BLSPubKey, source, target phase0.Epoch, signingRoot *phase0.Root) error {
	if err := db.CheckAttestation(pubkey, source, target, signingRoot); err != nil {
		return err
	}
	return db.storeAttestation(pubkey, &SlashingDBAttestation{SourceEpoch: source, TargetEpoch: target, SigningRoot: cloneRoot(signingRoot)})
}

// InsertBlock is the check-and-store step of spec.py
// update_block_slashing_db, fixed as InsertAttestation is
// (spec.UpdateBlockSlashingDB takes the block and calls it): it runs
// CheckBlock and, when that allows the block, records it in the history of
// pubkey, creating the history of a new key. A refusal is returned as an
// error (the Python asserts) and leaves db unchanged. A repeat signing
// stores nothing new.
func (db *SlashingDB) InsertBlock(pubkey phase0.BLSPubKey, slot phase0.Slot, signingRoot *phase0.Root) error {
	if err := db.CheckBlock(pubkey, slot, signingRoot); err != nil {
		return err
	}
	return db.storeBlock(pubkey, &SlashingDBBlock{Slot: slot, SigningRoot: cloneRoot(signingRoot)})
}

// InsertAttestationMinimal is InsertAttestation with the minimal strategy
// (EIP-3076 "Advice for Minimal Databases"): it runs CheckAttestationMinimal
// and, when that allows the attestation, records it. On error db is
// unchanged.
func (db *SlashingDB) InsertAttestationMinimal(pubkey phase0.BLSPubKey, source, target phase0.Epoch, signingRoot *phase0.Root) error {
	if err := db.CheckAttestationMinimal(pubkey, source, target, signingRoot); err != nil {
		return err
	}
	return db.storeAttestation(pubkey, &SlashingDBAttestation{SourceEpoch: source, TargetEpoch: target, SigningRoot: cloneRoot(signingRoot)})
}

// InsertBlockMinimal is InsertBlock with the minimal strategy (EIP-3076
// "Advice for Minimal Databases"): it runs CheckBlockMinimal and, when that
// allows the block, records it. On error db is unchanged.
func (db *SlashingDB) InsertBlockMinimal(pubkey phase0.BLSPubKey, slot phase0.Slot, signingRoot *phase0.Root) error {
	if err := db.CheckBlockMinimal(pubkey, slot, signingRoot); err != nil {
		return err
	}
	return db.storeBlock(pubkey, &SlashingDBBlock{Slot: slot, SigningRoot: cloneRoot(signingRoot)})
}

// entryForInsert returns the history of pubkey, creating it (at its sorted
// position) when absent. It is only called once nothing can fail any more.
func (db *SlashingDB) entryForInsert(pubkey phase0.BLSPubKey) *SlashingDBData {
	for _, d := range db.Data {
		if d != nil && d.Pubkey == pubkey {
			return d
		}
	}
	d := &SlashingDBData{
		Pubkey:             pubkey,
		SignedBlocks:       []*SlashingDBBlock{},
		SignedAttestations: []*SlashingDBAttestation{},
	}
	i, _ := slices.BinarySearchFunc(db.Data, pubkey, func(e *SlashingDBData, k phase0.BLSPubKey) int {
		if e == nil {
			return -1
		}
		return bytes.Compare(e.Pubkey[:], k[:])
	})
	db.Data = slices.Insert(db.Data, i, d)
	return d
}

// hasBlock reports whether a history of pubkey already holds a record
// identical to b, and whether a history of pubkey is full.
func (db *SlashingDB) hasBlock(pubkey phase0.BLSPubKey, b *SlashingDBBlock) (found bool, full bool) {
	db.entriesFor(pubkey, func(d *SlashingDBData) bool {
		if len(d.SignedBlocks) >= MaxSignedRecords {
			full = true
		}
		for _, r := range d.SignedBlocks {
			if r != nil && r.Slot == b.Slot && sameRoot(r.SigningRoot, b.SigningRoot) {
				found = true
				return false
			}
		}
		return true
	})
	return found, full
}

// hasAttestation is hasBlock for attestations.
func (db *SlashingDB) hasAttestation(pubkey phase0.BLSPubKey, a *SlashingDBAttestation) (found bool, full bool) {
	db.entriesFor(pubkey, func(d *SlashingDBData) bool {
		if len(d.SignedAttestations) >= MaxSignedRecords {
			full = true
		}
		for _, r := range d.SignedAttestations {
			if r != nil && r.SourceEpoch == a.SourceEpoch && r.TargetEpoch == a.TargetEpoch && sameRoot(r.SigningRoot, a.SigningRoot) {
				found = true
				return false
			}
		}
		return true
	})
	return found, full
}

// storeBlock adds b to the history of pubkey at its sorted position, unless
// an identical record is already there.
func (db *SlashingDB) storeBlock(pubkey phase0.BLSPubKey, b *SlashingDBBlock) error {
	found, full := db.hasBlock(pubkey, b)
	if found {
		return nil
	}
	if full {
		return ErrHistoryFull
	}
	d := db.entryForInsert(pubkey)
	i, _ := slices.BinarySearchFunc(d.SignedBlocks, b, compareNilFirst(compareBlocks))
	d.SignedBlocks = slices.Insert(d.SignedBlocks, i, b)
	return nil
}

// storeAttestation adds a to the history of pubkey at its sorted position,
// unless an identical record is already there.
func (db *SlashingDB) storeAttestation(pubkey phase0.BLSPubKey, a *SlashingDBAttestation) error {
	found, full := db.hasAttestation(pubkey, a)
	if found {
		return nil
	}
	if full {
		return ErrHistoryFull
	}
	d := db.entryForInsert(pubkey)
	i, _ := slices.BinarySearchFunc(d.SignedAttestations, a, compareNilFirst(compareAttestations))
	d.SignedAttestations = slices.Insert(d.SignedAttestations, i, a)
	return nil
}

// compareNilFirst extends a record order to nil records (malformed DBs).
func compareNilFirst[T any](c func(a, b *T) int) func(a, b *T) int {
	return func(a, b *T) int {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		case b == nil:
			return 1
		}
		return c(a, b)
	}
}

// IsSlashableAttestationData is utils/helpers/slashing_db.py
// is_slashable_attestation_data, fixed: it reports whether signing data with
// signingRoot for pubkey must be refused under the complete strategy
// (CheckAttestation): both surround directions are checked, a repeat signing
// is allowed, and the signing root is the real one the caller computed with
// the attester domain (the Python compared data.hash_tree_root()). A nil
// data, or data without source or target, is refused (true).
func IsSlashableAttestationData(db *SlashingDB, data *phase0.AttestationData, signingRoot *phase0.Root, pubkey phase0.BLSPubKey) bool {
	if data == nil || data.Source == nil || data.Target == nil {
		return true
	}
	return db.CheckAttestation(pubkey, data.Source.Epoch, data.Target.Epoch, signingRoot) != nil
}

// IsSlashableBlock is utils/helpers/slashing_db.py is_slashable_block,
// fixed: it reports whether signing a block at slot with signingRoot for
// pubkey must be refused under the complete strategy (CheckBlock). The
// signing root is the real one the caller computed with the proposer domain
// (the Python compared block.hash_tree_root()), and a block at a signed
// slot is refused when either signing root is absent. Otherwise the rule is
// the Python's: refuse slot < min slot, and a signed slot with another root.
func IsSlashableBlock(db *SlashingDB, slot phase0.Slot, signingRoot *phase0.Root, pubkey phase0.BLSPubKey) bool {
	return db.CheckBlock(pubkey, slot, signingRoot) != nil
}
