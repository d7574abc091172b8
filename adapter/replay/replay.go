// Package replay checks traces (impl/trace, adapter/TRACE.md) against the
// pure spec: Replay runs every recorded event through spec/dvc.Step from
// the recorded starting state and reports the first step whose outputs,
// rejection or resulting state differ from the recording; Diff compares two
// traces duty by duty. A trace written by another implementation can be
// checked the same way.
package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
	"github.com/dvspec/go-dvspec/impl/trace"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Options tune Replay.
type Options struct {
	// Node replays only this node's records (0: every node).
	Node uint64
	// Signer, when set, re-signs with key shares (by share public key)
	// instead of answering with the recorded signatures.
	Signer map[phase0.BLSPubKey]bls.SecretKey
	// Out receives per-step lines when Verbose.
	Out     io.Writer
	Verbose bool
	// CompareDetail also compares the human-readable detail of Ignored
	// outputs (the reference writes the same details; other
	// implementations need not).
	CompareDetail bool
}

// Report is a replay's outcome.
type Report struct {
	Machines int
	Steps    int
	Rejected int
	// AggMachines, AggSteps and AggRejected count the aggregation state
	// machines' records (spec/dvc/aggduty).
	AggMachines int
	AggSteps    int
	AggRejected int
	Divergence  *Divergence
}

// Divergence is the first step where the spec and the trace disagree.
type Divergence struct {
	Seq       uint64
	Node      uint64
	Validator string
	Event     string
	What      string
	Expected  string
	Got       string
}

type machine struct {
	cfg *dvc.Config
	st  *dvc.State
}

type aggMachine struct {
	cfg *dvc.Config
	st  *aggduty.State
}

type mkey struct {
	node uint64
	pk   phase0.BLSPubKey
}

