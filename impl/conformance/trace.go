package conformance

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/names"
)

// WriteTrace writes the submissions in the trace format (adapter/TRACE.md)
// so that `dvnode diff` compares two implementations' runs duty by duty:
// one step record per decoded submission, in arrival order, with the event
// no_event (the kit sees no state machine) and the submission as its one
// output (submit_attestation, submit_block or
// submit_sync_committee_message), under the submitting node and the
// validator's public key. There are no config records: such a trace is for
// diff, not replay.
func WriteTrace(w io.Writer, subs []Submission) error {
	subs = append([]Submission(nil), subs...)
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].At.Before(subs[j].At) })
	keys := map[phase0.ValidatorIndex]trace.Hex{}
	pubkey := func(v phase0.ValidatorIndex) (trace.Hex, error) {
		if pk, ok := keys[v]; ok {
			return pk, nil
		}
		sk, err := bls.InteropSecretKey(uint64(v))
		if err != nil {
			return nil, err
		}
		pk, err := sk.PublicKey()
		if err != nil {
			return nil, err
		}
		keys[v] = trace.Hex(pk[:])
		return keys[v], nil
	}
	bw := bufio.NewWriter(w)
	seq := uint64(0)
	for _, s := range subs {
		if s.SSZ == nil {
			continue
		}
		var out trace.Item
		switch s.Kind {
		case KindAttestation:
			out = trace.Item{names.SubmitAttestation: {AttestationFork: s.Fork, AttestationSSZ: s.SSZ}}
		case KindBlock:
			out = trace.Item{names.SubmitBlock: {BlockSSZ: s.SSZ}}
		case KindSyncMessage:
			out = trace.Item{names.SubmitSyncCommitteeMessage: {MessageSSZ: s.SSZ}}
		default:
			continue
		}
		pk, err := pubkey(s.Validator)
		if err != nil {
			return fmt.Errorf("conformance: trace: validator %d: %w", s.Validator, err)
		}
		seq++
		rec := trace.Record{Record: trace.KindStep, Seq: seq, Node: s.Node, Validator: pk, Time: s.At.UTC().Format(time.RFC3339Nano),
			Event: trace.Item{names.NoEvent: {}}, Outputs: []trace.Item{out}}
		raw, err := json.Marshal(&rec)
		if err != nil {
			return err
		}
		bw.Write(raw)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteTraceFile writes the trace of subs to path.
func WriteTraceFile(path string, subs []Submission) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteTrace(f, subs); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
