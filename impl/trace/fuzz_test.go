package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// seedTrace is a real trace: node 1's records for one validator from
// `dvnode devnet --nodes 4 --validators 4 --registry-size 4 --slots 10
// --seconds-per-slot 2 --trace FILE` (its config record, then attester,
// proposer and sync committee steps: every event kind the node logs).
const seedTrace = "testdata/devnet-node1.jsonl"

// aggSeedTrace holds real aggregation records: for one validator of node 1
// of `dvnode devnet --nodes 4 --validators 16 --slots 16
// --seconds-per-slot 2 --trace FILE`, in --mode remote-signer and then
// vc-middleware, its aggregation_config record and the first
// aggregation_step of each event kind.
const aggSeedTrace = "testdata/devnet-aggregation.jsonl"

func seedLines(t testing.TB) [][]byte { return fileLines(t, seedTrace) }

func fileLines(t testing.TB, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, MaxLine)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// decodeAll decodes every record of a trace as adapter/replay does, and
// checks that whatever decodes encodes back to what decodes the same: the
// trace codec must never accept an input it cannot reproduce. It returns
// how many events decoded.
func decodeAll(t *testing.T, data []byte) int {
	var chain *signing.Chain
	events := 0
	_ = Read(bytes.NewReader(data), func(r *Record) error {
		if _, err := r.ValidatorKey(); err != nil {
			return nil
		}
		switch r.Record {
		case KindConfig:
			cfg, err := DecodeConfig(r.Config, r.Validator)
			if err != nil {
				return nil
			}
			chain = &cfg.Chain
			// Compared in encoded form: the chain holds codec caches that
			// differ between two equal configurations.
			enc, _ := json.Marshal(EncodeConfig(cfg))
			back, err := DecodeConfig(EncodeConfig(cfg), r.Validator)
			if err != nil {
				t.Fatalf("config decodes but its encoding does not: %v", err)
			}
			if again, _ := json.Marshal(EncodeConfig(back)); !bytes.Equal(again, enc) {
				t.Fatalf("config does not round-trip:\n%s\n%s", enc, again)
			}
			snap, err := dvc.DecodeSnapshot(r.State)
			if err != nil {
				return nil
			}
			_, _ = dvc.StateFromSnapshot(cfg, snap)
		case KindAggConfig:
			if cfg, err := DecodeConfig(r.Config, r.Validator); err == nil {
				chain = &cfg.Chain
			}
		case KindAggStep:
			if chain == nil {
				return nil
			}
			if ev, err := DecodeAggEvent(*chain, r.Event); err == nil {
				events++
				it, err := EncodeAggEvent(ev)
				if err != nil {
					t.Fatalf("aggregation event %s decodes but does not encode: %v", r.Event.Name(), err)
				}
				again, err := DecodeAggEvent(*chain, it)
				if err != nil || !reflect.DeepEqual(again, ev) {
					t.Fatalf("aggregation event %s: decode(encode(decode(x))) differs from decode(x): %v", r.Event.Name(), err)
				}
			}
		case KindStep:
			if chain == nil {
				return nil
			}
			if ev, err := DecodeEvent(*chain, r.Event); err == nil {
				events++
				it, err := EncodeEvent(*chain, ev)
				if err != nil {
					t.Fatalf("event %s decodes but does not encode: %v", r.Event.Name(), err)
				}
				again, err := DecodeEvent(*chain, it)
				if err != nil || !reflect.DeepEqual(again, ev) {
					t.Fatalf("event %s: decode(encode(decode(x))) differs from decode(x): %v", r.Event.Name(), err)
				}
			}
			for _, o := range r.Outputs {
				out, err := DecodeOutput(*chain, o)
				if err != nil {
					continue
				}
				it, err := EncodeOutput(*chain, out)
				if err != nil {
					t.Fatalf("output %s decodes but does not encode: %v", o.Name(), err)
				}
				again, err := DecodeOutput(*chain, it)
				if err != nil || !reflect.DeepEqual(again, out) {
					t.Fatalf("output %s: decode(encode(decode(x))) differs from decode(x): %v", o.Name(), err)
				}
			}
		}
		return nil
	})
	return events
}

// TestSeedTraceDecodes keeps the fuzz seed honest: the real trace decodes
// completely, every event of it.
func TestSeedTraceDecodes(t *testing.T) {
	lines := seedLines(t)
	steps := 0
	for _, l := range lines {
		var r Record
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatal(err)
		}
		if r.Record == KindStep {
			steps++
		}
	}
	if got := decodeAll(t, bytes.Join(lines, []byte("\n"))); got != steps || steps == 0 {
		t.Fatalf("%d of %d step events decoded", got, steps)
	}
}

// TestAggSeedTraceDecodes: every aggregation event of the real
// aggregation records decodes and round-trips.
func TestAggSeedTraceDecodes(t *testing.T) {
	lines := fileLines(t, aggSeedTrace)
	steps := 0
	for _, l := range lines {
		var r Record
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatal(err)
		}
		if r.Record == KindAggStep {
			steps++
		}
	}
	if got := decodeAll(t, bytes.Join(lines, []byte("\n"))); got != steps || steps < 10 {
		t.Fatalf("%d of %d aggregation events decoded", got, steps)
	}
}

// FuzzReadTrace feeds arbitrary bytes to the trace reader and every decoder
// `dvnode replay` and `dvnode diff` use (config, state snapshot, events,
// outputs): none may panic, and what decodes must round-trip. Seeds: the
// start of the real trace, and its config record followed by one step of
// each kind.
func FuzzReadTrace(f *testing.F) {
	lines := seedLines(f)
	// The whole trace (165 KB) is too large a seed for the mutator; its
	// first steps are one, and TestSeedTraceDecodes covers the rest.
	f.Add(bytes.Join(lines[:12], []byte("\n")))
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		var r Record
		if err := json.Unmarshal(l, &r); err != nil {
			f.Fatal(err)
		}
		if name := r.Event.Name(); !seen[name] {
			seen[name] = true
			f.Add(append(append(append([]byte(nil), lines[0]...), '\n'), l...))
		}
	}
	f.Add(lines[0])
	// The aggregation records: each step after its machine's config.
	var aggConfig []byte
	for _, l := range fileLines(f, aggSeedTrace) {
		var r Record
		if err := json.Unmarshal(l, &r); err != nil {
			f.Fatal(err)
		}
		if r.Record == KindAggConfig {
			aggConfig = l
			continue
		}
		f.Add(append(append(append([]byte(nil), aggConfig...), '\n'), l...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeAll(t, data)
	})
}
