package slashing

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// ImportReport summarises a successful ImportInterchange. Counts of records
// are per (pubkey, record) occurrence in the file unless said otherwise.
type ImportReport struct {
	// Validators is the number of distinct pubkeys in the file.
	Validators int
	// NewValidators is how many of them had no history in the DB.
	NewValidators int
	// Blocks and Attestations count the records in the file.
	Blocks       int
	Attestations int
	// NewBlocks and NewAttestations count the distinct records the import
	// added to the DB (records already present, or repeated in the file, are
	// stored once).
	NewBlocks       int
	NewAttestations int
	// SlashableBlocks counts the file's blocks that are slashable with
	// respect to another record of the same key, in the DB or elsewhere in
	// the file: a record at the same slot whose signing root is not the same
	// present root (EIP-3076 condition 1: an absent root may be any block).
	SlashableBlocks int
	// SlashableAttestations counts the file's attestations that have
	// source > target, or are slashable with respect to another record of
	// the same key, in the DB or elsewhere in the file: the same target epoch
	// without being the same message (same epochs and the same present
	// root), or a surround in either direction (EIP-3076 condition 3).
	SlashableAttestations int
	// StaleBlocks counts the file's blocks, not already in the DB, at or
	// below the lowest slot the DB held for the key before the import: older
	// than the known history, the kind of record EIP-3076 condition 2 makes
	// a signer refuse, and a sign that the file may leave a gap ("Advice for
	// Complete Databases").
	StaleBlocks int
	// StaleAttestations counts the file's attestations, not already in the
	// DB, with a target epoch at or below the lowest target epoch, or a
	// source epoch below the lowest source epoch, the DB held for the key
	// before the import (EIP-3076 conditions 4 and 5).
	StaleAttestations int
}

// ImportInterchange is the EIP-3076 import: it merges the interchange file
// data (format version 5, JSON) into db. It has no Python counterpart (the
// DV spec only defines the DB layout).
//
// The file is parsed strictly: every field of the EIP-3076 schema is
// required as the schema says and must be a JSON string of the right form
// (0x-prefixed hex of exactly 48 bytes for a pubkey and 32 bytes for a root,
// decimal uint64 for slots and epochs); unknown fields, duplicate fields,
// null, trailing data, a version other than "5", and a
// genesis_validators_root other than db's are errors. The whole file is
// checked before db is touched, so on any error db is unchanged.
//
// The import is a union merge of the complete strategy: every record is
// added to the history of its key (identical records are stored once;
// duplicate pubkey entries in the file are merged). Slashable data is not
// refused: history only ever makes the checks stricter. The report counts
// the slashable records, and the records older than the known history, so a
// caller can warn.
func (db *SlashingDB) ImportInterchange(data []byte) (ImportReport, error) {
	if db == nil {
		return ImportReport{}, ErrNilDB
	}
	if db.InterchangeFormatVersion != InterchangeFormatVersion {
		return ImportReport{}, fmt.Errorf("%w: database has version %d, want %d", ErrUnsupportedVersion, db.InterchangeFormatVersion, InterchangeFormatVersion)
	}
	file, err := parseInterchange(data)
	if err != nil {
		return ImportReport{}, err
	}
	if file.genesisValidatorsRoot != db.GenesisValidatorsRoot {
		return ImportReport{}, fmt.Errorf("%w: metadata.genesis_validators_root is %#x, the database's is %#x", ErrGenesisValidatorsRootMismatch, file.genesisValidatorsRoot[:], db.GenesisValidatorsRoot[:])
	}

	// Group the file by pubkey, in order of first appearance.
	var order []phase0.BLSPubKey
	byKey := make(map[phase0.BLSPubKey]*parsedEntry)
	for i := range file.entries {
		e := &file.entries[i]
		g, ok := byKey[e.pubkey]
		if !ok {
			g = &parsedEntry{pubkey: e.pubkey}
			byKey[e.pubkey] = g
			order = append(order, e.pubkey)
		}
		g.blocks = append(g.blocks, e.blocks...)
		g.attestations = append(g.attestations, e.attestations...)
	}

	report := ImportReport{Validators: len(order)}
	merged := make(map[phase0.BLSPubKey]*SlashingDBData, len(order))
	for _, pk := range order {
		g := byKey[pk]
		var oldBlocks []*SlashingDBBlock
		var oldAtts []*SlashingDBAttestation
		known := false
		db.entriesFor(pk, func(d *SlashingDBData) bool {
			known = true
			oldBlocks = append(oldBlocks, d.SignedBlocks...)
			oldAtts = append(oldAtts, d.SignedAttestations...)
			return true
		})
		if !known {
			report.NewValidators++
		}
		report.Blocks += len(g.blocks)
		report.Attestations += len(g.attestations)
		report.SlashableBlocks += countSlashableBlocks(oldBlocks, g.blocks)
		report.SlashableAttestations += countSlashableAttestations(oldAtts, g.attestations)
		staleB, staleA := countStale(oldBlocks, oldAtts, g.blocks, g.attestations)
		report.StaleBlocks += staleB
		report.StaleAttestations += staleA

		before := len(normalizeBlocks(oldBlocks))
		blocks := normalizeBlocks(append(slices.Clip(oldBlocks), g.blocks...))
		beforeAtts := len(normalizeAttestations(oldAtts))
		atts := normalizeAttestations(append(slices.Clip(oldAtts), g.attestations...))
		if len(blocks) > MaxSignedRecords || len(atts) > MaxSignedRecords {
			return ImportReport{}, fmt.Errorf("%w: pubkey %#x would hold %d blocks and %d attestations, limit %d", ErrHistoryFull, pk[:], len(blocks), len(atts), MaxSignedRecords)
		}
		report.NewBlocks += len(blocks) - before
		report.NewAttestations += len(atts) - beforeAtts
		merged[pk] = &SlashingDBData{Pubkey: pk, SignedBlocks: blocks, SignedAttestations: atts}
	}

	// Nothing can fail from here on: commit.
	newData := make([]*SlashingDBData, 0, len(db.Data)+len(order))
	for _, d := range db.Data {
		if d != nil {
			if _, ok := merged[d.Pubkey]; ok {
				continue
			}
		}
		newData = append(newData, d)
	}
	for _, pk := range order {
		newData = append(newData, merged[pk])
	}
	slices.SortStableFunc(newData, func(a, b *SlashingDBData) int {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		case b == nil:
			return 1
		}
		return bytes.Compare(a.Pubkey[:], b.Pubkey[:])
	})
	db.Data = newData
	return report, nil
}

