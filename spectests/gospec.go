package spectests

import (
	"fmt"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/capella"
	"github.com/attestantio/go-eth2-client/spec/deneb"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"
	dynssz "github.com/pk910/dynamic-ssz"

	"github.com/dvspec/go-dvspec/consensus"
	"github.com/dvspec/go-dvspec/consensus/qbft"
	"github.com/dvspec/go-dvspec/networking"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
	"github.com/dvspec/go-dvspec/spec/sszutil"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// GoSpec is the Go spec of this repository behind every harness interface:
// the reference the vectors are generated from, and the example of how an
// implementation plugs in.
type GoSpec struct{}

var (
	_ SSZStaticImplementation = GoSpec{}
	_ BLSImplementation       = GoSpec{}
	_ SigningImplementation   = GoSpec{}
	_ SlashingImplementation  = GoSpec{}
	_ ValidityImplementation  = GoSpec{}
)

// ErrorNames names the Go spec's errors with ErrorTable.
func (GoSpec) ErrorNames(err error) []string { return SpecErrorNames(err) }

// sszCodec is a generated container.
type sszCodec interface {
	sszutil.Codec
	HashTreeRoot() ([32]byte, error)
}

// dvContainers are the SPEC.md containers, by name.
var dvContainers = map[string]func() sszCodec{
	"ValidatorIdentity":             func() sszCodec { return new(spec.ValidatorIdentity) },
	"CoValidator":                   func() sszCodec { return new(spec.CoValidator) },
	"DistributedValidator":          func() sszCodec { return new(spec.DistributedValidator) },
	"State":                         func() sszCodec { return new(spec.State) },
	"AttestationDuty":               func() sszCodec { return new(spec.AttestationDuty) },
	"ProposerDuty":                  func() sszCodec { return new(spec.ProposerDuty) },
	"SyncCommitteeDuty":             func() sszCodec { return new(spec.SyncCommitteeDuty) },
	"AggregatorDuty":                func() sszCodec { return new(spec.AggregatorDuty) },
	"SyncCommitteeContributionDuty": func() sszCodec { return new(spec.SyncCommitteeContributionDuty) },
	"SlashingDBBlock":               func() sszCodec { return new(slashing.SlashingDBBlock) },
	"SlashingDBAttestation":         func() sszCodec { return new(slashing.SlashingDBAttestation) },
	"SlashingDBData":                func() sszCodec { return new(slashing.SlashingDBData) },
	"SlashingDB":                    func() sszCodec { return new(slashing.SlashingDB) },

	"VersionedBlock":            func() sszCodec { return new(networking.VersionedBlock) },
	"SignedVersionedBlock":      func() sszCodec { return new(networking.SignedVersionedBlock) },
	"AttestationShare":          func() sszCodec { return new(networking.AttestationShare) },
	"RandaoShare":               func() sszCodec { return new(networking.RandaoShare) },
	"BlockShare":                func() sszCodec { return new(networking.BlockShare) },
	"SyncCommitteeMessageShare": func() sszCodec { return new(networking.SyncCommitteeMessageShare) },
	"AggregationShare":          func() sszCodec { return new(networking.AggregationShare) },

	"InstanceID":    func() sszCodec { return new(consensus.InstanceID) },
	"Message":       func() sszCodec { return new(qbft.Message) },
	"SignedPayload": func() sszCodec { return new(qbft.SignedPayload) },
	"SignedMessage": func() sszCodec { return new(qbft.SignedMessage) },
	"Snapshot":      func() sszCodec { return new(qbft.Snapshot) },

	"BucketRef":             func() sszCodec { return new(dvc.BucketRef) },
	"PendingAttestation":    func() sszCodec { return new(dvc.PendingAttestation) },
	"ProposerValidity":      func() sszCodec { return new(dvc.ProposerValidity) },
	"PendingBlock":          func() sszCodec { return new(dvc.PendingBlock) },
	"SyncInstance":          func() sszCodec { return new(dvc.SyncInstance) },
	"AttesterSnapshot":      func() sszCodec { return new(dvc.AttesterSnapshot) },
	"ProposerSnapshot":      func() sszCodec { return new(dvc.ProposerSnapshot) },
	"SyncCommitteeSnapshot": func() sszCodec { return new(dvc.SyncCommitteeSnapshot) },
	"DVCStateSnapshot":      func() sszCodec { return new(dvc.DVCStateSnapshot) },

	"ClusterDefinition": func() sszCodec { return new(cluster.Definition) },
}

func newContainer(name string) (sszCodec, error) {
	f, ok := dvContainers[name]
	if !ok {
		return nil, fmt.Errorf("unknown container %q", name)
	}
	return f(), nil
}

// SSZFromYAML implements SSZStaticImplementation.
func (GoSpec) SSZFromYAML(container string, valueYAML []byte) (SSZObject, error) {
	obj, err := newContainer(container)
	if err != nil {
		return nil, err
	}
	n, err := parseYAMLDocument(valueYAML)
	if err != nil {
		return nil, err
	}
	if err := decodeContainerYAML(n, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// SSZDecode implements SSZStaticImplementation with the spec's canonical
// decoding (sszutil.DecodeCanonical).
func (GoSpec) SSZDecode(container string, serialized []byte) (SSZObject, error) {
	obj, err := newContainer(container)
	if err != nil {
		return nil, err
	}
	if err := sszutil.DecodeCanonical(serialized, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// Threshold implements BLSImplementation.
func (GoSpec) Threshold(n int) int { return spec.Threshold(n) }

// Faulty implements BLSImplementation.
func (GoSpec) Faulty(n int) int { return spec.Faulty(n) }

// Split implements BLSImplementation.
func (GoSpec) Split(secret [32]byte, threshold, n int, seed []byte) ([]Share, error) {
	shares, err := bls.Split(bls.SecretKey(secret), threshold, n, seed)
	if err != nil {
		return nil, err
	}
	out := make([]Share, len(shares))
	for i, s := range shares {
		out[i] = Share{Index: s.Index, SecretKey: s.SecretKey}
	}
	return out, nil
}

// PublicKey implements BLSImplementation.
func (GoSpec) PublicKey(secret [32]byte) (phase0.BLSPubKey, error) {
	return bls.SecretKey(secret).PublicKey()
}

// PartialSign implements BLSImplementation.
func (GoSpec) PartialSign(share Share, message []byte) (PartialSignature, error) {
	p, err := bls.Share{Index: share.Index, SecretKey: share.SecretKey}.Sign(message)
	return PartialSignature{Index: p.Index, Signature: p.Signature}, err
}

// VerifyPartial implements BLSImplementation.
func (GoSpec) VerifyPartial(pub PublicShare, message []byte, part PartialSignature) bool {
	return bls.VerifyPartial(bls.PublicShare{Index: pub.Index, PublicKey: pub.PublicKey}, message,
		bls.PartialSignature{Index: part.Index, Signature: part.Signature})
}

// RecoverSignature implements BLSImplementation.
func (GoSpec) RecoverSignature(parts []PartialSignature, threshold int) (phase0.BLSSignature, error) {
	ps := make([]bls.PartialSignature, len(parts))
	for i, p := range parts {
		ps[i] = bls.PartialSignature{Index: p.Index, Signature: p.Signature}
	}
	return bls.RecoverSignature(ps, threshold)
}

// RecoverPublicKey implements BLSImplementation.
func (GoSpec) RecoverPublicKey(parts []PublicShare, threshold int) (phase0.BLSPubKey, error) {
	ps := make([]bls.PublicShare, len(parts))
	for i, p := range parts {
		ps[i] = bls.PublicShare{Index: p.Index, PublicKey: p.PublicKey}
	}
	return bls.RecoverPublicKey(ps, threshold)
}

// --- signing ----------------------------------------------------------------

// DataVersion maps a consensus-specs fork name to go-eth2-client's
// DataVersion.
func DataVersion(fork string) (eth2spec.DataVersion, error) {
	for v := eth2spec.DataVersionPhase0; v <= signing.LatestName; v++ {
		if v.String() == fork {
			return v, nil
		}
	}
	return eth2spec.DataVersionUnknown, fmt.Errorf("unknown fork %q", fork)
}

// SpecChain converts chain.yaml to the Go spec's signing.Chain.
func SpecChain(c Chain) (signing.Chain, error) {
	forks := make([]signing.Fork, len(c.Forks))
	for i, f := range c.Forks {
		v, err := DataVersion(f.Name)
		if err != nil {
			return signing.Chain{}, err
		}
		forks[i] = signing.Fork{Name: v, Version: f.Version, Epoch: phase0.Epoch(f.Epoch)}
	}
	s, err := signing.NewForkSchedule(forks...)
	if err != nil {
		return signing.Chain{}, err
	}
	return signing.Chain{Forks: s, GenesisValidatorsRoot: c.GenesisValidatorsRoot, SlotsPerEpoch: c.SlotsPerEpoch}, nil
}

// SpecChainPreset is SpecChain with the sizes of the named built-in chain
// config (the preset of the vector's path) and chain.yaml's slots per
// epoch.
func SpecChainPreset(preset string, c Chain) (signing.Chain, error) {
	base, err := SpecChain(c)
	if err != nil {
		return signing.Chain{}, err
	}
	cc, err := spec.BuiltinConfig(preset)
	if err != nil {
		return signing.Chain{}, err
	}
	if c.SlotsPerEpoch != cc.SlotsPerEpoch {
		if cc, err = cc.WithSlotsPerEpoch(c.SlotsPerEpoch); err != nil {
			return signing.Chain{}, err
		}
	}
	return signing.NewChain(base.Forks, base.GenesisValidatorsRoot, cc)
}

func decode(b []byte, obj sszutil.Codec) error { return sszutil.DecodeCanonical(b, obj) }

// DecodeBeaconBlock decodes the SSZ encoding of the named fork's
// BeaconBlock (mainnet sizes, canonical encodings only).
func DecodeBeaconBlock(fork string, b []byte) (*eth2spec.VersionedBeaconBlock, error) {
	return DecodeBeaconBlockPreset(spec.MainnetConfig(), fork, b)
}

// presetDecoder returns a canonical SSZ decoder of consensus containers
// with the preset's sizes (go-eth2-client's generated code for mainnet,
// dynamic-ssz for another preset).
func presetDecoder(p spec.ChainConfig) func(b []byte, obj sszutil.Codec) error {
	if p.SlotsPerEpoch == 0 {
		return decode
	}
	ds := PresetSSZ(p)
	return func(b []byte, obj sszutil.Codec) error {
		if err := ds.UnmarshalSSZ(obj, b); err != nil {
			return fmt.Errorf("ssz: %w", err)
		}
		again, err := ds.MarshalSSZ(obj)
		if err != nil {
			return err
		}
		if string(again) != string(b) {
			return sszutil.ErrNonCanonical
		}
		return nil
	}
}

// DecodeBeaconBlockPreset decodes the SSZ encoding of the named fork's
// BeaconBlock with the preset's sizes (canonical encodings only).
func DecodeBeaconBlockPreset(p spec.ChainConfig, fork string, b []byte) (*eth2spec.VersionedBeaconBlock, error) {
	v, err := DataVersion(fork)
	if err != nil {
		return nil, err
	}
	dec := presetDecoder(p)
	out := &eth2spec.VersionedBeaconBlock{Version: v}
	switch v {
	case eth2spec.DataVersionPhase0:
		out.Phase0 = new(phase0.BeaconBlock)
		err = dec(b, out.Phase0)
	case eth2spec.DataVersionAltair:
		out.Altair = new(altair.BeaconBlock)
		err = dec(b, out.Altair)
	case eth2spec.DataVersionBellatrix:
		out.Bellatrix = new(bellatrix.BeaconBlock)
		err = dec(b, out.Bellatrix)
	case eth2spec.DataVersionCapella:
		out.Capella = new(capella.BeaconBlock)
		err = dec(b, out.Capella)
	case eth2spec.DataVersionDeneb:
		out.Deneb = new(deneb.BeaconBlock)
		err = dec(b, out.Deneb)
	case eth2spec.DataVersionElectra:
		out.Electra = new(electra.BeaconBlock)
		err = dec(b, out.Electra)
	case eth2spec.DataVersionFulu:
		out.Fulu = new(electra.BeaconBlock)
		err = dec(b, out.Fulu)
	}
	return out, err
}

// DecodeAggregateAndProof decodes the named fork's AggregateAndProof
// (mainnet sizes).
func DecodeAggregateAndProof(fork string, b []byte) (*eth2spec.VersionedAggregateAndProof, error) {
	return DecodeAggregateAndProofPreset(spec.MainnetConfig(), fork, b)
}

// DecodeAggregateAndProofPreset decodes the named fork's AggregateAndProof
// with the preset's sizes (the Electra aggregate's committee bits and
// aggregation bits limit depend on it).
func DecodeAggregateAndProofPreset(p spec.ChainConfig, fork string, b []byte) (*eth2spec.VersionedAggregateAndProof, error) {
	v, err := DataVersion(fork)
	if err != nil {
		return nil, err
	}
	return decodeVersioned(v, b, presetDecoder(p), versioned.NewAggregateAndProof, &eth2spec.VersionedAggregateAndProof{Version: v}, versioned.SetAggregateAndProof)
}

// decodeVersioned decodes b with dec into the empty container of fork v
// that newC gives, and sets it in out (newC and set from spec/versioned):
// out, or nil and the error.
func decodeVersioned[V any](v eth2spec.DataVersion, b []byte, dec func([]byte, sszutil.Codec) error,
	newC func(eth2spec.DataVersion) (versioned.Container, error), out *V, set func(*V, versioned.Container) error) (*V, error) {
	c, err := newC(v)
	if err != nil {
		return nil, err
	}
	if err := dec(b, c); err != nil {
		return nil, err
	}
	if err := set(out, c); err != nil {
		return nil, err
	}
	return out, nil
}

func uint64Of(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("uint64 message of %d bytes", len(b))
	}
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// SigningRoots implements SigningImplementation.
func (GoSpec) SigningRoots(req SigningRequest) (SigningRoots, error) {
	chain, err := SpecPresetChain(req.Chain, req.Preset)
	if err != nil {
		return SigningRoots{}, err
	}
	in, err := goSigningInput(chain, req)
	return SigningRoots{ObjectRoot: in.ObjectRoot, ForkVersion: in.ForkVersion, Domain: in.Domain, SigningRoot: in.SigningRoot}, err
}

func goSigningInput(chain signing.Chain, req SigningRequest) (signing.SigningInput, error) {
	m := req.Message
	p := spec.MainnetConfig()
	if req.Preset == "minimal" {
		p = spec.MinimalConfig()
	}
	switch req.MessageType {
	case "attestation_data":
		d := new(phase0.AttestationData)
		if err := decode(m, d); err != nil {
			return signing.SigningInput{}, err
		}
		return chain.AttestationData(d)
	case "beacon_block":
		b, err := DecodeBeaconBlockPreset(p, req.MessageFork, m)
		if err != nil {
			return signing.SigningInput{}, err
		}
		return chain.BeaconBlock(b)
	case "beacon_block_header":
		h := new(phase0.BeaconBlockHeader)
		if err := decode(m, h); err != nil {
			return signing.SigningInput{}, err
		}
		return chain.BeaconBlockHeader(h)
	case "randao_reveal":
		e, err := uint64Of(m)
		if err != nil {
			return signing.SigningInput{}, err
		}
		return chain.RandaoReveal(phase0.Epoch(e))
	case "aggregation_slot":
		s, err := uint64Of(m)
		if err != nil {
			return signing.SigningInput{}, err
		}
		return chain.AggregationSlot(phase0.Slot(s))
	case "aggregate_and_proof":
		ap, err := DecodeAggregateAndProofPreset(p, req.MessageFork, m)
		if err != nil {
			return signing.SigningInput{}, err
		}
		return chain.AggregateAndProof(ap)
	case "sync_committee_message":
		if len(m) != 32 || req.Slot == nil {
			return signing.SigningInput{}, fmt.Errorf("sync committee message: want a 32-byte root and a slot")
		}
		return chain.SyncCommitteeMessage(phase0.Slot(*req.Slot), phase0.Root(m))
	case "sync_committee_selection_proof":
		d := new(altair.SyncAggregatorSelectionData)
		if err := decode(m, d); err != nil {
			return signing.SigningInput{}, err
		}
		return chain.SyncCommitteeSelectionProof(d)
	case "contribution_and_proof":
		cp := new(altair.ContributionAndProof)
		if err := presetDecoder(p)(m, cp); err != nil {
			return signing.SigningInput{}, err
		}
		return chain.ContributionAndProof(cp)
	case "voluntary_exit":
		e := new(phase0.VoluntaryExit)
		if err := decode(m, e); err != nil {
			return signing.SigningInput{}, err
		}
		if req.CurrentEpoch == nil {
			return signing.SigningInput{}, fmt.Errorf("voluntary exit: no current epoch")
		}
		return chain.VoluntaryExit(e, phase0.Epoch(*req.CurrentEpoch))
	case "validator_registration":
		r := new(apiv1.ValidatorRegistration)
		if err := decode(m, r); err != nil {
			return signing.SigningInput{}, err
		}
		return chain.ValidatorRegistration(r)
	case "deposit_message":
		d := new(phase0.DepositMessage)
		if err := decode(m, d); err != nil {
			return signing.SigningInput{}, err
		}
		return chain.DepositMessage(d)
	}
	return signing.SigningInput{}, fmt.Errorf("unknown message type %q", req.MessageType)
}

// --- slashing ---------------------------------------------------------------

// LoadSlashingDB implements SlashingImplementation with the spec's strict
// decoder.
func (GoSpec) LoadSlashingDB(b []byte) (SlashingDB, error) {
	db, err := slashing.DecodeSlashingDB(b)
	if err != nil {
		return nil, err
	}
	return GoSlashingDB{DB: db}, nil
}

// GoSlashingDB is the Go spec's slashing DB behind the SlashingDB
// interface.
type GoSlashingDB struct{ DB *slashing.SlashingDB }

func badStrategy(s Strategy) error { return fmt.Errorf("unknown strategy %q", s) }

// CheckAttestation implements SlashingDB.
func (g GoSlashingDB) CheckAttestation(s Strategy, pubkey phase0.BLSPubKey, source, target uint64, root *phase0.Root) error {
	switch s {
	case Complete:
		return g.DB.CheckAttestation(pubkey, phase0.Epoch(source), phase0.Epoch(target), root)
	case Minimal:
		return g.DB.CheckAttestationMinimal(pubkey, phase0.Epoch(source), phase0.Epoch(target), root)
	}
	return badStrategy(s)
}

// InsertAttestation implements SlashingDB.
func (g GoSlashingDB) InsertAttestation(s Strategy, pubkey phase0.BLSPubKey, source, target uint64, root *phase0.Root) error {
	switch s {
	case Complete:
		return g.DB.InsertAttestation(pubkey, phase0.Epoch(source), phase0.Epoch(target), root)
	case Minimal:
		return g.DB.InsertAttestationMinimal(pubkey, phase0.Epoch(source), phase0.Epoch(target), root)
	}
	return badStrategy(s)
}

// CheckBlock implements SlashingDB.
func (g GoSlashingDB) CheckBlock(s Strategy, pubkey phase0.BLSPubKey, slot uint64, root *phase0.Root) error {
	switch s {
	case Complete:
		return g.DB.CheckBlock(pubkey, phase0.Slot(slot), root)
	case Minimal:
		return g.DB.CheckBlockMinimal(pubkey, phase0.Slot(slot), root)
	}
	return badStrategy(s)
}

// InsertBlock implements SlashingDB.
func (g GoSlashingDB) InsertBlock(s Strategy, pubkey phase0.BLSPubKey, slot uint64, root *phase0.Root) error {
	switch s {
	case Complete:
		return g.DB.InsertBlock(pubkey, phase0.Slot(slot), root)
	case Minimal:
		return g.DB.InsertBlockMinimal(pubkey, phase0.Slot(slot), root)
	}
	return badStrategy(s)
}

// ImportInterchange implements SlashingDB.
func (g GoSlashingDB) ImportInterchange(file []byte) error {
	_, err := g.DB.ImportInterchange(file)
	return err
}

// ExportInterchange implements SlashingDB.
func (g GoSlashingDB) ExportInterchange(s Strategy) ([]byte, error) {
	switch s {
	case Complete:
		return g.DB.ExportInterchange()
	case Minimal:
		return g.DB.ExportInterchangeMinimal()
	}
	return nil, badStrategy(s)
}

// MarshalSSZ implements SlashingDB.
func (g GoSlashingDB) MarshalSSZ() ([]byte, error) { return g.DB.MarshalSSZ() }

// --- consensus validity -----------------------------------------------------

// IsValidAttestationData implements ValidityImplementation.
func (GoSpec) IsValidAttestationData(preset string, chain Chain, slashingDB, duty, data []byte) error {
	c, db, err := specValidityInputs(chain, slashingDB)
	if err != nil {
		return err
	}
	d := new(spec.AttestationDuty)
	if err := decode(duty, d); err != nil {
		return err
	}
	a := new(phase0.AttestationData)
	if err := decode(data, a); err != nil {
		return err
	}
	return consensus.IsValidAttestationData(db, c, a, d)
}

// IsValidBlock implements ValidityImplementation.
func (GoSpec) IsValidBlock(preset string, chain Chain, slashingDB, duty []byte, blockFork string, block []byte, randaoReveal phase0.BLSSignature, feeRecipient *bellatrix.ExecutionAddress) error {
	c, db, err := specValidityInputs(chain, slashingDB)
	if err != nil {
		return err
	}
	d := new(spec.ProposerDuty)
	if err := decode(duty, d); err != nil {
		return err
	}
	b, err := DecodeBeaconBlock(blockFork, block)
	if err != nil {
		return err
	}
	return consensus.IsValidBlock(db, c, b, d, randaoReveal, feeRecipient)
}

// IsValidSyncCommitteeContribution implements ValidityImplementation. The
// contribution's aggregation bits have the preset's size, so it is decoded
// with the preset's SYNC_COMMITTEE_SIZE.
func (GoSpec) IsValidSyncCommitteeContribution(preset string, chain Chain, duty, contribution []byte, slot uint64) error {
	c, err := SpecChainPreset(preset, chain)
	if err != nil {
		return err
	}
	d := new(spec.SyncCommitteeDuty)
	if err := decode(duty, d); err != nil {
		return err
	}
	contrib, err := DecodeSyncCommitteeContribution(c.Config, contribution)
	if err != nil {
		return err
	}
	return consensus.IsValidSyncCommitteeContribution(c, contrib, d, phase0.Slot(slot))
}

// PresetSSZ returns an SSZ codec for consensus containers whose sizes
// depend on the preset.
func PresetSSZ(p spec.ChainConfig) *dynssz.DynSsz {
	return dynssz.NewDynSsz(p.SSZSpec())
}

// DecodeSyncCommitteeContribution decodes a SyncCommitteeContribution of
// the preset (canonical encodings only).
func DecodeSyncCommitteeContribution(p spec.ChainConfig, b []byte) (*altair.SyncCommitteeContribution, error) {
	ds := PresetSSZ(p)
	out := new(altair.SyncCommitteeContribution)
	if err := ds.UnmarshalSSZ(out, b); err != nil {
		return nil, fmt.Errorf("ssz: %w", err)
	}
	again, err := ds.MarshalSSZ(out)
	if err != nil {
		return nil, err
	}
	if string(again) != string(b) {
		return nil, sszutil.ErrNonCanonical
	}
	return out, nil
}

func specValidityInputs(chain Chain, slashingDB []byte) (signing.Chain, *slashing.SlashingDB, error) {
	c, err := SpecChain(chain)
	if err != nil {
		return signing.Chain{}, nil, err
	}
	db, err := slashing.DecodeSlashingDB(slashingDB)
	if err != nil {
		return signing.Chain{}, nil, err
	}
	return c, db, nil
}

// IsValidAggregate implements AggregationValidityImplementation.
func (GoSpec) IsValidAggregate(preset string, chain Chain, duty, decidedData []byte, valueFork string, value []byte, committee []phase0.BLSPubKey) error {
	return isValidAggregate(preset, chain, duty, decidedData, valueFork, value, committee, nil)
}

// isValidAggregate decodes the duty, the decided data and value as the
// preset's aggregate of valueFork and checks it against committee, with
// parsed as the validity's parsed keys.
func isValidAggregate(preset string, chain Chain, duty, decidedData []byte, valueFork string, value []byte, committee []phase0.BLSPubKey, parsed *bls.PublicKeys) error {
	c, err := SpecChainPreset(preset, chain)
	if err != nil {
		return err
	}
	d := new(spec.AttestationDuty)
	if err := decode(duty, d); err != nil {
		return err
	}
	data := new(phase0.AttestationData)
	if err := decode(decidedData, data); err != nil {
		return err
	}
	agg, err := DecodeAttestation(c.Config, valueFork, value)
	if err != nil {
		return err
	}
	return consensus.IsValidAggregate(c, agg, consensus.AggregateValidity{Data: data, CommitteeIndex: d.CommitteeIndex, Committee: committee, Parsed: parsed})
}

// IsValidContribution implements AggregationValidityImplementation.
func (GoSpec) IsValidContribution(preset string, chain Chain, value []byte, slot, subcommitteeIndex uint64, beaconBlockRoot phase0.Root, subcommittee []phase0.BLSPubKey) error {
	return isValidContribution(preset, chain, value, consensus.ContributionValidity{
		Slot: phase0.Slot(slot), SubcommitteeIndex: subcommitteeIndex, BeaconBlockRoot: beaconBlockRoot, Subcommittee: subcommittee,
	})
}

// isValidContribution decodes value as the preset's contribution and
// checks it against v.
func isValidContribution(preset string, chain Chain, value []byte, v consensus.ContributionValidity) error {
	c, err := SpecChainPreset(preset, chain)
	if err != nil {
		return err
	}
	contrib, err := DecodeSyncCommitteeContribution(c.Config, value)
	if err != nil {
		return err
	}
	return consensus.IsValidContribution(c, contrib, v)
}

// DecodeAttestation decodes an aggregate Attestation of the named fork
// (phase0's container before Electra, Electra's from Electra on, in the
// preset's sizes; canonical encodings only).
func DecodeAttestation(p spec.ChainConfig, fork string, b []byte) (*eth2spec.VersionedAttestation, error) {
	var v eth2spec.DataVersion
	if err := v.UnmarshalJSON([]byte(`"` + fork + `"`)); err != nil {
		return nil, fmt.Errorf("ssz: unknown fork %q", fork)
	}
	return decodeVersioned(v, b, presetDecoder(p), versioned.NewAttestation, &eth2spec.VersionedAttestation{Version: v}, versioned.SetAttestation)
}
