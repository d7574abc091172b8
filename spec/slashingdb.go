package spec

import (
	"fmt"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/slashing"
)

// UpdateAttestationSlashingDB is spec.py update_attestation_slashing_db,
// fixed in two ways: it stores the EIP-3076 signing root of the attestation
// (the Python stores hash_tree_root(attestation_data), which no other
// EIP-3076 implementation would recognise), and it returns an error instead
// of asserting, leaving the DB unchanged, when the data is slashable.
//
// It is also Dafny f_update_attestation_slashing_db, which adds without a
// check.
func UpdateAttestationSlashingDB(db *slashing.SlashingDB, data *phase0.AttestationData, signingRoot Root, pubkey BLSPubKey) error {
	if db == nil || data == nil || data.Source == nil || data.Target == nil {
		return fmt.Errorf("update attestation slashing DB: missing DB or attestation data")
	}
	return db.InsertAttestation(pubkey, data.Source.Epoch, data.Target.Epoch, &signingRoot)
}

// UpdateBlockSlashingDB is spec.py update_block_slashing_db, fixed like
// UpdateAttestationSlashingDB: the block's EIP-3076 signing root is stored
// and a slashable block is refused with an error, not an assert.
//
// It is also Dafny f_update_block_slashing_db with
// construct_SlashingDBBlock_from_beacon_block.
func UpdateBlockSlashingDB(db *slashing.SlashingDB, block *eth2spec.VersionedBeaconBlock, signingRoot Root, pubkey BLSPubKey) error {
	if db == nil || block == nil || block.IsEmpty() {
		return fmt.Errorf("update block slashing DB: missing DB or block")
	}
	slot, err := block.Slot()
	if err != nil {
		return fmt.Errorf("update block slashing DB: %w", err)
	}
	return db.InsertBlock(pubkey, slot, &signingRoot)
}