// countStale counts the imported records that are not in old and lie below
// old's low watermarks (see ImportReport.StaleBlocks).
func countStale(oldBlocks []*SlashingDBBlock, oldAtts []*SlashingDBAttestation, blocks []*SlashingDBBlock, atts []*SlashingDBAttestation) (nb, na int) {
	type key struct {
		source, target uint64
		present        bool
		root           phase0.Root
	}
	keyOf := func(source, target uint64, r *phase0.Root) key {
		k := key{source: source, target: target}
		if r != nil {
			k.present, k.root = true, *r
		}
		return k
	}
	old := &SlashingDBData{SignedBlocks: oldBlocks, SignedAttestations: oldAtts}
	if minSlot, ok := old.MinSlot(); ok {
		known := make(map[key]bool, len(oldBlocks))
		for _, o := range oldBlocks {
			if o != nil {
				known[keyOf(0, uint64(o.Slot), o.SigningRoot)] = true
			}
		}
		for _, b := range blocks {
			if b.Slot <= minSlot && !known[keyOf(0, uint64(b.Slot), b.SigningRoot)] {
				nb++
			}
		}
	}
	minSource, okS := old.MinSourceEpoch()
	minTarget, okT := old.MinTargetEpoch()
	if okS && okT {
		known := make(map[key]bool, len(oldAtts))
		for _, o := range oldAtts {
			if o != nil {
				known[keyOf(uint64(o.SourceEpoch), uint64(o.TargetEpoch), o.SigningRoot)] = true
			}
		}
		for _, a := range atts {
			if (a.TargetEpoch <= minTarget || a.SourceEpoch < minSource) && !known[keyOf(uint64(a.SourceEpoch), uint64(a.TargetEpoch), a.SigningRoot)] {
				na++
			}
		}
	}
	return nb, na
}

