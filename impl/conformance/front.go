package conformance

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/networking"
)

// maxBody bounds what the front reads of a submission (the simulated node
// has the same bound).
const maxBody = 16 << 20

// Front is one node's beacon endpoint: the shared simulated chain seen
// through that node's scripted faults, recording offers and submissions.
type Front struct {
	Node   uint64
	sb     *simbeacon.Node
	next   http.Handler
	faults []Fault
	rec    *Record

	mu      sync.Mutex
	count   map[int]uint64 // requests per fault, for "every"
	applied map[int]uint64 // times each fault changed an answer
	offered uint64         // blocks offered under double_proposal
}

func (f *Front) apply(i int) {
	f.mu.Lock()
	f.applied[i]++
	f.mu.Unlock()
}

// Applied returns, per fault of this node (in scenario order), how many
// answers it changed: a fault that never applied tested nothing.
func (f *Front) Applied() []FaultLine {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultLine, len(f.faults))
	for i, ft := range f.faults {
		out[i] = FaultLine{Node: f.Node, Kind: ft.Kind, Applied: f.applied[i]}
	}
	return out
}

// NewFront returns node's endpoint in front of sb.
func NewFront(node uint64, sb *simbeacon.Node, faults []Fault, rec *Record) *Front {
	var mine []Fault
	for _, f := range faults {
		if f.Node == node {
			mine = append(mine, f)
		}
	}
	return &Front{Node: node, sb: sb, next: sb.Handler(), faults: mine, rec: rec, count: map[int]uint64{}, applied: map[int]uint64{}}
}

