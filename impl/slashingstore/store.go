package slashingstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	bolt "go.etcd.io/bbolt"

	"github.com/dvspec/go-dvspec/spec/slashing"
)

// SchemaVersion is the version of the bbolt layout described in the package
// documentation.
const SchemaVersion = 1

// DefaultLockTimeout is how long Open waits for another holder of the file
// lock (another process, or another Store of the same file) to let go.
const DefaultLockTimeout = time.Second

// Bucket and key names of the schema.
var (
	bucketMeta         = []byte("meta")
	bucketValidators   = []byte("validators")
	bucketAttestations = []byte("attestations")
	bucketIrregular    = []byte("irregular")
	bucketBlocks       = []byte("blocks")

	keySchemaVersion = []byte("schema_version")
	keyGVR           = []byte("genesis_validators_root")
	keyClusterID     = []byte("cluster_id")
	keyMinSource     = []byte("min_source")
	keyNAtt          = []byte("n_attestations")
	keyNBlocks       = []byte("n_blocks")
)

// Errors of the store.
var (
	// ErrWrongChain: the file (or a DB given to Save, or the root given to
	// Load) belongs to another chain than the store.
	ErrWrongChain = errors.New("slashingstore: genesis validators root mismatch")
	// ErrCorrupt: the file does not hold what the schema says.
	ErrCorrupt = errors.New("slashingstore: corrupt database")
	// ErrWrongCluster: the file records another cluster ID than the one
	// the store is opened for.
	ErrWrongCluster = errors.New("slashingstore: cluster ID mismatch")
	// ErrEmptyFile: the file exists and has no bytes. bbolt would make a
	// new database of it, so a history lost to a truncation would be
	// replaced by an empty one without a word.
	ErrEmptyFile = errors.New("slashingstore: empty (0-byte) database file")
	// ErrNotADatabase: the file is not a bbolt database.
	ErrNotADatabase = errors.New("slashingstore: not a bbolt database")
)

// Foreign reports whether err is a refusal Options.Init overrides: an
// empty file, a file that is not a slashing store, or one of another
// chain or cluster.
func Foreign(err error) bool {
	for _, e := range []error{ErrEmptyFile, ErrNotADatabase, ErrCorrupt, ErrWrongChain, ErrWrongCluster} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Options tune OpenWithOptions.
type Options struct {
	// LockTimeout bounds the wait for the file lock (0: DefaultLockTimeout).
	LockTimeout time.Duration
	// ClusterID, when not zero, is the cluster the store belongs to: it is
	// recorded in a new file (and in a file written before cluster IDs
	// were recorded) and a file recording another one is refused
	// (ErrWrongCluster).
	ClusterID phase0.Root
	// Init accepts what Open refuses otherwise (Foreign): an empty file
	// is made a new store; a file that is not a slashing store, or is of
	// another chain, is moved aside (renamed PATH.foreign-<unix time>,
	// never deleted) and a new store created; a store of the same chain
	// recording another cluster ID keeps its history (it is kept by share
	// public key, which protects those keys whatever the cluster) and
	// records the new cluster ID.
	Init bool
	// Notice, when set, is told what Open did beyond opening or creating
	// a missing file: an empty file made a store, a file moved aside, a
	// cluster ID recorded or replaced.
	Notice func(msg string)
}

// Store is the bbolt-backed slashing DB. It implements
// remotesigner.SlashingStore and remotesigner.RecordStore. Its methods are
// safe for concurrent use; bbolt runs write transactions one at a time.
type Store struct {
	db      *bolt.DB
	gvr     phase0.Root
	cluster phase0.Root
	path    string
}

// Open opens (or creates) the slashing DB file at path for the chain with
// the given genesis validators root, with the default options.
func Open(path string, genesisValidatorsRoot phase0.Root) (*Store, error) {
	return OpenWithOptions(path, genesisValidatorsRoot, Options{})
}

// OpenWithOptions opens (or creates, with mode 0600) the slashing DB file
// at path. It refuses a file made for another chain (ErrWrongChain), with
// another schema version, or that is not a slashing store. While the Store
// is open it holds an exclusive lock on the file.
func OpenWithOptions(path string, genesisValidatorsRoot phase0.Root, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.Notice == nil {
		opts.Notice = func(string) {}
	}
	fi, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)
	if statErr == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		if !opts.Init {
			return nil, fmt.Errorf("%w: %s", ErrEmptyFile, path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("slashingstore: %w", err)
		}
		opts.Notice("the empty file " + path + " was made a new slashing DB")
		created = true
	}
	s, err := open(path, genesisValidatorsRoot, opts)
	if err != nil && opts.Init && (errors.Is(err, ErrNotADatabase) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrWrongChain)) {
		aside := fmt.Sprintf("%s.foreign-%d", path, time.Now().Unix())
		if rerr := os.Rename(path, aside); rerr != nil {
			return nil, fmt.Errorf("%w (moving it aside: %v)", err, rerr)
		}
		opts.Notice(fmt.Sprintf("%s was moved aside to %s (%v) and a new slashing DB created", path, aside, err))
		created = true
		s, err = open(path, genesisValidatorsRoot, opts)
	}
	if err != nil {
		return nil, err
	}
	if created {
		if err := syncDir(filepath.Dir(path)); err != nil {
			s.db.Close()
			return nil, fmt.Errorf("slashingstore: %w", err)
		}
	}
	return s, nil
}