// countSlashableBlocks counts the records of imported that conflict with
// another record of old or imported (see ImportReport.SlashableBlocks).
func countSlashableBlocks(old, imported []*SlashingDBBlock) int {
	type rootKey struct {
		slot phase0.Slot
		root phase0.Root
	}
	perSlot := make(map[phase0.Slot]int)
	perRoot := make(map[rootKey]int)
	add := func(b *SlashingDBBlock) {
		perSlot[b.Slot]++
		if b.SigningRoot != nil {
			perRoot[rootKey{b.Slot, *b.SigningRoot}]++
		}
	}
	for _, b := range old {
		if b != nil {
			add(b)
		}
	}
	for _, b := range imported {
		add(b)
	}
	n := 0
	for _, b := range imported {
		same := 1 // the record itself
		if b.SigningRoot != nil {
			same = perRoot[rootKey{b.Slot, *b.SigningRoot}]
		}
		if perSlot[b.Slot] > same {
			n++
		}
	}
	return n
}

// countSlashableAttestations counts the records of imported that are invalid
// or conflict with another record of old or imported (see
// ImportReport.SlashableAttestations).
func countSlashableAttestations(old, imported []*SlashingDBAttestation) int {
	type occurrence struct {
		att      *SlashingDBAttestation
		imported bool
		bad      bool
	}
	all := make([]*occurrence, 0, len(old)+len(imported))
	for _, a := range old {
		if a != nil {
			all = append(all, &occurrence{att: a})
		}
	}
	for _, a := range imported {
		all = append(all, &occurrence{att: a, imported: true})
	}

	// Double votes: another record with the same target that is not the same
	// message.
	type msgKey struct {
		source, target phase0.Epoch
		root           phase0.Root
	}
	perTarget := make(map[phase0.Epoch]int)
	perMsg := make(map[msgKey]int)
	for _, o := range all {
		perTarget[o.att.TargetEpoch]++
		if o.att.SigningRoot != nil {
			perMsg[msgKey{o.att.SourceEpoch, o.att.TargetEpoch, *o.att.SigningRoot}]++
		}
	}
	for _, o := range all {
		same := 1
		if o.att.SigningRoot != nil {
			same = perMsg[msgKey{o.att.SourceEpoch, o.att.TargetEpoch, *o.att.SigningRoot}]
		}
		if o.att.SourceEpoch > o.att.TargetEpoch || perTarget[o.att.TargetEpoch] > same {
			o.bad = true
		}
	}

	// Surrounds. Sorted by source epoch, o is surrounded by some p when a
	// record with a strictly smaller source has a strictly greater target,
	// and o surrounds some p when a record with a strictly greater source has
	// a strictly smaller target.
	slices.SortFunc(all, func(a, b *occurrence) int { return cmp.Compare(a.att.SourceEpoch, b.att.SourceEpoch) })
	var maxTarget phase0.Epoch
	haveMax := false
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].att.SourceEpoch == all[i].att.SourceEpoch {
			j++
		}
		for k := i; k < j; k++ {
			if haveMax && maxTarget > all[k].att.TargetEpoch {
				all[k].bad = true
			}
		}
		for k := i; k < j; k++ {
			if !haveMax || all[k].att.TargetEpoch > maxTarget {
				maxTarget, haveMax = all[k].att.TargetEpoch, true
			}
		}
		i = j
	}
	var minTarget phase0.Epoch
	haveMin := false
	for j := len(all); j > 0; {
		i := j - 1
		for i > 0 && all[i-1].att.SourceEpoch == all[j-1].att.SourceEpoch {
			i--
		}
		for k := i; k < j; k++ {
			if haveMin && minTarget < all[k].att.TargetEpoch {
				all[k].bad = true
			}
		}
		for k := i; k < j; k++ {
			if !haveMin || all[k].att.TargetEpoch < minTarget {
				minTarget, haveMin = all[k].att.TargetEpoch, true
			}
		}
		j = i
	}

	n := 0
	for _, o := range all {
		if o.imported && o.bad {
			n++
		}
	}
	return n
}

// ExportInterchange is the EIP-3076 export of the complete strategy: every
// record of db as an interchange file (format version 5, indented JSON). It
// has no Python counterpart.
//
// The output is deterministic: keys sorted by pubkey bytes (duplicate
// entries merged), blocks sorted by slot and attestations by target then
// source epoch (then signing root), identical records once, numbers as
// decimal strings, absent signing roots omitted. Importing it into
// New(db.GenesisValidatorsRoot) gives back db when db is in the form this
// package keeps it in (see Validate).
func (db *SlashingDB) ExportInterchange() ([]byte, error) {
	return db.export(false)
}

