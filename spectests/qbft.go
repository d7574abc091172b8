package spectests

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/spec/names"
)

// InstanceID is consensus.InstanceID as the vectors write it: the cluster
// root, the distributed validator's public key, the duty type (1 attester,
// 2 proposer, 3 sync committee) and the slot.
type InstanceID struct {
	Cluster   [32]byte
	Validator [48]byte
	DutyType  uint64
	Slot      uint64
}

type instanceYAML struct {
	Cluster   Hex    `yaml:"cluster"`
	Validator Hex    `yaml:"validator"`
	DutyType  uint64 `yaml:"duty_type"`
	Slot      uint64 `yaml:"slot"`
}

func (y instanceYAML) id() (InstanceID, error) {
	var out InstanceID
	c, err := y.Cluster.fixed(32)
	if err != nil {
		return out, fmt.Errorf("instance cluster: %w", err)
	}
	v, err := y.Validator.fixed(48)
	if err != nil {
		return out, fmt.Errorf("instance validator: %w", err)
	}
	copy(out.Cluster[:], c)
	copy(out.Validator[:], v)
	out.DutyType, out.Slot = y.DutyType, y.Slot
	return out, nil
}

// QBFTConfig is config.yaml of a qbft case: one node of a cluster running
// one consensus instance (SPEC.md section 8).
type QBFTConfig struct {
	Instance InstanceID
	// N is the number of nodes (1..256); Self is the node under test.
	N, Self uint64
	// NodePublicKeys[i-1] is the Ed25519 public key of node i.
	NodePublicKeys [][32]byte
	// SelfSeed is the Ed25519 private key seed (RFC 8032) of node Self: the
	// node signs its messages with it (signatures are deterministic).
	SelfSeed [32]byte
	// InvalidValues are the values the instance's validity predicate
	// refuses; it accepts every other value.
	InvalidValues [][]byte
}

// QBFTOutput is one output of an input, in the order produced.
type QBFTOutput struct {
	// Kind is broadcast, set_timer or decide.
	Kind string
	// Message is the SSZ SignedMessage a broadcast sends.
	Message []byte
	// Round is the round of a set_timer or decide.
	Round uint64
	// DurationMs and DeadlineMs are a set_timer's RoundTimeout(round) and
	// RoundDeadline(round), in milliseconds.
	DurationMs, DeadlineMs uint64
	// Value is the decided value.
	Value []byte
	// Commits are the SSZ SignedPayloads of the decision's commit quorum,
	// by ascending sender.
	Commits [][]byte
}

// QBFTInstance is one node's QBFT state machine for one instance. Every
// input returns the outputs it produced, or the error that dropped it (a
// dropped input must not change the state).
type QBFTInstance interface {
	Start() ([]QBFTOutput, error)
	SetOwnValue(value []byte) ([]QBFTOutput, error)
	// Receive takes the SSZ encoding of a SignedMessage, the wire format;
	// an encoding that does not decode is malformed_message.
	Receive(message []byte) ([]QBFTOutput, error)
	Timeout(round uint64) ([]QBFTOutput, error)
	// Snapshot is the SSZ encoding of the SPEC.md Snapshot container of the
	// instance's state. An implementation that returns ErrNotImplemented
	// is checked on its outputs only.
	Snapshot() ([]byte, error)
}

// QBFTImplementation runs the qbft vectors.
type QBFTImplementation interface {
	ErrorNamer
	// NewQBFTInstance creates node cfg.Self's instance: round 0, not
	// started, nothing received.
	NewQBFTInstance(cfg QBFTConfig) (QBFTInstance, error)
	// RestoreQBFTInstance rebuilds an instance from the SSZ encoding of its
	// Snapshot (suite from_snapshot). ErrNotImplemented skips those cases.
	RestoreQBFTInstance(cfg QBFTConfig, snapshot []byte) (QBFTInstance, error)
	// QBFTParams answers a params case (handler params): the functions of
	// SPEC.md sections 8.2, 8.6 and 8.7.
	QBFTParams(q QBFTParamsQuery) (uint64, error)
}

// QBFTParamsQuery is one question of a params case: Function is quorum,
// f (of N), leader (of Instance, Round, N), round_timeout_ms or
// round_deadline_ms (of Round).
type QBFTParamsQuery struct {
	Function string
	N        uint64
	Round    uint64
	Instance InstanceID
}

