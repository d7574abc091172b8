// Package slashingstore is the node's persistent slashing-protection
// database: the EIP-3076 history of spec/slashing kept in a bbolt file, one
// record per write transaction, each transaction committed and fsynced
// before the call that stores it returns.
//
// # Safety contract
//
// RecordAttestation and RecordBlock are the only way a new signature enters
// the history. Each runs, inside one bbolt write transaction, the
// complete-strategy check of spec/slashing (SlashingDB.CheckAttestation,
// SlashingDB.CheckBlock) against the history stored in the file, refuses a
// slashable record (returning the spec's *slashing.ConflictError, so
// errors.Is works with slashing.ErrDoubleVote and the other sentinels),
// and otherwise writes the record and commits. bbolt commits with
// NoSync=false: the data pages and then the meta page are written and
// fdatasync'ed before Commit returns. A caller therefore signs only after
// Record* returned nil; a crash at any moment leaves either the old history
// (nothing was signed yet) or the new one (the signature may exist and is
// remembered). Because the check runs on the stored history inside the
// writing transaction, and bbolt holds an exclusive file lock (flock) for
// as long as a Store is open, no upstream bug, stale in-memory copy or
// second process can store a slashable pair: a second Open of the same file
// fails after Options.LockTimeout.
//
// The check does not read the whole history of the key. It loads the
// subset of records that decides every rule of CheckAttestation (and
// CheckBlock) and runs the spec's own check on that subset, which gives the
// same verdict as the check on the full history:
//
//   - attestation (source s, target t, s <= t): every record with target
//     >= min(s+1, t), which covers target t (repeat signing, double vote),
//     targets above t (records that may surround the new vote) and targets
//     in (s, t) (every record with source <= target that the new vote may
//     surround); the record with the lowest target (condition 5); a record
//     with the lowest source (condition 4, kept in the "min_source" key);
//     and every record with source > target (only an import or Save can
//     store one; they are indexed in the "irregular" bucket). In normal
//     operation (t = s+1, or a few epochs apart, and no later record) that
//     is a handful of records, however long the history;
//   - block (slot): every record at the slot and the record with the lowest
//     slot.
//
// TestSubsetCheckMatchesSpec compares the two verdicts on random histories.
//
// # Schema (version 1)
//
// All integers are big-endian uint64, so bbolt's byte order is numeric
// order; a signing root is tagged: 0x00 (absent, "unknown") or 0x01
// followed by the 32-byte root, so an absent root sorts before every
// present one, as spec/slashing orders records.
//
//	meta/                                   bucket
//	  "schema_version"            -> uint64 (1)
//	  "genesis_validators_root"   -> 32 bytes
//	validators/                             bucket
//	  <pubkey, 48 bytes>/                   bucket, one per validator key
//	    attestations/                       bucket; key = target || source || root tag, value empty
//	    irregular/                          bucket; the attestation keys whose source > target
//	    blocks/                             bucket; key = slot || root tag, value empty
//	    "min_source"     -> the attestation key of a record with the lowest source epoch
//	    "n_attestations" -> uint64, the number of attestation records
//	    "n_blocks"       -> uint64, the number of block records
//
// Iterating attestations/ gives the records sorted by target, source, root,
// and blocks/ by slot, root: the order spec/slashing keeps and exports. Open
// refuses a file with another schema version, another genesis validators
// root (a file made for another chain), or a bbolt file that is not a
// slashing store. A new file is created with mode 0600 and its directory is
// fsynced.
//
// # Interchange
//
// ImportInterchange and ExportInterchange use spec/slashing's EIP-3076 v5
// code on the history loaded inside the same transaction: import is the
// spec's union merge, applied in one write transaction (all or nothing: a
// bad file, of another chain, malformed or of another version, changes
// nothing), and export is the spec's deterministic export of the stored
// history.
//
// Save (remotesigner.SlashingStore) also merges: it adds every record of
// the given DB that the file lacks and never deletes one, so the stored
// history only becomes stricter.
package slashingstore