// ExportInterchangeMinimal is the EIP-3076 export of the minimal strategy
// ("Advice for Minimal Databases"): for each key, one block at the highest
// signed slot and one attestation with the highest signed source epoch and
// the highest signed target epoch, all without signing roots. A DB that
// imports it refuses, under either strategy, exactly what the minimal
// strategy refuses on db. It has no Python counterpart.
func (db *SlashingDB) ExportInterchangeMinimal() ([]byte, error) {
	return db.export(true)
}

func (db *SlashingDB) export(minimal bool) ([]byte, error) {
	if db == nil {
		return nil, ErrNilDB
	}
	if db.InterchangeFormatVersion != InterchangeFormatVersion {
		return nil, fmt.Errorf("%w: database has version %d, want %d", ErrUnsupportedVersion, db.InterchangeFormatVersion, InterchangeFormatVersion)
	}
	var keys []phase0.BLSPubKey
	byKey := make(map[phase0.BLSPubKey]*SlashingDBData)
	for _, d := range db.Data {
		if d == nil {
			continue
		}
		g, ok := byKey[d.Pubkey]
		if !ok {
			g = &SlashingDBData{Pubkey: d.Pubkey}
			byKey[d.Pubkey] = g
			keys = append(keys, d.Pubkey)
		}
		g.SignedBlocks = append(g.SignedBlocks, d.SignedBlocks...)
		g.SignedAttestations = append(g.SignedAttestations, d.SignedAttestations...)
	}
	slices.SortFunc(keys, func(a, b phase0.BLSPubKey) int { return bytes.Compare(a[:], b[:]) })

	out := interchangeJSON{
		Metadata: metadataJSON{
			InterchangeFormatVersion: strconv.FormatUint(InterchangeFormatVersion, 10),
			GenesisValidatorsRoot:    hexString(db.GenesisValidatorsRoot[:]),
		},
		Data: make([]dataJSON, 0, len(keys)),
	}
	for _, pk := range keys {
		g := byKey[pk]
		if minimal {
			g = &SlashingDBData{Pubkey: pk}
			if slot, ok := byKey[pk].MaxSlot(); ok {
				g.SignedBlocks = []*SlashingDBBlock{{Slot: slot}}
			}
			source, okS := byKey[pk].MaxSourceEpoch()
			target, okT := byKey[pk].MaxTargetEpoch()
			if okS && okT {
				g.SignedAttestations = []*SlashingDBAttestation{{SourceEpoch: source, TargetEpoch: target}}
			}
		}
		entry := dataJSON{
			Pubkey:             hexString(pk[:]),
			SignedBlocks:       []blockJSON{},
			SignedAttestations: []attestationJSON{},
		}
		for _, b := range normalizeBlocks(g.SignedBlocks) {
			entry.SignedBlocks = append(entry.SignedBlocks, blockJSON{
				Slot:        strconv.FormatUint(uint64(b.Slot), 10),
				SigningRoot: optionalRootString(b.SigningRoot),
			})
		}
		for _, a := range normalizeAttestations(g.SignedAttestations) {
			entry.SignedAttestations = append(entry.SignedAttestations, attestationJSON{
				SourceEpoch: strconv.FormatUint(uint64(a.SourceEpoch), 10),
				TargetEpoch: strconv.FormatUint(uint64(a.TargetEpoch), 10),
				SigningRoot: optionalRootString(a.SigningRoot),
			})
		}
		out.Data = append(out.Data, entry)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("slashing: export: %w", err)
	}
	return append(b, '\n'), nil
}

// The JSON shapes of EIP-3076 (used for export only; import is parsed token
// by token so that it can be strict).
type interchangeJSON struct {
	Metadata metadataJSON `json:"metadata"`
	Data     []dataJSON   `json:"data"`
}

type metadataJSON struct {
	InterchangeFormatVersion string `json:"interchange_format_version"`
	GenesisValidatorsRoot    string `json:"genesis_validators_root"`
}

type dataJSON struct {
	Pubkey             string            `json:"pubkey"`
	SignedBlocks       []blockJSON       `json:"signed_blocks"`
	SignedAttestations []attestationJSON `json:"signed_attestations"`
}

type blockJSON struct {
	Slot        string `json:"slot"`
	SigningRoot string `json:"signing_root,omitempty"`
}

type attestationJSON struct {
	SourceEpoch string `json:"source_epoch"`
	TargetEpoch string `json:"target_epoch"`
	SigningRoot string `json:"signing_root,omitempty"`
}

func hexString(b []byte) string { return "0x" + hex.EncodeToString(b) }

