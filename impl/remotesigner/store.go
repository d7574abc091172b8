package remotesigner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/slashing"
)

// SlashingStore persists the embedded signer's slashing-protection DB. The
// server loads the DB once at start and saves it after every new record,
// before it signs (so a crash after a signature left the signer can never
// forget it). Implementations: MemoryStore, InterchangeFileStore; the
// node's on-disk database can implement it too (RecordStore lets it store
// one record at a time instead of the whole DB).
type SlashingStore interface {
	// Load returns the stored DB for the chain with the given genesis
	// validators root, or an empty one (slashing.New) when nothing is
	// stored yet. A stored DB of another chain is an error.
	Load(genesisValidatorsRoot phase0.Root) (*slashing.SlashingDB, error)
	// Save stores db. It is called with the server's lock held and must
	// not keep a reference to db after it returns. When it fails the
	// server refuses to sign (HTTP 500).
	Save(db *slashing.SlashingDB) error
}

// RecordStore is a SlashingStore that can store single records. When the
// store implements it, the server calls RecordAttestation / RecordBlock
// (after the slashing check, before the in-memory insert and before
// signing) instead of Save.
type RecordStore interface {
	SlashingStore
	RecordAttestation(pubkey phase0.BLSPubKey, rec *slashing.SlashingDBAttestation) error
	RecordBlock(pubkey phase0.BLSPubKey, rec *slashing.SlashingDBBlock) error
}

// MemoryStore keeps nothing: the DB lives as long as the server. For tests
// and throw-away devnets.
type MemoryStore struct{}

// Load returns an empty DB.
func (MemoryStore) Load(gvr phase0.Root) (*slashing.SlashingDB, error) { return slashing.New(gvr), nil }

// Save does nothing.
func (MemoryStore) Save(*slashing.SlashingDB) error { return nil }

// InterchangeFileStore keeps the DB as an EIP-3076 interchange file (the
// complete export, format version 5), rewritten atomically (temporary file,
// fsync, rename) on every save. Simple and portable; each save costs time
// proportional to the whole history, which suits devnets and small nodes.
type InterchangeFileStore struct {
	Path string
}

// Load imports the file if it exists (a missing file is an empty DB).
func (s InterchangeFileStore) Load(gvr phase0.Root) (*slashing.SlashingDB, error) {
	db := slashing.New(gvr)
	data, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return db, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := db.ImportInterchange(data); err != nil {
		return nil, fmt.Errorf("slashing DB %s: %w", s.Path, err)
	}
	return db, nil
}

// Save writes the complete interchange export of db.
func (s InterchangeFileStore) Save(db *slashing.SlashingDB) error {
	data, err := db.ExportInterchange()
	if err != nil {
		return err
	}
	return writeFileAtomic(s.Path, data, 0o600)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
