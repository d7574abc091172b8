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

// DVCConfig is config.yaml (with chain.yaml) of a dvc case: the static
// configuration of one co-validator (SPEC.md section 7.1, spec/dvc.Config).
type DVCConfig struct {
	Chain Chain
	// Preset is the consensus preset (mainnet or minimal).
	Preset string
	// ValidatorPublicKey and ValidatorIndex identify the distributed
	// validator.
	ValidatorPublicKey [48]byte
	ValidatorIndex     uint64
	// ShareIndex is this co-validator's share index; Peers are all share
	// indices (this one included); PublicShares their public key shares.
	ShareIndex   uint64
	Peers        []uint64
	PublicShares []PublicShare
	// Threshold is M.
	Threshold int
	// Cluster is the cluster root put into every consensus instance id.
	Cluster [32]byte
	// Mode is remote_signer or vc_middleware.
	Mode string
	// SignerSecretKey is this node's key share in remote_signer mode (a
	// test key): the remote signer signs the signing root it is given with
	// it (BLS, deterministic), so every signature the node produces is
	// reproducible. Nil in vc_middleware mode, where the validator client's
	// signatures arrive in captured_* events.
	SignerSecretKey *[32]byte
}

// BeaconCommittee is one committee answered inside an imported_new_block
// event: the validators of committee Index at Slot, in committee order.
type BeaconCommittee struct {
	Slot, Index uint64
	Validators  []uint64
}

// DVCEvent is one event of steps.yaml (SPEC.md section 7.3). Name is the
// event's snake_case name; the fields the event uses are set, containers
// as SSZ encodings (an encoding that does not decode makes the event
// malformed_event).
//
//	event                                  fields
//	serve_attestation_duty                 Duty (AttestationDuty)
//	attestation_consensus_decided          Instance, Data (AttestationData)
//	received_attestation_share             Share (AttestationShare)
//	imported_new_block                     BlockFork, Block (BeaconBlock of BlockFork), ValidatorIndex (nil: not in the registry), Committees
//	resend_attestation_shares              -
//	serve_proposer_duty                    Duty (ProposerDuty)
//	received_randao_share                  Share (RandaoShare)
//	block_consensus_decided                Instance, BlockFork, Block
//	received_block_share                   Share (BlockShare)
//	resend_randao_shares, resend_block_shares -
//	serve_sync_committee_duty              Duty (SyncCommitteeDuty), Slot, SubcommitteeIndex
//	sync_committee_consensus_decided       Instance, Contribution (SyncCommitteeContribution)
//	received_sync_committee_message_share  Share (SyncCommitteeMessageShare)
//	resend_sync_committee_message_shares   -
//	captured_attestation                   AttestationFork, Attestation (Attestation before Electra, SingleAttestation from Electra)
//	captured_randao_reveal                 Slot, RandaoReveal
//	captured_block                         BlockFork, Block, Signature
//	captured_sync_committee_message        Message (SyncCommitteeMessage)
//	new_slot                               Slot
//	no_event                               -
type DVCEvent struct {
	Name              string
	Duty              []byte
	Instance          InstanceID
	Data              []byte
	Share             []byte
	BlockFork         string
	Block             []byte
	ValidatorIndex    *uint64
	Committees        []BeaconCommittee
	Slot              uint64
	SubcommitteeIndex uint64
	Contribution      []byte
	AttestationFork   string
	Attestation       []byte
	RandaoReveal      [96]byte
	Signature         [96]byte
	Message           []byte
}