func optionalRootString(r *phase0.Root) string {
	if r == nil {
		return ""
	}
	return hexString(r[:])
}

// parsedInterchange is a fully validated interchange file.
type parsedInterchange struct {
	genesisValidatorsRoot phase0.Root
	entries               []parsedEntry
}

type parsedEntry struct {
	pubkey       phase0.BLSPubKey
	blocks       []*SlashingDBBlock
	attestations []*SlashingDBAttestation
}

// jsonReader reads one JSON document token by token and rejects everything
// the EIP-3076 schema does not allow.
type jsonReader struct {
	dec *json.Decoder
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidInterchange, fmt.Sprintf(format, args...))
}

func (r *jsonReader) token(where string) (json.Token, error) {
	tok, err := r.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, invalid("%s: unexpected end of input", where)
		}
		return nil, invalid("%s: %v", where, err)
	}
	return tok, nil
}

func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", v.String())
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// object reads an object whose keys must be among fields; each value is read
// by field(key). Every key of required must be present; no key may repeat.
func (r *jsonReader) object(where string, required []string, field func(key string) error) error {
	tok, err := r.token(where)
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return invalid("%s: expected an object, got %s", where, describeToken(tok))
	}
	seen := make(map[string]bool)
	for r.dec.More() {
		tok, err := r.token(where)
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return invalid("%s: expected a field name, got %s", where, describeToken(tok))
		}
		if seen[key] {
			return invalid("%s: duplicate field %q", where, key)
		}
		seen[key] = true
		if err := field(key); err != nil {
			return err
		}
	}
	if _, err := r.token(where); err != nil { // the closing '}'
		return err
	}
	for _, k := range required {
		if !seen[k] {
			return invalid("%s: missing field %q", where, k)
		}
	}
	return nil
}

// array reads an array, calling elem(i) to read element i.
func (r *jsonReader) array(where string, elem func(i int) error) error {
	tok, err := r.token(where)
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return invalid("%s: expected an array, got %s", where, describeToken(tok))
	}
	for i := 0; r.dec.More(); i++ {
		if err := elem(i); err != nil {
			return err
		}
	}
	_, err = r.token(where) // the closing ']'
	return err
}

// str reads a string value.
func (r *jsonReader) str(where string) (string, error) {
	tok, err := r.token(where)
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", invalid("%s: expected a string, got %s", where, describeToken(tok))
	}
	return s, nil
}

func unknownField(where, key string) error {
	return invalid("%s: unknown field %q", where, key)
}

// parseHex decodes a 0x-prefixed hex string of exactly n bytes.
func parseHex(s string, n int) ([]byte, error) {
	if len(s) < 2 || s[0] != '0' || s[1] != 'x' {
		return nil, fmt.Errorf("%q is not 0x-prefixed hex", s)
	}
	if len(s) != 2+2*n {
		return nil, fmt.Errorf("%q is not %d bytes of hex", s, n)
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		return nil, fmt.Errorf("%q is not valid hex", s)
	}
	return b, nil
}

// parseUint parses a decimal uint64 written as a JSON string: ASCII digits
// only (no sign, no spaces), at most 2**64-1.
func parseUint(s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty string is not a decimal integer")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%q is not a decimal integer", s)
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q does not fit in a uint64", s)
	}
	return v, nil
}

func parseRoot(s string) (phase0.Root, error) {
	var r phase0.Root
	b, err := parseHex(s, len(r))
	if err != nil {
		return r, err
	}
	copy(r[:], b)
	return r, nil
}

// parseInterchange parses and validates a whole interchange file.
func parseInterchange(data []byte) (*parsedInterchange, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	r := &jsonReader{dec: dec}
	out := &parsedInterchange{}
	err := r.object("interchange", []string{"metadata", "data"}, func(key string) error {
		switch key {
		case "metadata":
			return r.object("metadata", []string{"interchange_format_version", "genesis_validators_root"}, func(key string) error {
				switch key {
				case "interchange_format_version":
					v, err := r.str("metadata.interchange_format_version")
					if err != nil {
						return err
					}
					if v != strconv.FormatUint(InterchangeFormatVersion, 10) {
						return invalid("metadata.interchange_format_version: got %q, want \"%d\"", v, InterchangeFormatVersion)
					}
					return nil
				case "genesis_validators_root":
					v, err := r.str("metadata.genesis_validators_root")
					if err != nil {
						return err
					}
					root, err := parseRoot(v)
					if err != nil {
						return invalid("metadata.genesis_validators_root: %v", err)
					}
					out.genesisValidatorsRoot = root
					return nil
				}
				return unknownField("metadata", key)
			})
		case "data":
			return r.array("data", func(i int) error {
				e, err := r.entry(fmt.Sprintf("data[%d]", i))
				if err != nil {
					return err
				}
				out.entries = append(out.entries, *e)
				return nil
			})
		}
		return unknownField("interchange", key)
	})
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("trailing data after the interchange object")
	}
	return out, nil
}

