package signing

import (
	"fmt"
	"reflect"

	dynssz "github.com/pk910/dynamic-ssz"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/altair"
	"github.com/attestantio/go-eth2-client/spec/electra"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/sszutil"
	"github.com/dvspec/go-dvspec/spec/versioned"
)

// Chain holds what a signing root depends on besides the message: the fork
// schedule, the genesis validators root and the chain config (the sizes of
// the beacon containers, SLOTS_PER_EPOCH). It replaces the Python helper's
// calls to the beacon node (bn_get_fork_version,
// bn_get_genesis_validators_root) with explicit data. Build it with
// NewChain.
type Chain struct {
	Forks                 ForkSchedule
	GenesisValidatorsRoot phase0.Root
	// SlotsPerEpoch is Config.SlotsPerEpoch, kept as a field because every
	// epoch computation reads it. NewChain sets both from the config.
	SlotsPerEpoch uint64
	// SSZ hashes and encodes beacon containers with the sizes of Config
	// (sync committee bits, Electra committee bits, list limits). NewChain
	// sets it; nil means go-eth2-client's generated, mainnet-sized code.
	SSZ *dynssz.DynSsz
	// Config is the chain config. A Chain built without NewChain (a literal
	// in a test) has the zero value, which means the mainnet sizes with
	// SlotsPerEpoch.
	Config spec.ChainConfig
}

// NewChain is this spec's signing context of a network: its fork schedule,
// genesis validators root and chain config. SLOTS_PER_EPOCH and every
// container size come from the config, so a chain with its own values (a
// minimal-preset chain, or mainnet sizes with 8-slot epochs) hashes and
// encodes its containers in its own shapes: a minimal-preset sync
// contribution, Electra aggregate or block has another shape, and so
// another root, than go-eth2-client's mainnet-sized types give.
func NewChain(forks ForkSchedule, genesisValidatorsRoot phase0.Root, config spec.ChainConfig) (Chain, error) {
	if config.SlotsPerEpoch == 0 || len(config.Values) == 0 {
		return Chain{}, fmt.Errorf("chain: no chain config (slots per epoch %d, %d values)", config.SlotsPerEpoch, len(config.Values))
	}
	if _, err := forks.Genesis(); err != nil {
		return Chain{}, fmt.Errorf("chain: %w", err)
	}
	return Chain{
		Forks: forks, GenesisValidatorsRoot: genesisValidatorsRoot, SlotsPerEpoch: config.SlotsPerEpoch,
		Config: config, SSZ: dynssz.NewDynSsz(config.SSZSpec()),
	}, nil
}

// ChainConfig returns the chain config: Config, or for a Chain literal
// without one the mainnet config with the literal's SlotsPerEpoch.
func (c Chain) ChainConfig() spec.ChainConfig {
	if c.Config.SlotsPerEpoch != 0 {
		return c.Config
	}
	m := spec.MainnetConfig()
	if c.SlotsPerEpoch != 0 && c.SlotsPerEpoch != m.SlotsPerEpoch {
		if o, err := m.WithSlotsPerEpoch(c.SlotsPerEpoch); err == nil {
			return o
		}
	}
	return m
}

// MarshalSSZ encodes an SSZ container with the chain's sizes.
func (c Chain) MarshalSSZ(obj sszutil.Codec) ([]byte, error) {
	if c.SSZ == nil {
		return obj.MarshalSSZ()
	}
	return c.SSZ.MarshalSSZ(obj)
}

// DecodeCanonical decodes buf into obj with the chain's sizes, accepting
// only the canonical encoding (sszutil.DecodeCanonical).
func (c Chain) DecodeCanonical(buf []byte, obj sszutil.Codec) error {
	if c.SSZ == nil {
		return sszutil.DecodeCanonical(buf, obj)
	}
	return sszutil.DecodeCanonicalWith(c.SSZ, buf, obj)
}

// checkBitvector refuses a bitvector whose length is not the chain config's. The
// hashers do not check it, and a short bitvector that fits one chunk hashes
// like the padded one, so without this a message of the wrong shape would be
// signed as if it had the right one.
func checkBitvector(what string, bits []byte, nbits uint64) error {
	if uint64(len(bits)) != (nbits+7)/8 {
		return fmt.Errorf("%s: %d bytes of bits, the chain config has %d bits", what, len(bits), nbits)
	}
	return nil
}