func open(path string, genesisValidatorsRoot phase0.Root, opts Options) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, NoSync: false})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("slashingstore: %s is locked by another process or store: %w", path, err)
		}
		if errors.Is(err, bolt.ErrInvalid) || errors.Is(err, bolt.ErrVersionMismatch) || errors.Is(err, bolt.ErrChecksum) {
			return nil, fmt.Errorf("%w: %s: %v", ErrNotADatabase, path, err)
		}
		return nil, fmt.Errorf("slashingstore: opening %s: %w", path, err)
	}
	s := &Store{db: db, gvr: genesisValidatorsRoot, path: path, cluster: opts.ClusterID}
	if err := db.Update(func(tx *bolt.Tx) error { return s.initMeta(tx, opts) }); err != nil {
		db.Close()
		return nil, fmt.Errorf("slashingstore: %s: %w", path, err)
	}
	return s, nil
}

// initMeta creates the schema in an empty file, or checks the meta bucket
// of an existing one.
func (s *Store) initMeta(tx *bolt.Tx, opts Options) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		if err := tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil }); err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("%w: not a slashing store (no meta bucket)", ErrCorrupt)
		}
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keySchemaVersion, u64(SchemaVersion)); err != nil {
			return err
		}
		if err := meta.Put(keyGVR, bytes.Clone(s.gvr[:])); err != nil {
			return err
		}
		if !s.cluster.IsZero() {
			if err := meta.Put(keyClusterID, bytes.Clone(s.cluster[:])); err != nil {
				return err
			}
		}
		_, err = tx.CreateBucket(bucketValidators)
		return err
	}
	v := meta.Get(keySchemaVersion)
	if len(v) != 8 {
		return fmt.Errorf("%w: schema version missing", ErrCorrupt)
	}
	if ver := binary.BigEndian.Uint64(v); ver != SchemaVersion {
		return fmt.Errorf("slashingstore: schema version %d, this code reads %d", ver, SchemaVersion)
	}
	g := meta.Get(keyGVR)
	if len(g) != 32 {
		return fmt.Errorf("%w: genesis validators root missing", ErrCorrupt)
	}
	if !bytes.Equal(g, s.gvr[:]) {
		return fmt.Errorf("%w: the file is for %#x, not %#x", ErrWrongChain, g, s.gvr[:])
	}
	if tx.Bucket(bucketValidators) == nil {
		return fmt.Errorf("%w: validators bucket missing", ErrCorrupt)
	}
	if s.cluster.IsZero() {
		return nil
	}
	switch c := meta.Get(keyClusterID); {
	case c == nil:
		// Written before cluster IDs were recorded.
		opts.Notice(fmt.Sprintf("recorded cluster ID %#x in the slashing DB", s.cluster[:]))
	case bytes.Equal(c, s.cluster[:]):
		return nil
	case !opts.Init:
		return fmt.Errorf("%w: the file is for cluster %#x, not %#x", ErrWrongCluster, c, s.cluster[:])
	default:
		opts.Notice(fmt.Sprintf("the slashing DB of cluster %#x now records cluster %#x; its history is kept", c, s.cluster[:]))
	}
	return meta.Put(keyClusterID, bytes.Clone(s.cluster[:]))
}