// rawRecord is a block or attestation whose fields are read but not yet
// converted (the pubkey, which the messages name, may come later).
type rawRecord struct {
	where                      string
	slot, source, target, root *string
}

// entry reads one element of data.
func (r *jsonReader) entry(where string) (*parsedEntry, error) {
	var pubkey *string
	var blocks, atts []rawRecord
	err := r.object(where, []string{"pubkey", "signed_blocks", "signed_attestations"}, func(key string) error {
		switch key {
		case "pubkey":
			v, err := r.str(where + ".pubkey")
			if err != nil {
				return err
			}
			pubkey = &v
			return nil
		case "signed_blocks":
			return r.array(where+".signed_blocks", func(i int) error {
				rec := rawRecord{where: fmt.Sprintf("signed_blocks[%d]", i)}
				at := where + "." + rec.where
				err := r.object(at, []string{"slot"}, func(key string) error {
					switch key {
					case "slot":
						return r.strInto(at+".slot", &rec.slot)
					case "signing_root":
						return r.strInto(at+".signing_root", &rec.root)
					}
					return unknownField(at, key)
				})
				blocks = append(blocks, rec)
				return err
			})
		case "signed_attestations":
			return r.array(where+".signed_attestations", func(i int) error {
				rec := rawRecord{where: fmt.Sprintf("signed_attestations[%d]", i)}
				at := where + "." + rec.where
				err := r.object(at, []string{"source_epoch", "target_epoch"}, func(key string) error {
					switch key {
					case "source_epoch":
						return r.strInto(at+".source_epoch", &rec.source)
					case "target_epoch":
						return r.strInto(at+".target_epoch", &rec.target)
					case "signing_root":
						return r.strInto(at+".signing_root", &rec.root)
					}
					return unknownField(at, key)
				})
				atts = append(atts, rec)
				return err
			})
		}
		return unknownField(where, key)
	})
	if err != nil {
		return nil, err
	}

	pk, err := parseHex(*pubkey, len(phase0.BLSPubKey{}))
	if err != nil {
		return nil, invalid("%s.pubkey: %v", where, err)
	}
	e := &parsedEntry{
		blocks:       make([]*SlashingDBBlock, 0, len(blocks)),
		attestations: make([]*SlashingDBAttestation, 0, len(atts)),
	}
	copy(e.pubkey[:], pk)
	bad := func(rec rawRecord, field string, err error) error {
		return invalid("%s (pubkey %s): %s.%s: %v", where, *pubkey, rec.where, field, err)
	}
	root := func(rec rawRecord) (*phase0.Root, error) {
		if rec.root == nil {
			return nil, nil
		}
		v, err := parseRoot(*rec.root)
		if err != nil {
			return nil, bad(rec, "signing_root", err)
		}
		return &v, nil
	}
	for _, rec := range blocks {
		slot, err := parseUint(*rec.slot)
		if err != nil {
			return nil, bad(rec, "slot", err)
		}
		rt, err := root(rec)
		if err != nil {
			return nil, err
		}
		e.blocks = append(e.blocks, &SlashingDBBlock{Slot: phase0.Slot(slot), SigningRoot: rt})
	}
	for _, rec := range atts {
		source, err := parseUint(*rec.source)
		if err != nil {
			return nil, bad(rec, "source_epoch", err)
		}
		target, err := parseUint(*rec.target)
		if err != nil {
			return nil, bad(rec, "target_epoch", err)
		}
		rt, err := root(rec)
		if err != nil {
			return nil, err
		}
		e.attestations = append(e.attestations, &SlashingDBAttestation{SourceEpoch: phase0.Epoch(source), TargetEpoch: phase0.Epoch(target), SigningRoot: rt})
	}
	return e, nil
}

// strInto reads a string value into *dst.
func (r *jsonReader) strInto(where string, dst **string) error {
	v, err := r.str(where)
	if err != nil {
		return err
	}
	*dst = &v
	return nil
}