// HashTreeRoot hashes an SSZ container with the chain config's sizes. A
// container that does not fit the chain config (a bitvector of the wrong length,
// say) is an error, never a panic: the hashers index into the value, so a
// panic inside them is turned into an error here.
func (c Chain) HashTreeRoot(obj HashRooter) (root phase0.Root, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("hashing %T: %v", obj, r)
		}
	}()
	if c.SSZ == nil {
		return obj.HashTreeRoot()
	}
	return c.SSZ.HashTreeRoot(obj)
}

// SigningInput is what a signer needs for one message: the hash tree root
// of the message, the domain, the fork version mixed into the domain, and
// the signing root (the 32 bytes that are actually BLS-signed).
type SigningInput struct {
	ObjectRoot  phase0.Root
	ForkVersion phase0.Version
	Domain      phase0.Domain
	SigningRoot phase0.Root
}

// EpochAtSlot is consensus-specs compute_epoch_at_slot.
func (c Chain) EpochAtSlot(slot phase0.Slot) (phase0.Epoch, error) {
	if c.SlotsPerEpoch == 0 {
		return 0, fmt.Errorf("chain: slots per epoch is zero")
	}
	return phase0.Epoch(uint64(slot) / c.SlotsPerEpoch), nil
}

// ForkAtSlot returns the fork in force at slot (bn_get_fork_version in the DV
// spec returns its Version).
func (c Chain) ForkAtSlot(slot phase0.Slot) (Fork, error) {
	epoch, err := c.EpochAtSlot(slot)
	if err != nil {
		return Fork{}, err
	}
	return c.Forks.ForkAtEpoch(epoch)
}

// Domain is consensus-specs get_domain with the state replaced by the fork
// schedule: the domain of domainType for a message of the given epoch. It is
// also signing.py dvc_compute_domain, fixed: that helper asks the beacon node
// for the fork version of the epoch's start slot, which is the same data.
func (c Chain) Domain(domainType phase0.DomainType, epoch phase0.Epoch) (phase0.Domain, Fork, error) {
	fork, err := c.Forks.ForkAtEpoch(epoch)
	if err != nil {
		return phase0.Domain{}, Fork{}, err
	}
	d, err := ComputeDomain(domainType, fork.Version, c.GenesisValidatorsRoot)
	return d, fork, err
}

func (c Chain) inputFor(objectRoot phase0.Root, domainType phase0.DomainType, epoch phase0.Epoch) (SigningInput, Fork, error) {
	domain, fork, err := c.Domain(domainType, epoch)
	if err != nil {
		return SigningInput{}, Fork{}, err
	}
	return finish(objectRoot, fork.Version, domain, fork)
}

func finish(objectRoot phase0.Root, version phase0.Version, domain phase0.Domain, fork Fork) (SigningInput, Fork, error) {
	root, err := ComputeSigningRootFromObjectRoot(objectRoot, domain)
	if err != nil {
		return SigningInput{}, Fork{}, err
	}
	return SigningInput{ObjectRoot: objectRoot, ForkVersion: version, Domain: domain, SigningRoot: root}, fork, nil
}