// Replay replays a trace file.
func Replay(path string, o Options) (*Report, error) {
	rep := &Report{}
	machines := map[mkey]*machine{}
	aggMachines := map[mkey]*aggMachine{}
	stop := errors.New("stop")
	err := trace.ReadFile(path, func(r *trace.Record) error {
		if o.Node != 0 && r.Node != o.Node {
			return nil
		}
		pk, err := r.ValidatorKey()
		if err != nil {
			return fmt.Errorf("record %d: %w", r.Seq, err)
		}
		k := mkey{r.Node, pk}
		diverge := func(what, exp, got string) error {
			ev := r.Event.Name()
			rep.Divergence = &Divergence{Seq: r.Seq, Node: r.Node, Validator: r.Validator.String(), Event: ev, What: what, Expected: exp, Got: got}
			return stop
		}
		switch r.Record {
		case trace.KindConfig:
			cfg, err := trace.DecodeConfig(r.Config, r.Validator)
			if err != nil {
				return fmt.Errorf("record %d: %w", r.Seq, err)
			}
			snap, err := dvc.DecodeSnapshot(r.State)
			if err != nil {
				return fmt.Errorf("record %d: state: %w", r.Seq, err)
			}
			st, err := dvc.StateFromSnapshot(cfg, snap)
			if err != nil {
				return fmt.Errorf("record %d: state: %w", r.Seq, err)
			}
			if r.StateRoot != nil {
				root, err := st.HashTreeRoot()
				if err != nil || !bytes.Equal(root[:], r.StateRoot) {
					return diverge("starting state root", r.StateRoot.String(), trace.Hex(root[:]).String())
				}
			}
			machines[k] = &machine{cfg: cfg, st: st}
			rep.Machines++
			return nil
		case trace.KindStep:
			m := machines[k]
			if m == nil {
				return diverge("step before the machine's config record", "config record", "none")
			}
			ev, err := trace.DecodeEvent(m.cfg.Chain, r.Event)
			if err != nil {
				return fmt.Errorf("record %d: %w", r.Seq, err)
			}
			var signer dvc.Signer = recordedSignerFor(r)
			if o.Signer != nil {
				sk, ok := o.Signer[m.cfg.PublicShares[m.cfg.ShareIndex]]
				if !ok {
					return fmt.Errorf("record %d: no key share for node %d of validator %s", r.Seq, r.Node, r.Validator)
				}
				signer = dvc.KeyShareSigner{Share: bls.Share{Index: m.cfg.ShareIndex, SecretKey: sk}}
			}
			next, outs, stepErr := dvc.Step(m.cfg, m.st, ev, dvc.Oracles{Signer: signer})
			rep.Steps++
			if o.Verbose && o.Out != nil {
				fmt.Fprintf(o.Out, "step %d node %d %s: %d outputs, err=%v\n", r.Seq, r.Node, r.Event.Name(), len(outs), stepErr)
			}
			switch {
			case r.Error != "" && stepErr == nil:
				return diverge("event accepted, the trace has it rejected", r.Error+" ("+r.Cause+"): "+r.ErrorMessage, "accepted")
			case r.Error == "" && stepErr != nil:
				name, cause := trace.ErrorNames(stepErr)
				return diverge("event rejected, the trace has it accepted", "accepted", name+" ("+cause+"): "+stepErr.Error())
			case stepErr != nil:
				rep.Rejected++
				if name, cause := trace.ErrorNames(stepErr); name != r.Error || cause != r.Cause {
					return diverge("rejection", r.Error+" ("+r.Cause+")", name+" ("+cause+")")
				}
			default:
				got, err := trace.EncodeOutputs(m.cfg.Chain, outs)
				if err != nil {
					return fmt.Errorf("record %d: %w", r.Seq, err)
				}
				if d := compareOutputs(r.Outputs, got, o.CompareDetail); d != nil {
					return diverge(d.what, d.exp, d.got)
				}
				m.st = next
			}
			if r.StateRoot != nil {
				root, err := m.st.HashTreeRoot()
				if err != nil || !bytes.Equal(root[:], r.StateRoot) {
					return diverge("state root after the step", r.StateRoot.String(), trace.Hex(root[:]).String())
				}
			}
		case trace.KindAggConfig:
			cfg, err := trace.DecodeConfig(r.Config, r.Validator)
			if err != nil {
				return fmt.Errorf("record %d: %w", r.Seq, err)
			}
			aggMachines[k] = &aggMachine{cfg: cfg, st: aggduty.NewState()}
			rep.AggMachines++
		case trace.KindAggStep:
			m := aggMachines[k]
			if m == nil {
				return diverge("aggregation step before the machine's aggregation_config record", "aggregation_config record", "none")
			}
			if d, err := replayAggStep(r, m, o, rep); err != nil {
				return fmt.Errorf("record %d: %w", r.Seq, err)
			} else if d != nil {
				return diverge(d.what, d.exp, d.got)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return rep, err
	}
	return rep, nil
}

type outDiff struct{ what, exp, got string }

func compareOutputs(exp, got []trace.Item, detail bool) *outDiff {
	for i := 0; i < len(exp) || i < len(got); i++ {
		if i >= len(exp) {
			return &outDiff{fmt.Sprintf("output %d: extra output", i), "(none)", js(got[i])}
		}
		if i >= len(got) {
			return &outDiff{fmt.Sprintf("output %d: missing output", i), js(exp[i]), "(none)"}
		}
		e, g := normalize(exp[i], detail), normalize(got[i], detail)
		if js(e) != js(g) {
			if e.Name() != g.Name() {
				return &outDiff{fmt.Sprintf("output %d", i), e.Name(), g.Name()}
			}
			field, ev, gv := firstField(e[e.Name()], g[g.Name()])
			return &outDiff{fmt.Sprintf("output %d (%s), field %s", i, e.Name(), field), ev, gv}
		}
	}
	return nil
}

// normalize drops what is not compared: the human-readable detail of
// ignored outputs, unless asked for.
func normalize(it trace.Item, detail bool) trace.Item {
	out := trace.Item{}
	for k, f := range it {
		if f != nil && !detail && f.Detail != "" {
			c := *f
			c.Detail = ""
			f = &c
		}
		out[k] = f
	}
	return out
}

// firstField names the first JSON field where two outputs differ and shows
// both values around the first differing character.
func firstField(a, b *trace.Fields) (string, string, string) {
	var ma, mb map[string]any
	_ = json.Unmarshal([]byte(js(a)), &ma)
	_ = json.Unmarshal([]byte(js(b)), &mb)
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		x, y := js(ma[k]), js(mb[k])
		if x != y {
			return k, around(x, y), around(y, x)
		}
	}
	return "?", js(a), js(b)
}

// around shortens s to the region where it first differs from t.
func around(s, t string) string {
	i := 0
	for i < len(s) && i < len(t) && s[i] == t[i] {
		i++
	}
	lo, hi := max(0, i-24), min(len(s), i+40)
	out := s[lo:hi]
	if lo > 0 {
		out = "…" + out
	}
	if hi < len(s) {
		out += "…"
	}
	return fmt.Sprintf("%s (from character %d)", out, i)
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// recordedSigner answers the spec's signing calls with the signatures the
// trace recorded for this step (by kind and signing root); a call the
// trace has no signature for fails, as the recorded signer did.
type recordedSigner map[string]phase0.BLSSignature

func recordedSignerFor(r *trace.Record) recordedSigner {
	s := recordedSigner{}
	for _, o := range r.Outputs {
		if f := o["signed"]; f != nil && len(f.Signature) == 96 {
			var sig phase0.BLSSignature
			copy(sig[:], f.Signature)
			s[f.Kind+"/"+f.SigningRoot.String()] = sig
		}
	}
	return s
}

func (s recordedSigner) get(kind dvc.SignKind, in signing.SigningInput) (phase0.BLSSignature, error) {
	if sig, ok := s[kind.String()+"/"+trace.Hex(in.SigningRoot[:]).String()]; ok {
		return sig, nil
	}
	return phase0.BLSSignature{}, fmt.Errorf("replay: the trace has no %s signature of %#x for this step", kind, in.SigningRoot[:])
}

func (s recordedSigner) SignAttestation(_ *phase0.AttestationData, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.get(dvc.SignAttestation, in)
}

func (s recordedSigner) SignRandaoReveal(_ phase0.Epoch, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.get(dvc.SignRandaoReveal, in)
}

func (s recordedSigner) SignBlock(_ *eth2spec.VersionedBeaconBlock, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.get(dvc.SignBlock, in)
}

func (s recordedSigner) SignSyncCommitteeMessage(_ phase0.Slot, _ phase0.Root, in signing.SigningInput) (phase0.BLSSignature, error) {
	return s.get(dvc.SignSyncCommitteeMessage, in)
}

// KeystoreSigner loads a node's share keystores (impl/keys layout) for
// re-signing.
func KeystoreSigner(dir, passwordFile string) (map[phase0.BLSPubKey]bls.SecretKey, error) {
	sks, err := remotesigner.LoadKeystores(remotesigner.KeystoreConfig{Dir: dir, PasswordFile: passwordFile})
	if err != nil {
		return nil, err
	}
	out := map[phase0.BLSPubKey]bls.SecretKey{}
	for _, sk := range sks {
		pk, err := sk.PublicKey()
		if err != nil {
			return nil, err
		}
		out[pk] = sk
	}
	return out, nil
}

// NodeKeystores is KeystoreSigner for a node directory.
func NodeKeystores(nodeDir string) (map[phase0.BLSPubKey]bls.SecretKey, error) {
	return KeystoreSigner(filepath.Join(nodeDir, keys.KeystoresDir), filepath.Join(nodeDir, keys.KeystorePasswordFile))
}

// Print writes the report.
func (r *Report) Print(out io.Writer) {
	fmt.Fprintf(out, "replayed %d steps of %d state machines (%d rejected events, as recorded)\n", r.Steps, r.Machines, r.Rejected)
	fmt.Fprintf(out, "replayed %d aggregation steps of %d aggregation state machines (%d rejected events, as recorded)\n", r.AggSteps, r.AggMachines, r.AggRejected)
	if d := r.Divergence; d != nil {
		fmt.Fprintf(out, "DIVERGENCE at record %d (node %d, validator %s, event %s): %s\n  expected: %s\n  got:      %s\n",
			d.Seq, d.Node, d.Validator, d.Event, d.What, d.Expected, d.Got)
		return
	}
	fmt.Fprintln(out, "no divergence: the trace is what the spec does")
}