// DVCOutput is one output of a step (SPEC.md section 7.3), in the order
// produced.
//
//	output                                    fields
//	start_consensus                           Instances (one), DutyKind (attester, proposer, sync_committee), Duty; proposer: RandaoReveal; sync_committee: Slot, SubcommitteeIndex
//	stop_consensus, update_validity           Instances
//	signed                                    SignKind, Slot, ObjectRoot, ForkVersion, Domain, SigningRoot, Signature
//	broadcast                                 MessageKind, Message (the share), To
//	submit_attestation                        AttestationFork, Attestation
//	submit_block                              Block (SignedVersionedBlock)
//	submit_sync_committee_message             Message (SyncCommitteeMessage)
//	cache_attestation_data_for_vc             Duty, Data
//	cache_block_for_vc                        Duty, BlockFork, Block
//	cache_sync_committee_contribution_for_vc  Duty, Contribution
//	ignored                                   Reason, Slot
type DVCOutput struct {
	Name              string
	Instances         []InstanceID
	DutyKind          string
	Duty              []byte
	RandaoReveal      [96]byte
	Slot              uint64
	SubcommitteeIndex uint64
	SignKind          string
	ObjectRoot        [32]byte
	ForkVersion       [4]byte
	Domain            [32]byte
	SigningRoot       [32]byte
	Signature         [96]byte
	MessageKind       string
	Message           []byte
	To                []uint64
	AttestationFork   string
	Attestation       []byte
	BlockFork         string
	Block             []byte
	Data              []byte
	Contribution      []byte
	Reason            string
}

// DVC is one co-validator's state machine.
type DVC interface {
	// Step applies an event and returns its outputs, or the error that
	// refused it (the state must not change then).
	Step(ev DVCEvent) ([]DVCOutput, error)
	// Validity applies the validity predicate of the active consensus
	// instance id, in the current state, to a consensus value (the
	// encodings of consensus/value.go: SSZ AttestationData, SSZ
	// VersionedBlock, SSZ SyncCommitteeContribution).
	Validity(id InstanceID, value []byte) error
	// Snapshot is the SSZ encoding of the SPEC.md DVCStateSnapshot of the
	// current state. An implementation that returns ErrNotImplemented is
	// checked on its outputs only.
	Snapshot() ([]byte, error)
}

// DVCImplementation runs the dvc vectors.
type DVCImplementation interface {
	ErrorNamer
	// NewDVC builds a co-validator in the state whose DVCStateSnapshot
	// encoding is preState (pre.ssz_snappy).
	NewDVC(cfg DVCConfig, preState []byte) (DVC, error)
}

func init() {
	register(Runner{
		Name:       "dvc",
		Interface:  "spectests.DVCImplementation",
		Implements: func(impl any) bool { _, ok := impl.(DVCImplementation); return ok },
		Check:      func(c Case, impl any) error { return CheckDVCCase(c, impl.(DVCImplementation)) },
	})
}

// RunDVC runs every dvc case under root as a subtest.
func RunDVC(t *testing.T, root string, impl DVCImplementation) {
	t.Helper()
	Run(t, root, "dvc", impl)
}

type dvcConfigYAML struct {
	Preset    string `yaml:"preset"`
	Validator struct {
		Pubkey Hex    `yaml:"pubkey"`
		Index  uint64 `yaml:"index"`
	} `yaml:"validator"`
	ShareIndex   uint64            `yaml:"share_index"`
	Peers        []uint64          `yaml:"peers"`
	PublicShares []publicShareYAML `yaml:"public_shares"`
	Threshold    int               `yaml:"threshold"`
	Cluster      Hex               `yaml:"cluster"`
	Mode         string            `yaml:"mode"`
	Signer       *struct {
		ShareIndex uint64 `yaml:"share_index"`
		SecretKey  Hex    `yaml:"secret_key"`
	} `yaml:"signer"`
}