func init() {
	register(Runner{
		Name:       "qbft",
		Interface:  "spectests.QBFTImplementation",
		Implements: func(impl any) bool { _, ok := impl.(QBFTImplementation); return ok },
		Check:      func(c Case, impl any) error { return CheckQBFTCase(c, impl.(QBFTImplementation)) },
	})
}

// RunQBFT runs every qbft case under root as a subtest.
func RunQBFT(t *testing.T, root string, impl QBFTImplementation) {
	t.Helper()
	Run(t, root, "qbft", impl)
}

type qbftNodeYAML struct {
	Index     uint64 `yaml:"index"`
	Seed      Hex    `yaml:"seed"`
	PublicKey Hex    `yaml:"public_key"`
}

type qbftConfigYAML struct {
	Instance      instanceYAML   `yaml:"instance"`
	N             uint64         `yaml:"n"`
	Self          uint64         `yaml:"self"`
	Quorum        uint64         `yaml:"quorum"`
	F             uint64         `yaml:"f"`
	Nodes         []qbftNodeYAML `yaml:"nodes"`
	InvalidValues []Hex          `yaml:"invalid_values"`
}

// ReadQBFTConfig reads config.yaml of a qbft case.
func (c Case) ReadQBFTConfig() (QBFTConfig, error) {
	var y qbftConfigYAML
	if err := c.ReadYAML("config.yaml", &y); err != nil {
		return QBFTConfig{}, err
	}
	id, err := y.Instance.id()
	if err != nil {
		return QBFTConfig{}, caseError("config.yaml", "%v", err)
	}
	cfg := QBFTConfig{Instance: id, N: y.N, Self: y.Self}
	if uint64(len(y.Nodes)) != y.N {
		return cfg, caseError("config.yaml", "%d nodes for n = %d", len(y.Nodes), y.N)
	}
	for i, nd := range y.Nodes {
		if nd.Index != uint64(i+1) {
			return cfg, caseError("config.yaml", "node %d listed at position %d", nd.Index, i+1)
		}
		pk, err := nd.PublicKey.fixed(32)
		if err != nil {
			return cfg, caseError("config.yaml", "node %d public key: %v", nd.Index, err)
		}
		cfg.NodePublicKeys = append(cfg.NodePublicKeys, [32]byte(pk))
		if nd.Index == y.Self {
			seed, err := nd.Seed.fixed(32)
			if err != nil {
				return cfg, caseError("config.yaml", "node %d seed: %v", nd.Index, err)
			}
			cfg.SelfSeed = [32]byte(seed)
		}
	}
	for _, v := range y.InvalidValues {
		cfg.InvalidValues = append(cfg.InvalidValues, []byte(v))
	}
	return cfg, nil
}

// qbftStep is one entry of steps.yaml: exactly one input (start,
// set_own_value, receive, timeout), then what it must produce.
type qbftStep struct {
	Start       *struct{} `yaml:"start"`
	SetOwnValue *struct {
		Value Hex `yaml:"value"`
	} `yaml:"set_own_value"`
	Receive *struct {
		Message    yaml.Node `yaml:"message"`
		MessageSSZ Hex       `yaml:"message_ssz"`
	} `yaml:"receive"`
	Timeout *struct {
		Round uint64 `yaml:"round"`
	} `yaml:"timeout"`
	Outputs   []map[string]yaml.Node `yaml:"outputs"`
	Error     string                 `yaml:"error"`
	Cause     string                 `yaml:"cause"`
	StateRoot Hex                    `yaml:"state_root"`
}

type qbftSetTimerYAML struct {
	Round      uint64 `yaml:"round"`
	DurationMs uint64 `yaml:"duration_ms"`
	DeadlineMs uint64 `yaml:"deadline_ms"`
}

type qbftBroadcastYAML struct {
	Message    yaml.Node `yaml:"message"`
	MessageSSZ Hex       `yaml:"message_ssz"`
}

type qbftDecideYAML struct {
	Round      uint64      `yaml:"round"`
	Value      Hex         `yaml:"value"`
	Commits    []yaml.Node `yaml:"commits"`
	CommitsSSZ []Hex       `yaml:"commits_ssz"`
}