func (c Chain) rootOf(name string, obj HashRooter) (phase0.Root, error) {
	// A typed nil pointer is a non-nil interface; generated SSZ code would
	// hash it as the zero value, so it is caught here.
	if obj == nil || (reflect.ValueOf(obj).Kind() == reflect.Pointer && reflect.ValueOf(obj).IsNil()) {
		return phase0.Root{}, fmt.Errorf("%s: missing", name)
	}
	r, err := c.HashTreeRoot(obj)
	if err != nil {
		return phase0.Root{}, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// CheckBlockShape refuses a block whose preset-sized bitvector (the sync
// aggregate's, Altair and later) does not have the chain config's length.
// The encoders do not all check it: go-eth2-client's generated code writes
// a short bitvector as it is, giving bytes of no container.
func (c Chain) CheckBlockShape(block *eth2spec.VersionedBeaconBlock) error {
	return c.checkSyncAggregate(block)
}

// checkSyncAggregate refuses a block (Altair and later) whose sync
// aggregate bits do not have SYNC_COMMITTEE_SIZE bits.
func (c Chain) checkSyncAggregate(block *eth2spec.VersionedBeaconBlock) error {
	var agg *altair.SyncAggregate
	switch block.Version {
	case eth2spec.DataVersionAltair:
		if block.Altair != nil && block.Altair.Body != nil {
			agg = block.Altair.Body.SyncAggregate
		}
	case eth2spec.DataVersionBellatrix:
		if block.Bellatrix != nil && block.Bellatrix.Body != nil {
			agg = block.Bellatrix.Body.SyncAggregate
		}
	case eth2spec.DataVersionCapella:
		if block.Capella != nil && block.Capella.Body != nil {
			agg = block.Capella.Body.SyncAggregate
		}
	case eth2spec.DataVersionDeneb:
		if block.Deneb != nil && block.Deneb.Body != nil {
			agg = block.Deneb.Body.SyncAggregate
		}
	case eth2spec.DataVersionElectra:
		if block.Electra != nil && block.Electra.Body != nil {
			agg = block.Electra.Body.SyncAggregate
		}
	case eth2spec.DataVersionFulu:
		if block.Fulu != nil && block.Fulu.Body != nil {
			agg = block.Fulu.Body.SyncAggregate
		}
	default:
		return nil // phase0 has no sync aggregate
	}
	if agg == nil {
		return fmt.Errorf("beacon block: %s block without a sync aggregate", block.Version)
	}
	return checkBitvector("beacon block sync aggregate", agg.SyncCommitteeBits, c.ChainConfig().SyncCommitteeSize)
}

// BlockRoot is the hash tree root of the block in the chain's sizes
// (go-eth2-client's Root has the mainnet sizes).
func (c Chain) BlockRoot(block *eth2spec.VersionedBeaconBlock) (phase0.Root, error) {
	if block == nil || block.IsEmpty() {
		return phase0.Root{}, fmt.Errorf("beacon block: missing")
	}
	inner, err := blockOf(block)
	if err != nil {
		return phase0.Root{}, err
	}
	if err := c.checkSyncAggregate(block); err != nil {
		return phase0.Root{}, err
	}
	return c.rootOf("beacon block", inner)
}

// BlockBodyRoot is the hash tree root of the block's body in the chain's
// sizes.
func (c Chain) BlockBodyRoot(block *eth2spec.VersionedBeaconBlock) (phase0.Root, error) {
	if block == nil {
		return phase0.Root{}, fmt.Errorf("beacon block: missing")
	}
	var body HashRooter
	switch {
	case block.Version == eth2spec.DataVersionPhase0 && block.Phase0 != nil:
		body = block.Phase0.Body
	case block.Version == eth2spec.DataVersionAltair && block.Altair != nil:
		body = block.Altair.Body
	case block.Version == eth2spec.DataVersionBellatrix && block.Bellatrix != nil:
		body = block.Bellatrix.Body
	case block.Version == eth2spec.DataVersionCapella && block.Capella != nil:
		body = block.Capella.Body
	case block.Version == eth2spec.DataVersionDeneb && block.Deneb != nil:
		body = block.Deneb.Body
	case block.Version == eth2spec.DataVersionElectra && block.Electra != nil:
		body = block.Electra.Body
	case block.Version == eth2spec.DataVersionFulu && block.Fulu != nil:
		body = block.Fulu.Body
	}
	if body == nil {
		return phase0.Root{}, fmt.Errorf("beacon block: %s block without a body", block.Version)
	}
	if err := c.checkSyncAggregate(block); err != nil {
		return phase0.Root{}, err
	}
	return c.rootOf("beacon block body", body)
}

// blockOf returns the fork-specific block inside a versioned block.
func blockOf(block *eth2spec.VersionedBeaconBlock) (HashRooter, error) {
	var b HashRooter
	switch block.Version {
	case eth2spec.DataVersionPhase0:
		b = block.Phase0
	case eth2spec.DataVersionAltair:
		b = block.Altair
	case eth2spec.DataVersionBellatrix:
		b = block.Bellatrix
	case eth2spec.DataVersionCapella:
		b = block.Capella
	case eth2spec.DataVersionDeneb:
		b = block.Deneb
	case eth2spec.DataVersionElectra:
		b = block.Electra
	case eth2spec.DataVersionFulu:
		b = block.Fulu
	default:
		return nil, fmt.Errorf("beacon block: unsupported version %s", block.Version)
	}
	return b, nil
}

// AttestationData is the signing input of an attestation
// (compute_attestation_signing_root, fixed): DOMAIN_BEACON_ATTESTER with the
// fork of the target epoch, as consensus-specs get_attestation_signature and
// is_valid_indexed_attestation do.
func (c Chain) AttestationData(data *phase0.AttestationData) (SigningInput, error) {
	if data == nil || data.Target == nil || data.Source == nil {
		return SigningInput{}, fmt.Errorf("attestation data: missing data or checkpoint")
	}
	root, err := c.rootOf("attestation data", data)
	if err != nil {
		return SigningInput{}, err
	}
	in, _, err := c.inputFor(root, DomainBeaconAttester, data.Target.Epoch)
	return in, err
}

// BeaconBlock is the signing input of a block proposal
// (compute_block_signing_root, fixed): DOMAIN_BEACON_PROPOSER with the fork
// of the block's epoch. The block must have the shape of that fork: a
// proposal in the wrong shape could never be valid, so it is refused rather
// than signed.
func (c Chain) BeaconBlock(block *eth2spec.VersionedBeaconBlock) (SigningInput, error) {
	if block == nil || block.IsEmpty() {
		return SigningInput{}, fmt.Errorf("beacon block: missing")
	}
	slot, err := block.Slot()
	if err != nil {
		return SigningInput{}, fmt.Errorf("beacon block: %w", err)
	}
	inner, err := blockOf(block)
	if err != nil {
		return SigningInput{}, err
	}
	if err := c.checkSyncAggregate(block); err != nil {
		return SigningInput{}, err
	}
	root, err := c.rootOf("beacon block", inner)
	if err != nil {
		return SigningInput{}, err
	}
	return c.blockRoot(slot, root, block.Version)
}

// BeaconBlockHeader is the signing input of a block given only its header.
// A block and its header have the same hash tree root (the header carries
// the body root), so this signs exactly what BeaconBlock signs; blinded
// blocks and Web3Signer's BLOCK_V2 block_header requests use it.
func (c Chain) BeaconBlockHeader(header *phase0.BeaconBlockHeader) (SigningInput, error) {
	root, err := c.rootOf("beacon block header", header)
	if err != nil {
		return SigningInput{}, err
	}
	return c.blockRoot(header.Slot, root, eth2spec.DataVersionUnknown)
}

func (c Chain) blockRoot(slot phase0.Slot, root phase0.Root, version eth2spec.DataVersion) (SigningInput, error) {
	epoch, err := c.EpochAtSlot(slot)
	if err != nil {
		return SigningInput{}, err
	}
	in, fork, err := c.inputFor(root, DomainBeaconProposer, epoch)
	if err != nil {
		return SigningInput{}, err
	}
	if version != eth2spec.DataVersionUnknown && version != fork.Name {
		return SigningInput{}, fmt.Errorf("beacon block: %s block at slot %d, where %s is in force", version, slot, fork.Name)
	}
	return in, nil
}

// RandaoReveal is the signing input of a RANDAO reveal
// (compute_randao_reveal_signing_root, fixed): the epoch itself under
// DOMAIN_RANDAO with the fork of that epoch.
func (c Chain) RandaoReveal(epoch phase0.Epoch) (SigningInput, error) {
	in, _, err := c.inputFor(Uint64Root(uint64(epoch)), DomainRandao, epoch)
	return in, err
}

// AggregationSlot is the signing input of an attestation aggregator's slot
// selection proof (consensus-specs get_slot_signature): the slot under
// DOMAIN_SELECTION_PROOF with the fork of the slot's epoch.
func (c Chain) AggregationSlot(slot phase0.Slot) (SigningInput, error) {
	epoch, err := c.EpochAtSlot(slot)
	if err != nil {
		return SigningInput{}, err
	}
	in, _, err := c.inputFor(Uint64Root(uint64(slot)), DomainSelectionProof, epoch)
	return in, err
}

// AggregateAndProof is the signing input of an aggregate and proof
// (consensus-specs get_aggregate_and_proof_signature): DOMAIN_AGGREGATE_AND_PROOF
// with the fork of the aggregate's slot. Before Electra the container is
// phase0.AggregateAndProof, from Electra on electra.AggregateAndProof; the
// version must match the fork in force.
func (c Chain) AggregateAndProof(ap *eth2spec.VersionedAggregateAndProof) (SigningInput, error) {
	if ap == nil {
		return SigningInput{}, fmt.Errorf("aggregate and proof: missing")
	}
	container, err := versioned.AggregateAndProof(ap)
	if err != nil {
		return SigningInput{}, fmt.Errorf("aggregate and proof: %w", err)
	}
	var (
		obj  HashRooter
		slot phase0.Slot
	)
	switch p := container.(type) {
	case *phase0.AggregateAndProof:
		if p.Aggregate == nil || p.Aggregate.Data == nil {
			return SigningInput{}, fmt.Errorf("aggregate and proof: no %s aggregate", ap.Version)
		}
		obj, slot = p, p.Aggregate.Data.Slot
	case *electra.AggregateAndProof:
		if p.Aggregate == nil || p.Aggregate.Data == nil {
			return SigningInput{}, fmt.Errorf("aggregate and proof: no %s aggregate", ap.Version)
		}
		if err := checkBitvector("aggregate and proof committee bits", p.Aggregate.CommitteeBits, c.ChainConfig().MaxCommitteesPerSlot); err != nil {
			return SigningInput{}, err
		}
		obj, slot = p, p.Aggregate.Data.Slot
	}
	root, err := c.rootOf("aggregate and proof", obj)
	if err != nil {
		return SigningInput{}, err
	}
	epoch, err := c.EpochAtSlot(slot)
	if err != nil {
		return SigningInput{}, err
	}
	in, fork, err := c.inputFor(root, DomainAggregateAndProof, epoch)
	if err != nil {
		return SigningInput{}, err
	}
	if fork.Name != ap.Version {
		return SigningInput{}, fmt.Errorf("aggregate and proof: %s container at slot %d, where %s is in force", ap.Version, slot, fork.Name)
	}
	return in, nil
}

func (c Chain) requireAltair(what string, slot phase0.Slot) (phase0.Epoch, error) {
	epoch, err := c.EpochAtSlot(slot)
	if err != nil {
		return 0, err
	}
	fork, err := c.Forks.ForkAtEpoch(epoch)
	if err != nil {
		return 0, err
	}
	if fork.Name < eth2spec.DataVersionAltair {
		return 0, fmt.Errorf("%s: slot %d is in %s, before sync committees exist", what, slot, fork.Name)
	}
	return epoch, nil
}

// SyncCommitteeMessage is the signing input of a sync committee message
// (altair validator.md get_sync_committee_message): the beacon block root
// itself under DOMAIN_SYNC_COMMITTEE with the fork of the slot's epoch.
func (c Chain) SyncCommitteeMessage(slot phase0.Slot, beaconBlockRoot phase0.Root) (SigningInput, error) {
	epoch, err := c.requireAltair("sync committee message", slot)
	if err != nil {
		return SigningInput{}, err
	}
	in, _, err := c.inputFor(beaconBlockRoot, DomainSyncCommittee, epoch)
	return in, err
}

// SyncCommitteeSelectionProof is the signing input of a sync committee
// selection proof (altair validator.md get_sync_committee_selection_proof):
// SyncAggregatorSelectionData under DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF
// with the fork of the slot's epoch.
func (c Chain) SyncCommitteeSelectionProof(data *altair.SyncAggregatorSelectionData) (SigningInput, error) {
	root, err := c.rootOf("sync aggregator selection data", data)
	if err != nil {
		return SigningInput{}, err
	}
	epoch, err := c.requireAltair("sync committee selection proof", data.Slot)
	if err != nil {
		return SigningInput{}, err
	}
	in, _, err := c.inputFor(root, DomainSyncCommitteeSelectionProof, epoch)
	return in, err
}

// ContributionAndProof is the signing input of a sync committee
// contribution and proof (altair validator.md
// get_contribution_and_proof_signature): DOMAIN_CONTRIBUTION_AND_PROOF with
// the fork of the contribution's slot.
func (c Chain) ContributionAndProof(cp *altair.ContributionAndProof) (SigningInput, error) {
	if cp == nil || cp.Contribution == nil {
		return SigningInput{}, fmt.Errorf("contribution and proof: missing contribution")
	}
	if err := checkBitvector("contribution and proof", cp.Contribution.AggregationBits, c.ChainConfig().SyncSubcommitteeSize()); err != nil {
		return SigningInput{}, err
	}
	root, err := c.rootOf("contribution and proof", cp)
	if err != nil {
		return SigningInput{}, err
	}
	epoch, err := c.requireAltair("contribution and proof", cp.Contribution.Slot)
	if err != nil {
		return SigningInput{}, err
	}
	in, _, err := c.inputFor(root, DomainContributionAndProof, epoch)
	return in, err
}

// VoluntaryExit is the signing input of a voluntary exit as the chain will
// verify it at currentEpoch. Before Deneb, consensus-specs
// process_voluntary_exit uses get_domain(state, DOMAIN_VOLUNTARY_EXIT,
// exit.epoch), which takes the state fork's previous version when the exit
// epoch precedes the current fork and its current version otherwise; so an
// exit signed two or more forks ago no longer verifies. From Deneb on the
// domain always uses the Capella fork version (EIP-7044), so signed exits
// stay valid across later forks. An exit from a future epoch is refused:
// process_voluntary_exit rejects it.
func (c Chain) VoluntaryExit(exit *phase0.VoluntaryExit, currentEpoch phase0.Epoch) (SigningInput, error) {
	root, err := c.rootOf("voluntary exit", exit)
	if err != nil {
		return SigningInput{}, err
	}
	if exit.Epoch > currentEpoch {
		return SigningInput{}, fmt.Errorf("voluntary exit: epoch %d is after the current epoch %d", exit.Epoch, currentEpoch)
	}
	current, err := c.Forks.ForkAtEpoch(currentEpoch)
	if err != nil {
		return SigningInput{}, err
	}
	var version phase0.Version
	if current.Name >= eth2spec.DataVersionDeneb {
		capella, err := c.Forks.ByName(eth2spec.DataVersionCapella)
		if err != nil {
			return SigningInput{}, err
		}
		version = capella.Version
	} else {
		stateFork, err := c.Forks.StateFork(currentEpoch)
		if err != nil {
			return SigningInput{}, err
		}
		version = stateFork.CurrentVersion
		if exit.Epoch < stateFork.Epoch {
			version = stateFork.PreviousVersion
		}
	}
	domain, err := ComputeDomain(DomainVoluntaryExit, version, c.GenesisValidatorsRoot)
	if err != nil {
		return SigningInput{}, err
	}
	in, _, err := finish(root, version, domain, current)
	return in, err
}

// ValidatorRegistration is the signing input of a builder registration
// (builder-specs): DOMAIN_APPLICATION_BUILDER with GENESIS_FORK_VERSION and
// a zero genesis validators root, so one registration is valid on every fork.
func (c Chain) ValidatorRegistration(reg *apiv1.ValidatorRegistration) (SigningInput, error) {
	root, err := c.rootOf("validator registration", reg)
	if err != nil {
		return SigningInput{}, err
	}
	return c.genesisDomain(root, DomainApplicationBuilder)
}

// DepositMessage is the signing input of a deposit (phase0
// is_valid_deposit_signature): DOMAIN_DEPOSIT with GENESIS_FORK_VERSION and a
// zero genesis validators root.
func (c Chain) DepositMessage(msg *phase0.DepositMessage) (SigningInput, error) {
	root, err := c.rootOf("deposit message", msg)
	if err != nil {
		return SigningInput{}, err
	}
	return c.genesisDomain(root, DomainDeposit)
}

func (c Chain) genesisDomain(root phase0.Root, domainType phase0.DomainType) (SigningInput, error) {
	genesis, err := c.Forks.Genesis()
	if err != nil {
		return SigningInput{}, err
	}
	domain, err := ComputeDomain(domainType, genesis.Version, phase0.Root{})
	if err != nil {
		return SigningInput{}, err
	}
	in, _, err := finish(root, genesis.Version, domain, genesis)
	return in, err
}