// ReadDVCConfig reads chain.yaml and config.yaml of a dvc case.
func (c Case) ReadDVCConfig() (DVCConfig, error) {
	chain, err := c.ReadChain()
	if err != nil {
		return DVCConfig{}, err
	}
	var y dvcConfigYAML
	if err := c.ReadYAML("config.yaml", &y); err != nil {
		return DVCConfig{}, err
	}
	cfg := DVCConfig{Chain: chain, Preset: y.Preset, ValidatorIndex: y.Validator.Index, ShareIndex: y.ShareIndex,
		Peers: y.Peers, Threshold: y.Threshold, Mode: y.Mode}
	pk, err := y.Validator.Pubkey.PublicKey()
	if err != nil {
		return cfg, caseError("config.yaml", "validator pubkey: %v", err)
	}
	cfg.ValidatorPublicKey = pk
	if cfg.PublicShares, err = readPublicShares(y.PublicShares); err != nil {
		return cfg, caseError("config.yaml", "%v", err)
	}
	cl, err := y.Cluster.Root()
	if err != nil {
		return cfg, caseError("config.yaml", "cluster: %v", err)
	}
	cfg.Cluster = cl
	if y.Signer != nil {
		if y.Signer.ShareIndex != y.ShareIndex {
			return cfg, caseError("config.yaml", "signer of share %d for node %d", y.Signer.ShareIndex, y.ShareIndex)
		}
		sk, err := y.Signer.SecretKey.fixed(32)
		if err != nil {
			return cfg, caseError("config.yaml", "signer secret key: %v", err)
		}
		k := [32]byte(sk)
		cfg.SignerSecretKey = &k
	}
	return cfg, nil
}

// dvcFieldsYAML holds every field an event or output may have in
// steps.yaml; which ones an event or output uses is listed at DVCEvent and
// DVCOutput. Containers appear twice: as a YAML value (<field>) and as
// their SSZ encoding (<field>_ssz), which the harness reads.
type dvcFieldsYAML struct {
	Instance       *instanceYAML  `yaml:"instance"`
	InstanceSSZ    Hex            `yaml:"instance_ssz"`
	Instances      []instanceYAML `yaml:"instances"`
	InstancesSSZ   []Hex          `yaml:"instances_ssz"`
	Duty           yaml.Node      `yaml:"duty"`
	DutySSZ        Hex            `yaml:"duty_ssz"`
	Data           yaml.Node      `yaml:"data"`
	DataSSZ        Hex            `yaml:"data_ssz"`
	Share          yaml.Node      `yaml:"share"`
	ShareSSZ       Hex            `yaml:"share_ssz"`
	BlockFork      string         `yaml:"block_fork"`
	Block          yaml.Node      `yaml:"block"`
	BlockSSZ       Hex            `yaml:"block_ssz"`
	ValidatorIndex *uint64        `yaml:"validator_index"`
	Committees     []struct {
		Slot       uint64   `yaml:"slot"`
		Index      uint64   `yaml:"index"`
		Validators []uint64 `yaml:"validators"`
	} `yaml:"committees"`
	Slot              *uint64   `yaml:"slot"`
	SubcommitteeIndex *uint64   `yaml:"subcommittee_index"`
	Contribution      yaml.Node `yaml:"contribution"`
	ContributionSSZ   Hex       `yaml:"contribution_ssz"`
	AttestationFork   string    `yaml:"attestation_fork"`
	Attestation       yaml.Node `yaml:"attestation"`
	AttestationSSZ    Hex       `yaml:"attestation_ssz"`
	RandaoReveal      Hex       `yaml:"randao_reveal"`
	Signature         Hex       `yaml:"signature"`
	Message           yaml.Node `yaml:"message"`
	MessageSSZ        Hex       `yaml:"message_ssz"`
	MessageKind       string    `yaml:"message_kind"`
	To                []uint64  `yaml:"to"`
	Kind              string    `yaml:"kind"`
	ObjectRoot        Hex       `yaml:"object_root"`
	ForkVersion       Hex       `yaml:"fork_version"`
	Domain            Hex       `yaml:"domain"`
	SigningRoot       Hex       `yaml:"signing_root"`
	Reason            string    `yaml:"reason"`
	Attester          *struct {
		Duty    yaml.Node `yaml:"duty"`
		DutySSZ Hex       `yaml:"duty_ssz"`
	} `yaml:"attester"`
	Proposer *struct {
		Duty         yaml.Node `yaml:"duty"`
		DutySSZ      Hex       `yaml:"duty_ssz"`
		RandaoReveal Hex       `yaml:"randao_reveal"`
	} `yaml:"proposer"`
	SyncCommittee *struct {
		Duty              yaml.Node `yaml:"duty"`
		DutySSZ           Hex       `yaml:"duty_ssz"`
		Slot              uint64    `yaml:"slot"`
		SubcommitteeIndex uint64    `yaml:"subcommittee_index"`
	} `yaml:"sync_committee"`
}