// decodeNodeStrict decodes a YAML node into v, refusing unknown fields.
func decodeNodeStrict(n *yaml.Node, v any) error {
	raw, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// parseQBFTOutputs reads the expected outputs of a step.
func parseQBFTOutputs(list []map[string]yaml.Node) ([]QBFTOutput, error) {
	out := make([]QBFTOutput, 0, len(list))
	for i, item := range list {
		if len(item) != 1 {
			return nil, fmt.Errorf("output %d: want exactly one kind", i)
		}
		for kind, n := range item {
			o := QBFTOutput{Kind: kind}
			switch kind {
			case names.QBFTBroadcast:
				var b qbftBroadcastYAML
				if err := decodeNodeStrict(&n, &b); err != nil {
					return nil, fmt.Errorf("output %d: %w", i, err)
				}
				o.Message = b.MessageSSZ
			case names.QBFTSetTimer:
				var s qbftSetTimerYAML
				if err := decodeNodeStrict(&n, &s); err != nil {
					return nil, fmt.Errorf("output %d: %w", i, err)
				}
				o.Round, o.DurationMs, o.DeadlineMs = s.Round, s.DurationMs, s.DeadlineMs
			case names.QBFTDecide:
				var d qbftDecideYAML
				if err := decodeNodeStrict(&n, &d); err != nil {
					return nil, fmt.Errorf("output %d: %w", i, err)
				}
				o.Round, o.Value = d.Round, d.Value
				for _, c := range d.CommitsSSZ {
					o.Commits = append(o.Commits, c)
				}
			default:
				return nil, fmt.Errorf("output %d: unknown kind %q", i, kind)
			}
			out = append(out, o)
		}
	}
	return out, nil
}

func normQBFT(list []QBFTOutput) []QBFTOutput {
	out := make([]QBFTOutput, len(list))
	for i, o := range list {
		if len(o.Message) == 0 {
			o.Message = nil
		}
		if len(o.Value) == 0 {
			o.Value = nil
		}
		if len(o.Commits) == 0 {
			o.Commits = nil
		}
		out[i] = o
	}
	return out
}

func describeQBFT(list []QBFTOutput) string {
	parts := make([]string, len(list))
	for i, o := range list {
		switch o.Kind {
		case names.QBFTBroadcast:
			parts[i] = fmt.Sprintf("broadcast(%d bytes)", len(o.Message))
		case names.QBFTSetTimer:
			parts[i] = fmt.Sprintf("set_timer(%d, %dms, %dms)", o.Round, o.DurationMs, o.DeadlineMs)
		case names.QBFTDecide:
			parts[i] = fmt.Sprintf("decide(round %d, %d commits, value %#x)", o.Round, len(o.Commits), o.Value)
		default:
			parts[i] = o.Kind
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// expectNamed compares an error with a step's expected error and cause: the
// implementation's names must start with error, and include cause when the
// vector gives one.
func expectNamed(namer ErrorNamer, err error, want, cause string) error {
	if errors.Is(err, ErrNotImplemented) {
		return err
	}
	if want == "" {
		if err != nil {
			return fmt.Errorf("want no error, got %v", err)
		}
		return nil
	}
	if err == nil {
		return fmt.Errorf("want error %s, got none", want)
	}
	names := namer.ErrorNames(err)
	if len(names) == 0 || names[0] != want {
		return fmt.Errorf("want error %s, got %v (%v)", want, names, err)
	}
	if cause != "" && !containsString(names[1:], cause) {
		return fmt.Errorf("want error %s caused by %s, got %v (%v)", want, cause, names, err)
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CheckQBFTCase runs one qbft case: a params case answers its queries; a
// rules or scenarios case creates the instance (or restores it from
// pre.ssz_snappy), applies steps.yaml in order (every step's outputs, in
// order, or its named error must match, and the state's root after it,
// when the implementation gives snapshots), and compares the final state
// with post.ssz_snappy.
func CheckQBFTCase(c Case, impl QBFTImplementation) error {
	if c.Handler == "params" {
		return checkQBFTParams(c, impl)
	}
	cfg, err := c.ReadQBFTConfig()
	if err != nil {
		return err
	}
	var inst QBFTInstance
	if c.Has("pre.ssz_snappy") {
		pre, err := c.ReadSSZ("pre")
		if err != nil {
			return err
		}
		if inst, err = impl.RestoreQBFTInstance(cfg, pre); err != nil {
			return fmt.Errorf("restore pre.ssz_snappy: %w", err)
		}
	} else if inst, err = impl.NewQBFTInstance(cfg); err != nil {
		return fmt.Errorf("new instance: %w", err)
	}
	var steps []qbftStep
	if err := c.ReadYAML("steps.yaml", &steps); err != nil {
		return err
	}
	snapshots := true
	for i, s := range steps {
		if err := runQBFTStep(impl, inst, s, &snapshots); err != nil {
			return fmt.Errorf("steps.yaml step %d: %w", i, err)
		}
	}
	if !snapshots {
		return nil
	}
	post, err := c.ReadSSZ("post")
	if err != nil {
		return err
	}
	got, err := inst.Snapshot()
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	if !bytes.Equal(got, post) {
		return fmt.Errorf("the state after the steps differs from post.ssz_snappy (%d bytes, want %d)", len(got), len(post))
	}
	return nil
}

func runQBFTStep(impl QBFTImplementation, inst QBFTInstance, s qbftStep, snapshots *bool) error {
	var (
		out []QBFTOutput
		err error
		n   int
	)
	if s.Start != nil {
		n++
		out, err = inst.Start()
	}
	if s.SetOwnValue != nil {
		n++
		out, err = inst.SetOwnValue(s.SetOwnValue.Value)
	}
	if s.Receive != nil {
		n++
		out, err = inst.Receive(s.Receive.MessageSSZ)
	}
	if s.Timeout != nil {
		n++
		out, err = inst.Timeout(s.Timeout.Round)
	}
	if n != 1 {
		return fmt.Errorf("a step has exactly one input, this one has %d", n)
	}
	if err := expectNamed(impl, err, s.Error, s.Cause); err != nil {
		return err
	}
	want, perr := parseQBFTOutputs(s.Outputs)
	if perr != nil {
		return perr
	}
	if s.Error != "" && len(out) > 0 {
		return fmt.Errorf("a dropped input produced outputs %s", describeQBFT(out))
	}
	if !reflect.DeepEqual(normQBFT(out), normQBFT(want)) {
		return fmt.Errorf("outputs %s, want %s%s", describeQBFT(out), describeQBFT(want), firstQBFTDiff(out, want))
	}
	if *snapshots && len(s.StateRoot) > 0 {
		snap, err := inst.Snapshot()
		if errors.Is(err, ErrNotImplemented) {
			*snapshots = false
			return nil
		}
		if err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		root, err := SnapshotRoot(snap)
		if err != nil {
			return err
		}
		if !bytes.Equal(root[:], s.StateRoot) {
			return fmt.Errorf("state root after the step %#x, want %s", root, s.StateRoot)
		}
	}
	return nil
}

func firstQBFTDiff(got, want []QBFTOutput) string {
	for i := 0; i < len(got) && i < len(want); i++ {
		g, w := got[i], want[i]
		if g.Kind != w.Kind {
			return fmt.Sprintf(" (output %d: %s, want %s)", i, g.Kind, w.Kind)
		}
		if !bytes.Equal(g.Message, w.Message) {
			return fmt.Sprintf(" (output %d: message %#x, want %#x)", i, g.Message, w.Message)
		}
	}
	return ""
}

type qbftParamsData struct {
	Queries []struct {
		Function string        `yaml:"function"`
		N        uint64        `yaml:"n"`
		Round    uint64        `yaml:"round"`
		Instance *instanceYAML `yaml:"instance"`
		Output   uint64        `yaml:"output"`
	} `yaml:"queries"`
}

func checkQBFTParams(c Case, impl QBFTImplementation) error {
	var d qbftParamsData
	if err := c.ReadYAML("data.yaml", &d); err != nil {
		return err
	}
	for i, q := range d.Queries {
		query := QBFTParamsQuery{Function: q.Function, N: q.N, Round: q.Round}
		if q.Instance != nil {
			id, err := q.Instance.id()
			if err != nil {
				return caseError("data.yaml", "query %d: %v", i, err)
			}
			query.Instance = id
		}
		got, err := impl.QBFTParams(query)
		if err != nil {
			return fmt.Errorf("query %d (%s): %w", i, q.Function, err)
		}
		if got != q.Output {
			return fmt.Errorf("query %d: %s(n=%d, round=%d) = %d, want %d", i, q.Function, q.N, q.Round, got, q.Output)
		}
	}
	return nil
}
