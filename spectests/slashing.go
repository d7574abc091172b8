package spectests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// Strategy is an EIP-3076 strategy: "complete" (every record is kept and
// every condition checked, SPEC.md section 4) or "minimal" (watermarks).
type Strategy string

// The strategies of steps.yaml.
const (
	Complete Strategy = "complete"
	Minimal  Strategy = "minimal"
)

// SlashingDB is an implementation's slashing protection database. A nil
// signing root is an absent one (EIP-3076 allows records without it).
type SlashingDB interface {
	// CheckAttestation reports whether signing the attestation is safe,
	// without recording it.
	CheckAttestation(s Strategy, pubkey phase0.BLSPubKey, source, target uint64, signingRoot *phase0.Root) error
	// InsertAttestation checks the attestation and, when it is safe,
	// records it; a refusal must leave the DB unchanged.
	InsertAttestation(s Strategy, pubkey phase0.BLSPubKey, source, target uint64, signingRoot *phase0.Root) error
	// CheckBlock is CheckAttestation for a block.
	CheckBlock(s Strategy, pubkey phase0.BLSPubKey, slot uint64, signingRoot *phase0.Root) error
	// InsertBlock is InsertAttestation for a block.
	InsertBlock(s Strategy, pubkey phase0.BLSPubKey, slot uint64, signingRoot *phase0.Root) error
	// ImportInterchange imports an EIP-3076 interchange file; a refused
	// file must leave the DB unchanged.
	ImportInterchange(file []byte) error
	// ExportInterchange exports the DB as an EIP-3076 interchange file.
	ExportInterchange(s Strategy) ([]byte, error)
	// MarshalSSZ is the DB as the SPEC.md SlashingDB container, in its
	// canonical order (keys sorted by public key bytes; blocks by slot,
	// then signing root; attestations by target, then source, then signing
	// root; an absent root first; no duplicates).
	MarshalSSZ() ([]byte, error)
}

// SlashingImplementation runs the slashing vectors.
type SlashingImplementation interface {
	ErrorNamer
	// LoadSlashingDB builds a DB from the SSZ encoding of a SPEC.md
	// SlashingDB (pre.ssz_snappy).
	LoadSlashingDB(ssz []byte) (SlashingDB, error)
}

func init() {
	register(Runner{
		Name:       "slashing",
		Interface:  "spectests.SlashingImplementation",
		Implements: func(impl any) bool { _, ok := impl.(SlashingImplementation); return ok },
		Check:      func(c Case, impl any) error { return CheckSlashingCase(c, impl.(SlashingImplementation)) },
	})
}

// RunSlashing runs every slashing case under root as a subtest.
func RunSlashing(t *testing.T, root string, impl SlashingImplementation) {
	t.Helper()
	Run(t, root, "slashing", impl)
}

type attestationStep struct {
	Pubkey      Hex    `yaml:"pubkey"`
	SourceEpoch uint64 `yaml:"source_epoch"`
	TargetEpoch uint64 `yaml:"target_epoch"`
	SigningRoot *Hex   `yaml:"signing_root"`
}

type blockStep struct {
	Pubkey      Hex    `yaml:"pubkey"`
	Slot        uint64 `yaml:"slot"`
	SigningRoot *Hex   `yaml:"signing_root"`
}

type slashingStep struct {
	CheckAttestation  *attestationStep `yaml:"check_attestation"`
	InsertAttestation *attestationStep `yaml:"insert_attestation"`
	CheckBlock        *blockStep       `yaml:"check_block"`
	InsertBlock       *blockStep       `yaml:"insert_block"`
	ImportInterchange string           `yaml:"import_interchange"`
	ExportInterchange Strategy         `yaml:"export_interchange"`
	Expected          string           `yaml:"expected"`
	Strategy          Strategy         `yaml:"strategy"`
	Result            string           `yaml:"result"`
}

func optionalRoot(h *Hex) (*phase0.Root, error) {
	if h == nil {
		return nil, nil
	}
	r, err := h.Root()
	return &r, err
}

// CheckSlashingCase runs one slashing case: it loads pre.ssz_snappy, runs
// steps.yaml in order (every step's result must match), and compares the
// final DB with post.ssz_snappy.
func CheckSlashingCase(c Case, impl SlashingImplementation) error {
	pre, err := c.ReadSSZ("pre")
	if err != nil {
		return err
	}
	post, err := c.ReadSSZ("post")
	if err != nil {
		return err
	}
	var steps []slashingStep
	if err := c.ReadYAML("steps.yaml", &steps); err != nil {
		return err
	}
	db, err := impl.LoadSlashingDB(pre)
	if err != nil {
		return fmt.Errorf("load pre.ssz_snappy: %w", err)
	}
	for i, s := range steps {
		if err := runSlashingStep(c, impl, db, s); err != nil {
			return fmt.Errorf("steps.yaml step %d: %w", i, err)
		}
	}
	got, err := db.MarshalSSZ()
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	if !bytes.Equal(got, post) {
		return fmt.Errorf("the DB after the steps differs from post.ssz_snappy (%d bytes, want %d)", len(got), len(post))
	}
	return nil
}

func runSlashingStep(c Case, impl SlashingImplementation, db SlashingDB, s slashingStep) error {
	strategy := s.Strategy
	switch {
	case s.CheckAttestation != nil || s.InsertAttestation != nil:
		a, insert := s.CheckAttestation, false
		if a == nil {
			a, insert = s.InsertAttestation, true
		}
		pk, err := a.Pubkey.PublicKey()
		if err != nil {
			return err
		}
		root, err := optionalRoot(a.SigningRoot)
		if err != nil {
			return err
		}
		if insert {
			err = db.InsertAttestation(strategy, pk, a.SourceEpoch, a.TargetEpoch, root)
		} else {
			err = db.CheckAttestation(strategy, pk, a.SourceEpoch, a.TargetEpoch, root)
		}
		return expectResult(impl, err, s.Result)
	case s.CheckBlock != nil || s.InsertBlock != nil:
		b, insert := s.CheckBlock, false
		if b == nil {
			b, insert = s.InsertBlock, true
		}
		pk, err := b.Pubkey.PublicKey()
		if err != nil {
			return err
		}
		root, err := optionalRoot(b.SigningRoot)
		if err != nil {
			return err
		}
		if insert {
			err = db.InsertBlock(strategy, pk, b.Slot, root)
		} else {
			err = db.CheckBlock(strategy, pk, b.Slot, root)
		}
		return expectResult(impl, err, s.Result)
	case s.ImportInterchange != "":
		file, err := c.ReadFile(s.ImportInterchange)
		if err != nil {
			return err
		}
		return expectResult(impl, db.ImportInterchange(file), s.Result)
	case s.ExportInterchange != "":
		want, err := c.ReadFile(s.Expected)
		if err != nil {
			return err
		}
		got, err := db.ExportInterchange(s.ExportInterchange)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return sameJSON(got, want)
	}
	return fmt.Errorf("empty step")
}

// sameJSON compares two JSON documents by value (whitespace and key order
// of objects do not matter; array order does).
func sameJSON(got, want []byte) error {
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		return fmt.Errorf("export is not JSON: %w", err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		return err
	}
	if !reflect.DeepEqual(g, w) {
		return fmt.Errorf("export differs:\n got %s\nwant %s", got, want)
	}
	return nil
}