type dvcCheckYAML struct {
	Instance    instanceYAML `yaml:"instance"`
	InstanceSSZ Hex          `yaml:"instance_ssz"`
	ValueType   string       `yaml:"value_type"`
	Value       yaml.Node    `yaml:"value"`
	ValueSSZ    Hex          `yaml:"value_ssz"`
}

// dvcStep is one entry of steps.yaml: an event with its outputs (or named
// error), or a check of a validity predicate.
type dvcStep struct {
	Event         map[string]dvcFieldsYAML   `yaml:"event"`
	Outputs       []map[string]dvcFieldsYAML `yaml:"outputs"`
	Error         string                     `yaml:"error"`
	Cause         string                     `yaml:"cause"`
	CheckValidity *dvcCheckYAML              `yaml:"check_validity"`
	Valid         *bool                      `yaml:"valid"`
	StateRoot     Hex                        `yaml:"state_root"`
}

func sig96(h Hex) ([96]byte, error) {
	var out [96]byte
	if len(h) == 0 {
		return out, nil
	}
	b, err := h.fixed(96)
	copy(out[:], b)
	return out, err
}

func instances(list []instanceYAML) ([]InstanceID, error) {
	out := make([]InstanceID, 0, len(list))
	for _, y := range list {
		id, err := y.id()
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func (f dvcFieldsYAML) event(name string) (DVCEvent, error) {
	ev := DVCEvent{Name: name, Duty: f.DutySSZ, Data: f.DataSSZ, Share: f.ShareSSZ, BlockFork: f.BlockFork, Block: f.BlockSSZ,
		ValidatorIndex: f.ValidatorIndex, Contribution: f.ContributionSSZ, AttestationFork: f.AttestationFork,
		Attestation: f.AttestationSSZ, Message: f.MessageSSZ}
	if f.Instance != nil {
		id, err := f.Instance.id()
		if err != nil {
			return ev, err
		}
		ev.Instance = id
	}
	for _, c := range f.Committees {
		ev.Committees = append(ev.Committees, BeaconCommittee{Slot: c.Slot, Index: c.Index, Validators: c.Validators})
	}
	if f.Slot != nil {
		ev.Slot = *f.Slot
	}
	if f.SubcommitteeIndex != nil {
		ev.SubcommitteeIndex = *f.SubcommitteeIndex
	}
	var err error
	if ev.RandaoReveal, err = sig96(f.RandaoReveal); err != nil {
		return ev, err
	}
	if ev.Signature, err = sig96(f.Signature); err != nil {
		return ev, err
	}
	return ev, nil
}

func (f dvcFieldsYAML) output(name string) (DVCOutput, error) {
	o := DVCOutput{Name: name}
	var err error
	switch name {
	case names.StartConsensus:
		if f.Instance == nil {
			return o, errors.New("start_consensus without instance")
		}
		id, err := f.Instance.id()
		if err != nil {
			return o, err
		}
		o.Instances = []InstanceID{id}
		switch {
		case f.Attester != nil:
			o.DutyKind, o.Duty = "attester", f.Attester.DutySSZ
		case f.Proposer != nil:
			o.DutyKind, o.Duty = "proposer", f.Proposer.DutySSZ
			if o.RandaoReveal, err = sig96(f.Proposer.RandaoReveal); err != nil {
				return o, err
			}
		case f.SyncCommittee != nil:
			o.DutyKind, o.Duty = "sync_committee", f.SyncCommittee.DutySSZ
			o.Slot, o.SubcommitteeIndex = f.SyncCommittee.Slot, f.SyncCommittee.SubcommitteeIndex
		default:
			return o, errors.New("start_consensus without attester, proposer or sync_committee")
		}
	case names.StopConsensus, names.UpdateValidity:
		if o.Instances, err = instances(f.Instances); err != nil {
			return o, err
		}
	case names.Signed:
		o.SignKind = f.Kind
		if f.Slot != nil {
			o.Slot = *f.Slot
		}
		for _, x := range []struct {
			dst []byte
			src Hex
		}{{o.ObjectRoot[:], f.ObjectRoot}, {o.ForkVersion[:], f.ForkVersion}, {o.Domain[:], f.Domain}, {o.SigningRoot[:], f.SigningRoot}} {
			if len(x.src) != len(x.dst) {
				return o, fmt.Errorf("signed: %s has %d bytes", x.src, len(x.src))
			}
			copy(x.dst, x.src)
		}
		if o.Signature, err = sig96(f.Signature); err != nil {
			return o, err
		}
	case names.Broadcast:
		o.MessageKind, o.Message, o.To = f.MessageKind, f.MessageSSZ, f.To
	case names.SubmitAttestation:
		o.AttestationFork, o.Attestation = f.AttestationFork, f.AttestationSSZ
	case names.SubmitBlock:
		o.Block = f.BlockSSZ
	case names.SubmitSyncCommitteeMessage:
		o.Message = f.MessageSSZ
	case names.CacheAttestationDataForVC:
		o.Duty, o.Data = f.DutySSZ, f.DataSSZ
	case names.CacheBlockForVC:
		o.Duty, o.BlockFork, o.Block = f.DutySSZ, f.BlockFork, f.BlockSSZ
	case names.CacheSyncCommitteeContributionForVC:
		o.Duty, o.Contribution = f.DutySSZ, f.ContributionSSZ
	case names.Ignored:
		o.Reason = f.Reason
		if f.Slot != nil {
			o.Slot = *f.Slot
		}
	default:
		return o, fmt.Errorf("unknown output %q", name)
	}
	return o, nil
}

func oneKey[V any](m map[string]V) (string, V, error) {
	var zero V
	if len(m) != 1 {
		return "", zero, fmt.Errorf("want exactly one key, got %d", len(m))
	}
	for k, v := range m {
		return k, v, nil
	}
	return "", zero, nil
}

// normDVC makes empty slices nil so outputs compare by value.
func normDVC(list []DVCOutput) []DVCOutput {
	out := make([]DVCOutput, len(list))
	for i, o := range list {
		v := reflect.ValueOf(&o).Elem()
		for j := 0; j < v.NumField(); j++ {
			if f := v.Field(j); f.Kind() == reflect.Slice && f.Len() == 0 {
				f.Set(reflect.Zero(f.Type()))
			}
		}
		out[i] = o
	}
	return out
}

func describeDVC(list []DVCOutput) string {
	parts := make([]string, len(list))
	for i, o := range list {
		parts[i] = o.Name
		if o.Name == "ignored" {
			parts[i] += "(" + o.Reason + ")"
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// diffDVC names the first field in which two output lists differ.
func diffDVC(got, want []DVCOutput) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d outputs, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := reflect.ValueOf(got[i]), reflect.ValueOf(want[i])
		for j := 0; j < g.NumField(); j++ {
			if !reflect.DeepEqual(g.Field(j).Interface(), w.Field(j).Interface()) {
				return fmt.Sprintf("output %d (%s): %s is %v, want %v", i, want[i].Name, g.Type().Field(j).Name, g.Field(j).Interface(), w.Field(j).Interface())
			}
		}
	}
	return ""
}

// CheckDVCCase runs one dvc case: it builds the co-validator of
// config.yaml in the state of pre.ssz_snappy, runs steps.yaml in order
// (every event's outputs, in order, or its named error; every validity
// check's verdict; the state's root after each step when the
// implementation gives snapshots), and compares the final state with
// post.ssz_snappy.
func CheckDVCCase(c Case, impl DVCImplementation) error {
	cfg, err := c.ReadDVCConfig()
	if err != nil {
		return err
	}
	pre, err := c.ReadSSZ("pre")
	if err != nil {
		return err
	}
	d, err := impl.NewDVC(cfg, pre)
	if err != nil {
		return fmt.Errorf("load pre.ssz_snappy: %w", err)
	}
	var steps []dvcStep
	if err := c.ReadYAML("steps.yaml", &steps); err != nil {
		return err
	}
	snapshots := true
	for i, s := range steps {
		if err := runDVCStep(impl, d, s, &snapshots); err != nil {
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
	got, err := d.Snapshot()
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	if !bytes.Equal(got, post) {
		return fmt.Errorf("the state after the steps differs from post.ssz_snappy (%d bytes, want %d)", len(got), len(post))
	}
	return nil
}

func runDVCStep(impl DVCImplementation, d DVC, s dvcStep, snapshots *bool) error {
	switch {
	case s.CheckValidity != nil && s.Event == nil:
		id, err := s.CheckValidity.Instance.id()
		if err != nil {
			return err
		}
		if s.Valid == nil {
			return errors.New("check_validity without valid")
		}
		err = d.Validity(id, s.CheckValidity.ValueSSZ)
		if errors.Is(err, ErrNotImplemented) {
			return err
		}
		if *s.Valid {
			if err != nil {
				return fmt.Errorf("check_validity: the predicate refuses the value: %w", err)
			}
		} else if err := expectNamed(impl, err, s.Error, s.Cause); err != nil {
			return fmt.Errorf("check_validity: %w", err)
		}
	case s.Event != nil && s.CheckValidity == nil:
		name, fields, err := oneKey(s.Event)
		if err != nil {
			return fmt.Errorf("event: %w", err)
		}
		ev, err := fields.event(name)
		if err != nil {
			return fmt.Errorf("event %s: %w", name, err)
		}
		want := make([]DVCOutput, 0, len(s.Outputs))
		for k, item := range s.Outputs {
			oname, of, err := oneKey(item)
			if err != nil {
				return fmt.Errorf("output %d: %w", k, err)
			}
			o, err := of.output(oname)
			if err != nil {
				return fmt.Errorf("output %d: %w", k, err)
			}
			want = append(want, o)
		}
		out, err := d.Step(ev)
		if err := expectNamed(impl, err, s.Error, s.Cause); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if s.Error != "" && len(out) > 0 {
			return fmt.Errorf("%s: a refused event produced outputs %s", name, describeDVC(out))
		}
		if g, w := normDVC(out), normDVC(want); !reflect.DeepEqual(g, w) {
			return fmt.Errorf("%s: outputs %s, want %s: %s", name, describeDVC(out), describeDVC(want), diffDVC(g, w))
		}
	default:
		return errors.New("a step has exactly one of event and check_validity")
	}
	if *snapshots && len(s.StateRoot) > 0 {
		snap, err := d.Snapshot()
		if errors.Is(err, ErrNotImplemented) {
			*snapshots = false
			return nil
		}
		if err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		root, err := DVCSnapshotRoot(snap)
		if err != nil {
			return err
		}
		if !bytes.Equal(root[:], s.StateRoot) {
			return fmt.Errorf("state root after the step %#x, want %s", root, s.StateRoot)
		}
	}
	return nil
}
