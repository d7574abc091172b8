package slashing

import (
	"bytes"
	"fmt"

	"github.com/dvspec/go-dvspec/spec/sszutil"
)

// DecodeSlashingDB decodes an SSZ-encoded SlashingDB strictly (no Python
// counterpart). Beyond UnmarshalSSZ it requires the encoding to be the
// canonical one (re-encoding the result gives back buf exactly; this rejects,
// among others, a signing root list element that is not exactly 32 bytes,
// which the generated decoder does not check) and the DB to pass Validate.
func DecodeSlashingDB(buf []byte) (*SlashingDB, error) {
	db := new(SlashingDB)
	if err := sszutil.DecodeCanonical(buf, db); err != nil {
		return nil, fmt.Errorf("slashing: decode SSZ: %w", err)
	}
	if err := db.Validate(); err != nil {
		return nil, err
	}
	return db, nil
}

// Validate reports whether db is in the form the functions of this package
// keep it in (no Python counterpart): InterchangeFormatVersion 5, no nil
// entries, one entry per pubkey sorted by pubkey bytes, and in every entry
// non-nil records, sorted and without duplicates (see SlashingDBData), within
// MaxSignedRecords. The checks are correct on any DB; Validate matters for a
// DB decoded or built outside this package, whose SSZ root and interchange
// export should be canonical.
func (db *SlashingDB) Validate() error {
	if db == nil {
		return ErrNilDB
	}
	if db.InterchangeFormatVersion != InterchangeFormatVersion {
		return fmt.Errorf("%w: database has version %d, want %d", ErrUnsupportedVersion, db.InterchangeFormatVersion, InterchangeFormatVersion)
	}
	for i, d := range db.Data {
		if d == nil {
			return fmt.Errorf("slashing: data[%d] is nil", i)
		}
		if i > 0 && bytes.Compare(db.Data[i-1].Pubkey[:], d.Pubkey[:]) >= 0 {
			return fmt.Errorf("slashing: data[%d] (pubkey %#x) is not after data[%d] (pubkey %#x) in pubkey order", i, d.Pubkey[:], i-1, db.Data[i-1].Pubkey[:])
		}
		if len(d.SignedBlocks) > MaxSignedRecords || len(d.SignedAttestations) > MaxSignedRecords {
			return fmt.Errorf("slashing: data[%d] (pubkey %#x): %w", i, d.Pubkey[:], ErrHistoryFull)
		}
		for j, b := range d.SignedBlocks {
			if b == nil {
				return fmt.Errorf("slashing: data[%d] (pubkey %#x): signed_blocks[%d] is nil", i, d.Pubkey[:], j)
			}
			if j > 0 && compareBlocks(d.SignedBlocks[j-1], b) >= 0 {
				return fmt.Errorf("slashing: data[%d] (pubkey %#x): signed_blocks[%d] is not after signed_blocks[%d] (unsorted or duplicate)", i, d.Pubkey[:], j, j-1)
			}
		}
		for j, a := range d.SignedAttestations {
			if a == nil {
				return fmt.Errorf("slashing: data[%d] (pubkey %#x): signed_attestations[%d] is nil", i, d.Pubkey[:], j)
			}
			if j > 0 && compareAttestations(d.SignedAttestations[j-1], a) >= 0 {
				return fmt.Errorf("slashing: data[%d] (pubkey %#x): signed_attestations[%d] is not after signed_attestations[%d] (unsorted or duplicate)", i, d.Pubkey[:], j, j-1)
			}
		}
	}
	return nil
}