// ServeHTTP implements http.Handler.
func (f *Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.rec.request(f.Node)
	slot := uint64(f.sb.CurrentSlot())
	var delay time.Duration
	var rw rewrites
	for i := range f.faults {
		ft := f.faults[i]
		if !ft.active(slot) {
			continue
		}
		switch ft.Kind {
		case FaultDown:
			f.apply(i)
			// Drop the connection without an answer, as a dead beacon
			// node's would be.
			panic(http.ErrAbortHandler)
		case FaultErrors:
			f.mu.Lock()
			f.count[i]++
			n := f.count[i]
			f.mu.Unlock()
			every := ft.Every
			if every == 0 {
				every = 1
			}
			if n%every == 0 {
				f.apply(i)
				status := ft.Status
				if status == 0 {
					status = http.StatusServiceUnavailable
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"code":%d,"message":"conformance kit: scripted error"}`, status)
				return
			}
		case FaultSlow:
			f.apply(i)
			delay += time.Duration(ft.DelayMillis) * time.Millisecond
		case FaultDivergentHead, FaultLateHead, FaultReorg:
			rw.head = append(rw.head, i)
		case FaultSurroundOffer:
			rw.surround = append(rw.surround, i)
		case FaultDoubleProposal:
			rw.block = append(rw.block, i)
		}
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(path, "/validator/attestation_data"):
		f.serveAttestationData(w, r, rw)
		return
	case r.Method == http.MethodGet && strings.Contains(path, "/validator/blocks/") && len(rw.block) > 0:
		f.offerOtherBlock(r, rw.block)
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/beacon/pool/attestations"):
		body, ok := f.readBody(w, r)
		if !ok {
			return
		}
		f.passPool(w, r, f.decodeAttestations(body, r.Header.Get("Eth-Consensus-Version")))
		return
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/beacon/pool/sync_committees"):
		body, ok := f.readBody(w, r)
		if !ok {
			return
		}
		f.passPool(w, r, f.decodeSyncMessages(body))
		return
	case r.Method == http.MethodPost && (strings.HasSuffix(path, "/beacon/blocks") || strings.HasSuffix(path, "/beacon/blinded_blocks")):
		body, ok := f.readBody(w, r)
		if !ok {
			return
		}
		sub := Submission{Node: f.Node, Kind: KindBlock, Slot: phase0.Slot(slot), Body: bodyHash(body), At: time.Now()}
		if s, sig, ok := parseBlock(body, r.Header.Get("Content-Type")); ok {
			// The block's slot and its (deterministic, BLS) signature
			// identify it whatever the encoding and the arrival time.
			sub.Slot, sub.Body = s, sig
		}
		sub.Validator = f.sb.Proposer(sub.Slot)
		sub.Fork, sub.SSZ = f.blockForTrace(r.Header, body)
		tw := &teeWriter{ResponseWriter: w, status: http.StatusOK}
		f.next.ServeHTTP(tw, r)
		if tw.status >= 300 {
			sub.Refused = fmt.Sprintf("%d %s", tw.status, strings.TrimSpace(tw.body.String()))
		}
		f.rec.AddSubmission(sub)
		return
	}
	f.next.ServeHTTP(w, r)
}

// readBody reads the body and puts it back for the chain.
func (f *Front) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, `{"code":400,"message":"body: `+err.Error()+`"}`, http.StatusBadRequest)
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}

// decodeAttestations decodes the attestations of a pool submission, by
// position in the request (nil where it cannot; undecodable bodies are left
// to the chain, which answers them with an error).
func (f *Front) decodeAttestations(body []byte, fork string) []*Submission {
	if v, ok := forkByName(strings.ToLower(fork)); ok && v < eth2spec.DataVersionElectra {
		return f.decodePhase0Attestations(body, v)
	}
	var items []*electra.SingleAttestation
	if err := json.Unmarshal(body, &items); err != nil {
		return nil
	}
	out := make([]*Submission, len(items))
	now := time.Now()
	for i, a := range items {
		if a == nil || a.Data == nil || a.Data.Source == nil || a.Data.Target == nil {
			continue
		}
		sub := Submission{Node: f.Node, Kind: KindAttestation, Validator: a.AttesterIndex, Slot: a.Data.Slot, Data: a.Data, At: now, Fork: strings.ToLower(fork)}
		if raw, err := a.MarshalSSZ(); err == nil {
			sub.SSZ = raw
		}
		if sub.Fork == "" {
			sub.Fork = f.sb.Fork(a.Data.Slot).String()
		}
		out[i] = &sub
	}
	return out
}

// decodePhase0Attestations decodes pre-Electra attestations (one bit set:
// the attester is the committee member at that position).
func (f *Front) decodePhase0Attestations(body []byte, fork eth2spec.DataVersion) []*Submission {
	var items []*phase0.Attestation
	if err := json.Unmarshal(body, &items); err != nil {
		return nil
	}
	out := make([]*Submission, len(items))
	now := time.Now()
	for i, a := range items {
		if a == nil || a.Data == nil || a.Data.Source == nil || a.Data.Target == nil {
			continue
		}
		bits := a.AggregationBits.BitIndices()
		committee := f.sb.Committee(a.Data.Slot, a.Data.Index)
		if len(bits) != 1 || bits[0] >= len(committee) {
			continue
		}
		sub := Submission{Node: f.Node, Kind: KindAttestation, Validator: committee[bits[0]], Slot: a.Data.Slot, Data: a.Data, At: now, Fork: fork.String()}
		if raw, err := a.MarshalSSZ(); err == nil {
			sub.SSZ = raw
		}
		out[i] = &sub
	}
	return out
}

// decodeSyncMessages decodes the sync committee messages of a pool
// submission (for the trace and the reasons of refusals).
func (f *Front) decodeSyncMessages(body []byte) []*Submission {
	var items []*altair.SyncCommitteeMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil
	}
	out := make([]*Submission, len(items))
	now := time.Now()
	for i, m := range items {
		if m == nil {
			continue
		}
		sub := Submission{Node: f.Node, Kind: KindSyncMessage, Validator: m.ValidatorIndex, Slot: m.Slot, At: now}
		if raw, err := m.MarshalSSZ(); err == nil {
			sub.SSZ = raw
		}
		out[i] = &sub
	}
	return out
}

// passPool passes a pool submission to the chain and records its items
// (subs, by position in the request) with the chain's reason for each one
// it refused, so that a duty not done can be told apart: never submitted,
// or submitted and refused (too late, wrong head, ...).
func (f *Front) passPool(w http.ResponseWriter, r *http.Request, subs []*Submission) {
	tw := &teeWriter{ResponseWriter: w, status: http.StatusOK}
	f.next.ServeHTTP(tw, r)
	if tw.status >= 300 {
		var resp struct {
			Message  string `json:"message"`
			Failures []struct {
				Index   int    `json:"index"`
				Message string `json:"message"`
			} `json:"failures"`
		}
		perItem := json.Unmarshal(tw.body.Bytes(), &resp) == nil && len(resp.Failures) > 0
		for _, fl := range resp.Failures {
			if fl.Index >= 0 && fl.Index < len(subs) && subs[fl.Index] != nil {
				subs[fl.Index].Refused = fmt.Sprintf("%d %s", tw.status, fl.Message)
			}
		}
		if !perItem {
			for _, s := range subs {
				if s != nil {
					s.Refused = fmt.Sprintf("%d %s", tw.status, strings.TrimSpace(tw.body.String()))
				}
			}
		}
	}
	for _, s := range subs {
		if s != nil {
			f.rec.AddSubmission(*s)
		}
	}
}

// blockForTrace decodes a published block as the chain does and returns
// it as the trace's submit_block carries it: the SSZ
// SignedVersionedBlock (fork version, the fork's BeaconBlock, signature).
func (f *Front) blockForTrace(h http.Header, body []byte) (string, []byte) {
	pb, err := f.sb.DecodePublishedBlock(h, body)
	if err != nil {
		return "", nil
	}
	fork, err := f.sb.SigningChain().ForkAtSlot(pb.Slot)
	if err != nil {
		return "", nil
	}
	svb := &networking.SignedVersionedBlock{Block: &networking.VersionedBlock{ForkVersion: fork.Version, Block: pb.Message}, Signature: pb.Signature}
	raw, err := svb.MarshalSSZ()
	if err != nil {
		return "", nil
	}
	return pb.Fork, raw
}

type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *capture) Header() http.Header         { return c.header }
func (c *capture) WriteHeader(s int)           { c.status = s }
func (c *capture) Write(b []byte) (int, error) { return c.body.Write(b) }

// rewrites are the faults that change a node's answers, by index into
// the node's faults.
type rewrites struct {
	head, surround, block []int
}

// headOf returns the head slot fault ft makes the endpoint name in data of
// slot at time now, and whether it changes anything.
func (f *Front) headOf(ft Fault, slot phase0.Slot, now time.Time) (phase0.Slot, bool) {
	back := func(n uint64) phase0.Slot {
		if uint64(slot) > n {
			return slot - phase0.Slot(n)
		}
		return 0
	}
	switch ft.Kind {
	case FaultDivergentHead:
		return back(ft.Lag), true
	case FaultLateHead:
		cfg := f.sb.Config()
		start := cfg.GenesisTime.Add(time.Duration(uint64(slot)*cfg.SecondsPerSlot) * time.Second)
		if now.Before(start.Add(time.Duration(ft.DelayMillis) * time.Millisecond)) {
			return back(1), true
		}
	case FaultReorg:
		if h := phase0.Slot(ft.FromSlot - 1 - ft.Lag); h <= slot {
			return h, true
		}
	}
	return slot, false
}

// serveAttestationData asks the chain, rewrites the data as the node's
// faults say, records the offer and answers it.
func (f *Front) serveAttestationData(w http.ResponseWriter, r *http.Request, rw rewrites) {
	c := &capture{header: http.Header{}, status: http.StatusOK}
	f.next.ServeHTTP(c, r)
	out := c.body.Bytes()
	if c.status == http.StatusOK {
		var resp map[string]json.RawMessage
		var data phase0.AttestationData
		if json.Unmarshal(out, &resp) == nil && json.Unmarshal(resp["data"], &data) == nil && data.Source != nil && data.Target != nil {
			changed := false
			// The chain's clock, so that a test on a manual clock sees
			// the same late head as a run on the wall clock.
			now := f.sb.Config().Clock.Now()
			for _, i := range rw.head {
				if head, ok := f.headOf(f.faults[i], data.Slot, now); ok {
					data.BeaconBlockRoot = simbeacon.BlockRoot(head)
					changed = true
					f.apply(i)
				}
			}
			for _, i := range rw.surround {
				if data.Target.Epoch >= 3 {
					data.Source = &phase0.Checkpoint{Epoch: 0, Root: simbeacon.BlockRoot(0)}
					changed = true
					f.apply(i)
				}
			}
			if changed {
				if raw, err := json.Marshal(&data); err == nil {
					resp["data"] = raw
					if b, err := json.Marshal(resp); err == nil {
						out = b
					}
				}
			}
			f.rec.AddOffer(Offer{Node: f.Node, Data: &data, At: time.Now()})
		}
	}
	for k, v := range c.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(c.status)
	_, _ = w.Write(out)
}

// offerOtherBlock makes the chain build, for this request, a block no
// other node is offered: the graffiti names the node and how many blocks
// its endpoint has offered, so a repeated request for a slot gets yet
// another block.
func (f *Front) offerOtherBlock(r *http.Request, faults []int) {
	f.mu.Lock()
	f.offered++
	n := f.offered
	f.mu.Unlock()
	var g [32]byte
	copy(g[:], fmt.Sprintf("kit node %d offer %d", f.Node, n))
	q := r.URL.Query()
	q.Set("graffiti", "0x"+hex.EncodeToString(g[:]))
	r.URL.RawQuery = q.Encode()
	for _, i := range faults {
		f.apply(i)
	}
}

// teeBytes bounds what a teeWriter keeps: enough for a pool submission's
// per-item failures.
const teeBytes = 64 << 10

// teeWriter passes an answer through and keeps its status and the start of
// its body, so that the report can say why the chain refused a block.
type teeWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (t *teeWriter) WriteHeader(s int) {
	t.status = s
	t.ResponseWriter.WriteHeader(s)
}

func (t *teeWriter) Write(b []byte) (int, error) {
	if room := teeBytes - t.body.Len(); room > 0 {
		t.body.Write(b[:min(room, len(b))])
	}
	return t.ResponseWriter.Write(b)
}