// ClusterID is the cluster the file records (zero if none).
func (s *Store) ClusterID() (phase0.Root, error) {
	var r phase0.Root
	err := s.db.View(func(tx *bolt.Tx) error {
		copy(r[:], tx.Bucket(bucketMeta).Get(keyClusterID))
		return nil
	})
	return r, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Close closes the file and releases its lock.
func (s *Store) Close() error {
	return s.db.Close()
}

// Path is the file's path.
func (s *Store) Path() string { return s.path }

// GenesisValidatorsRoot is the chain the store belongs to.
func (s *Store) GenesisValidatorsRoot() phase0.Root { return s.gvr }

// ---- remotesigner.SlashingStore / RecordStore ----

// Load implements remotesigner.SlashingStore: the whole stored history,
// refusing another chain's root (ErrWrongChain).
func (s *Store) Load(genesisValidatorsRoot phase0.Root) (*slashing.SlashingDB, error) {
	if genesisValidatorsRoot != s.gvr {
		return nil, fmt.Errorf("%w: the store is for %#x, not %#x", ErrWrongChain, s.gvr[:], genesisValidatorsRoot[:])
	}
	return s.Snapshot()
}

// Snapshot returns the whole stored history as a slashing DB (sorted as
// spec/slashing keeps it). It is the node's Load without the chain
// argument (Load is taken by remotesigner.SlashingStore's signature).
func (s *Store) Snapshot() (*slashing.SlashingDB, error) {
	var out *slashing.SlashingDB
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = s.loadTx(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Save implements remotesigner.SlashingStore by merging: every record of db
// the file lacks is added, in one transaction committed before Save
// returns; nothing is ever deleted. db must be of the store's chain.
func (s *Store) Save(db *slashing.SlashingDB) error {
	if db == nil {
		return slashing.ErrNilDB
	}
	if db.InterchangeFormatVersion != slashing.InterchangeFormatVersion {
		return fmt.Errorf("%w: version %d", slashing.ErrUnsupportedVersion, db.InterchangeFormatVersion)
	}
	if db.GenesisValidatorsRoot != s.gvr {
		return fmt.Errorf("%w: the DB is for %#x, the store for %#x", ErrWrongChain, db.GenesisValidatorsRoot[:], s.gvr[:])
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, d := range db.Data {
			if d == nil {
				continue
			}
			if err := mergeData(tx, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// RecordAttestation implements remotesigner.RecordStore: it checks the
// attestation against the stored history of pubkey with the complete
// strategy (slashing.SlashingDB.CheckAttestation) and stores it, in one
// write transaction that is committed and fsynced before it returns. A
// slashable attestation is refused with the spec's *slashing.ConflictError
// and nothing is written. A repeat signing (same epochs, same present
// signing root) is allowed and stores nothing new. Sign only after it
// returned nil.
func (s *Store) RecordAttestation(pubkey phase0.BLSPubKey, rec *slashing.SlashingDBAttestation) error {
	if rec == nil {
		return errors.New("slashingstore: nil attestation record")
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		vb, err := tx.Bucket(bucketValidators).CreateBucketIfNotExists(pubkey[:])
		if err != nil {
			return err
		}
		if err := checkAttestationTx(vb, s.gvr, pubkey, rec); err != nil {
			return err
		}
		_, err = putAttestation(vb, rec)
		return err
	})
}

// RecordBlock implements remotesigner.RecordStore: RecordAttestation for a
// block proposal (slashing.SlashingDB.CheckBlock).
func (s *Store) RecordBlock(pubkey phase0.BLSPubKey, rec *slashing.SlashingDBBlock) error {
	if rec == nil {
		return errors.New("slashingstore: nil block record")
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		vb, err := tx.Bucket(bucketValidators).CreateBucketIfNotExists(pubkey[:])
		if err != nil {
			return err
		}
		if err := checkBlockTx(vb, s.gvr, pubkey, rec); err != nil {
			return err
		}
		_, err = putBlock(vb, rec)
		return err
	})
}

// Record is one signing to record: an attestation or a block (exactly one
// of them) under Pubkey.
type Record struct {
	Pubkey      phase0.BLSPubKey
	Attestation *slashing.SlashingDBAttestation
	Block       *slashing.SlashingDBBlock
}

// RecordBatch records several signings in one write transaction, committed
// and fsynced once before it returns: a group commit, for a signer that
// has several requests waiting (bbolt's commit syncs twice whatever its
// size, so one transaction for n records costs about what one record
// costs). Each record is checked as RecordAttestation / RecordBlock checks
// it, against the stored history and the batch's earlier records; the
// result for records[i] is errs[i], and a refused record is not written
// while the others are. A failure of the transaction itself is every
// record's error.
func (s *Store) RecordBatch(records []Record) (errs []error) {
	errs = make([]error, len(records))
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i, r := range records {
			if (r.Attestation == nil) == (r.Block == nil) {
				errs[i] = errors.New("slashingstore: a record holds exactly one of an attestation and a block")
				continue
			}
			vb, err := tx.Bucket(bucketValidators).CreateBucketIfNotExists(r.Pubkey[:])
			if err != nil {
				return err
			}
			if r.Attestation != nil {
				if errs[i] = checkAttestationTx(vb, s.gvr, r.Pubkey, r.Attestation); errs[i] == nil {
					_, err = putAttestation(vb, r.Attestation)
				}
			} else {
				if errs[i] = checkBlockTx(vb, s.gvr, r.Pubkey, r.Block); errs[i] == nil {
					_, err = putBlock(vb, r.Block)
				}
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
}

// CheckAttestation runs the check of RecordAttestation without storing
// anything (for a caller that wants to know before it asks others to sign).
func (s *Store) CheckAttestation(pubkey phase0.BLSPubKey, rec *slashing.SlashingDBAttestation) error {
	if rec == nil {
		return errors.New("slashingstore: nil attestation record")
	}
	return s.db.View(func(tx *bolt.Tx) error {
		vb := tx.Bucket(bucketValidators).Bucket(pubkey[:])
		if vb == nil {
			return slashing.New(s.gvr).CheckAttestation(pubkey, rec.SourceEpoch, rec.TargetEpoch, rec.SigningRoot)
		}
		return checkAttestationTx(vb, s.gvr, pubkey, rec)
	})
}

// CheckBlock runs the check of RecordBlock without storing anything.
func (s *Store) CheckBlock(pubkey phase0.BLSPubKey, rec *slashing.SlashingDBBlock) error {
	if rec == nil {
		return errors.New("slashingstore: nil block record")
	}
	return s.db.View(func(tx *bolt.Tx) error {
		vb := tx.Bucket(bucketValidators).Bucket(pubkey[:])
		if vb == nil {
			return slashing.New(s.gvr).CheckBlock(pubkey, rec.Slot, rec.SigningRoot)
		}
		return checkBlockTx(vb, s.gvr, pubkey, rec)
	})
}

// ImportInterchange merges an EIP-3076 (v5) interchange file into the
// store with spec/slashing's import (SlashingDB.ImportInterchange, a union
// merge), in one write transaction: on any error (malformed file, other
// version, other chain) nothing changes.
func (s *Store) ImportInterchange(data []byte) (slashing.ImportReport, error) {
	var rep slashing.ImportReport
	err := s.db.Update(func(tx *bolt.Tx) error {
		db, err := s.loadTx(tx)
		if err != nil {
			return err
		}
		rep, err = db.ImportInterchange(data)
		if err != nil {
			return err
		}
		for _, d := range db.Data {
			if err := mergeData(tx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return slashing.ImportReport{}, err
	}
	return rep, nil
}

// ExportInterchange is spec/slashing's complete EIP-3076 (v5) export of the
// stored history.
func (s *Store) ExportInterchange() ([]byte, error) {
	db, err := s.Snapshot()
	if err != nil {
		return nil, err
	}
	return db.ExportInterchange()
}

// ---- checks on the stored history ----

// checkAttestationTx runs the spec's CheckAttestation on the subset of the
// stored history of pubkey that decides it (see the package doc).
func checkAttestationTx(vb *bolt.Bucket, gvr phase0.Root, pubkey phase0.BLSPubKey, rec *slashing.SlashingDBAttestation) error {
	s, t := uint64(rec.SourceEpoch), uint64(rec.TargetEpoch)
	d := &slashing.SlashingDBData{Pubkey: pubkey}
	db := &slashing.SlashingDB{InterchangeFormatVersion: slashing.InterchangeFormatVersion, GenesisValidatorsRoot: gvr, Data: []*slashing.SlashingDBData{d}}
	if s > t {
		return db.CheckAttestation(pubkey, rec.SourceEpoch, rec.TargetEpoch, rec.SigningRoot)
	}
	add := func(k []byte) error {
		a, err := decodeAttKey(k)
		if err != nil {
			return err
		}
		d.SignedAttestations = append(d.SignedAttestations, a)
		return nil
	}
	if ab := vb.Bucket(bucketAttestations); ab != nil {
		c := ab.Cursor()
		// The lowest target (condition 5).
		if k, _ := c.First(); k != nil {
			if err := add(k); err != nil {
				return err
			}
		}
		// Every record with target >= min(s+1, t): targets in (s, t) (a
		// regular record, source <= target, surrounded by the new vote has
		// s < source <= target < t), t (repeat, double vote; t = s for
		// the genesis-style vote) and above t (records that may surround
		// the new vote). When s+1 overflows (s = t = 2^64-1) the scan
		// starts at 0 and reads everything, still a correct superset.
		start := s + 1
		if start > t {
			start = t
		}
		for k, _ := c.Seek(u64(start)); k != nil; k, _ = c.Next() {
			if err := add(k); err != nil {
				return err
			}
		}
	}
	if ib := vb.Bucket(bucketIrregular); ib != nil {
		if err := ib.ForEach(func(k, _ []byte) error { return add(k) }); err != nil {
			return err
		}
	}
	if k := vb.Get(keyMinSource); k != nil {
		if err := add(k); err != nil {
			return err
		}
	}
	return db.CheckAttestation(pubkey, rec.SourceEpoch, rec.TargetEpoch, rec.SigningRoot)
}

// checkBlockTx runs the spec's CheckBlock on the records at rec's slot and
// the record with the lowest slot.
func checkBlockTx(vb *bolt.Bucket, gvr phase0.Root, pubkey phase0.BLSPubKey, rec *slashing.SlashingDBBlock) error {
	d := &slashing.SlashingDBData{Pubkey: pubkey}
	db := &slashing.SlashingDB{InterchangeFormatVersion: slashing.InterchangeFormatVersion, GenesisValidatorsRoot: gvr, Data: []*slashing.SlashingDBData{d}}
	if bb := vb.Bucket(bucketBlocks); bb != nil {
		add := func(k []byte) error {
			b, err := decodeBlockKey(k)
			if err != nil {
				return err
			}
			d.SignedBlocks = append(d.SignedBlocks, b)
			return nil
		}
		c := bb.Cursor()
		if k, _ := c.First(); k != nil {
			if err := add(k); err != nil {
				return err
			}
		}
		prefix := u64(uint64(rec.Slot))
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if err := add(k); err != nil {
				return err
			}
		}
	}
	return db.CheckBlock(pubkey, rec.Slot, rec.SigningRoot)
}

// ---- writing ----

// mergeData adds every record of d that the store lacks. The key's bucket
// is created even when d holds no record, as spec/slashing keeps an empty
// entry an import brings.
func mergeData(tx *bolt.Tx, d *slashing.SlashingDBData) error {
	vb, err := tx.Bucket(bucketValidators).CreateBucketIfNotExists(d.Pubkey[:])
	if err != nil {
		return err
	}
	for _, a := range d.SignedAttestations {
		if a == nil {
			continue
		}
		if _, err := putAttestation(vb, a); err != nil {
			return err
		}
	}
	for _, b := range d.SignedBlocks {
		if b == nil {
			continue
		}
		if _, err := putBlock(vb, b); err != nil {
			return err
		}
	}
	return nil
}

// putAttestation stores a (unless the identical record is there) and keeps
// the irregular index, the lowest-source pointer and the count up to date.
// It reports whether anything was written.
func putAttestation(vb *bolt.Bucket, a *slashing.SlashingDBAttestation) (bool, error) {
	ab, err := vb.CreateBucketIfNotExists(bucketAttestations)
	if err != nil {
		return false, err
	}
	k := attKey(a)
	if has(ab, k) {
		return false, nil
	}
	n, err := counter(vb, keyNAtt)
	if err != nil {
		return false, err
	}
	if n >= slashing.MaxSignedRecords {
		return false, slashing.ErrHistoryFull
	}
	if err := ab.Put(k, []byte{}); err != nil {
		return false, err
	}
	if a.SourceEpoch > a.TargetEpoch {
		ib, err := vb.CreateBucketIfNotExists(bucketIrregular)
		if err != nil {
			return false, err
		}
		if err := ib.Put(k, []byte{}); err != nil {
			return false, err
		}
	}
	if cur := vb.Get(keyMinSource); cur == nil {
		if err := vb.Put(keyMinSource, k); err != nil {
			return false, err
		}
	} else {
		m, err := decodeAttKey(cur)
		if err != nil {
			return false, err
		}
		if a.SourceEpoch < m.SourceEpoch {
			if err := vb.Put(keyMinSource, k); err != nil {
				return false, err
			}
		}
	}
	return true, vb.Put(keyNAtt, u64(n+1))
}

// putBlock stores b unless the identical record is there.
func putBlock(vb *bolt.Bucket, b *slashing.SlashingDBBlock) (bool, error) {
	bb, err := vb.CreateBucketIfNotExists(bucketBlocks)
	if err != nil {
		return false, err
	}
	k := blockKey(b)
	if has(bb, k) {
		return false, nil
	}
	n, err := counter(vb, keyNBlocks)
	if err != nil {
		return false, err
	}
	if n >= slashing.MaxSignedRecords {
		return false, slashing.ErrHistoryFull
	}
	if err := bb.Put(k, []byte{}); err != nil {
		return false, err
	}
	return true, vb.Put(keyNBlocks, u64(n+1))
}

func counter(vb *bolt.Bucket, key []byte) (uint64, error) {
	v := vb.Get(key)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: counter %q", ErrCorrupt, key)
	}
	return binary.BigEndian.Uint64(v), nil
}

func has(b *bolt.Bucket, k []byte) bool {
	got, _ := b.Cursor().Seek(k)
	return got != nil && bytes.Equal(got, k)
}

// ---- reading ----

// loadTx reads the whole history.
func (s *Store) loadTx(tx *bolt.Tx) (*slashing.SlashingDB, error) {
	db := slashing.New(s.gvr)
	vals := tx.Bucket(bucketValidators)
	if vals == nil {
		return nil, fmt.Errorf("%w: validators bucket missing", ErrCorrupt)
	}
	err := vals.ForEachBucket(func(pk []byte) error {
		if len(pk) != len(phase0.BLSPubKey{}) {
			return fmt.Errorf("%w: validator key of %d bytes", ErrCorrupt, len(pk))
		}
		d := &slashing.SlashingDBData{SignedBlocks: []*slashing.SlashingDBBlock{}, SignedAttestations: []*slashing.SlashingDBAttestation{}}
		copy(d.Pubkey[:], pk)
		vb := vals.Bucket(pk)
		if ab := vb.Bucket(bucketAttestations); ab != nil {
			if err := ab.ForEach(func(k, _ []byte) error {
				a, err := decodeAttKey(k)
				if err != nil {
					return err
				}
				d.SignedAttestations = append(d.SignedAttestations, a)
				return nil
			}); err != nil {
				return err
			}
		}
		if bb := vb.Bucket(bucketBlocks); bb != nil {
			if err := bb.ForEach(func(k, _ []byte) error {
				b, err := decodeBlockKey(k)
				if err != nil {
					return err
				}
				d.SignedBlocks = append(d.SignedBlocks, b)
				return nil
			}); err != nil {
				return err
			}
		}
		db.Data = append(db.Data, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db, nil
}

// ---- keys ----

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func appendRoot(k []byte, r *phase0.Root) []byte {
	if r == nil {
		return append(k, 0)
	}
	k = append(k, 1)
	return append(k, r[:]...)
}

func decodeRoot(b []byte) (*phase0.Root, error) {
	switch {
	case len(b) == 1 && b[0] == 0:
		return nil, nil
	case len(b) == 33 && b[0] == 1:
		var r phase0.Root
		copy(r[:], b[1:])
		return &r, nil
	}
	return nil, fmt.Errorf("%w: bad signing root tag", ErrCorrupt)
}

// attKey is target || source || root tag.
func attKey(a *slashing.SlashingDBAttestation) []byte {
	k := make([]byte, 0, 16+33)
	k = binary.BigEndian.AppendUint64(k, uint64(a.TargetEpoch))
	k = binary.BigEndian.AppendUint64(k, uint64(a.SourceEpoch))
	return appendRoot(k, a.SigningRoot)
}

func decodeAttKey(k []byte) (*slashing.SlashingDBAttestation, error) {
	if len(k) < 17 {
		return nil, fmt.Errorf("%w: attestation key of %d bytes", ErrCorrupt, len(k))
	}
	r, err := decodeRoot(k[16:])
	if err != nil {
		return nil, err
	}
	return &slashing.SlashingDBAttestation{
		TargetEpoch: phase0.Epoch(binary.BigEndian.Uint64(k[:8])),
		SourceEpoch: phase0.Epoch(binary.BigEndian.Uint64(k[8:16])),
		SigningRoot: r,
	}, nil
}

// blockKey is slot || root tag.
func blockKey(b *slashing.SlashingDBBlock) []byte {
	k := make([]byte, 0, 8+33)
	k = binary.BigEndian.AppendUint64(k, uint64(b.Slot))
	return appendRoot(k, b.SigningRoot)
}

func decodeBlockKey(k []byte) (*slashing.SlashingDBBlock, error) {
	if len(k) < 9 {
		return nil, fmt.Errorf("%w: block key of %d bytes", ErrCorrupt, len(k))
	}
	r, err := decodeRoot(k[8:])
	if err != nil {
		return nil, err
	}
	return &slashing.SlashingDBBlock{Slot: phase0.Slot(binary.BigEndian.Uint64(k[:8])), SigningRoot: r}, nil
}
