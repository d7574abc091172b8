#!/usr/bin/env python3
"""Known-answer generator for go-dvspec's spec/signing package.

This is a second, independent implementation of everything the Go package
computes: SSZ hash_tree_root, the consensus containers it signs, and the
domain / signing-root rules of every validator message. It is written from
the consensus-specs markdown (ethereum/consensus-specs commit
a08d8a6e2b45f0b8c0d379abc15583427c643689: ssz/simple-serialize.md,
specs/{phase0,altair,bellatrix,capella,deneb,electra,fulu}/beacon-chain.md and
validator.md, presets/mainnet/*.yaml, configs/mainnet.yaml) and from
builder-specs (ValidatorRegistrationV1, DOMAIN_APPLICATION_BUILDER). It uses
the Python standard library only and shares no code with the Go side (nor with
go-eth2-client, fastssz, remerkleable or any other SSZ library).

Usage:
    python3 gen.py                 # (re)writes known_answers.json next to this file
    python3 gen.py --check         # exits 1 if known_answers.json is not what gen.py produces
    python3 gen.py --stdout        # writes the JSON to stdout instead
    python3 gen.py --mainnet-config PATH/TO/consensus-specs/configs/mainnet.yaml
                                   # additionally checks the hard-coded fork schedule

All message contents are derived from SHA-256 of fixed labels, so the output
is byte-for-byte reproducible. Before any case is generated the script checks
its SSZ and domain code against publicly known constants (see self_check()).
"""

import hashlib
import json
import os
import sys

# ---------------------------------------------------------------------------
# SSZ merkleization (ssz/simple-serialize.md, "Merkleization")
# ---------------------------------------------------------------------------

BYTES_PER_CHUNK = 32


def sha256(data):
    return hashlib.sha256(data).digest()


# ZERO_HASHES[d] is the root of a perfect binary tree of depth d whose leaves
# are all zero chunks.
ZERO_HASHES = [b"\x00" * 32]
for _ in range(64):
    ZERO_HASHES.append(sha256(ZERO_HASHES[-1] + ZERO_HASHES[-1]))


def next_pow_of_two(i):
    """0->1, 1->1, 2->2, 3->4, 4->4, 6->8, 9->16."""
    if i <= 1:
        return 1
    return 1 << (i - 1).bit_length()


def pack_bytes(serialized):
    """Right-pad to a multiple of 32 bytes and split into chunks."""
    if len(serialized) % BYTES_PER_CHUNK:
        serialized = serialized + b"\x00" * (BYTES_PER_CHUNK - len(serialized) % BYTES_PER_CHUNK)
    return [serialized[i:i + BYTES_PER_CHUNK] for i in range(0, len(serialized), BYTES_PER_CHUNK)]


def merkleize(chunks, limit=None):
    """Merkle root of chunks, virtually padded with zero chunks to
    next_pow_of_two(limit) leaves (limit defaults to len(chunks))."""
    count = len(chunks)
    if limit is None:
        limit = count
    if count > limit:
        raise ValueError("merkleize: %d chunks exceed limit %d" % (count, limit))
    depth = next_pow_of_two(limit).bit_length() - 1
    if count == 0:
        return ZERO_HASHES[depth]
    layer = list(chunks)
    for d in range(depth):
        if len(layer) % 2:
            layer.append(ZERO_HASHES[d])
        layer = [sha256(layer[i] + layer[i + 1]) for i in range(0, len(layer), 2)]
    assert len(layer) == 1
    return layer[0]


def merkleize_naive(chunks, limit=None):
    """Literal reading of the spec (pad for real, then hash pairwise); only used
    to cross-check merkleize() on small inputs."""
    if limit is None:
        limit = len(chunks)
    assert len(chunks) <= limit
    leaves = list(chunks) + [b"\x00" * 32] * (next_pow_of_two(limit) - len(chunks))
    while len(leaves) > 1:
        leaves = [sha256(leaves[i] + leaves[i + 1]) for i in range(0, len(leaves), 2)]
    return leaves[0]


def mix_in_length(root, length):
    return sha256(root + length.to_bytes(32, "little"))


def bits_to_bytes(bits):
    out = bytearray((len(bits) + 7) // 8)
    for i, bit in enumerate(bits):
        if bit:
            out[i // 8] |= 1 << (i % 8)
    return bytes(out)


def hex0x(b):
    return "0x" + b.hex()


# ---------------------------------------------------------------------------
# SSZ types. Values: ints for uints, bytes for byte vectors/lists, lists of
# 0/1 for bitfields, Python lists for vectors/lists, dicts for containers.
# Each type also knows its beacon-API JSON encoding.
# ---------------------------------------------------------------------------


class Uint:
    is_basic = True

    def __init__(self, bits):
        self.size = bits // 8

    def serialize(self, v):
        assert isinstance(v, int) and 0 <= v < 1 << (8 * self.size), v
        return v.to_bytes(self.size, "little")

    def hash_tree_root(self, v):
        return merkleize(pack_bytes(self.serialize(v)))

    def to_json(self, v):
        self.serialize(v)
        return str(v)


class ByteVector:
    is_basic = False

    def __init__(self, length):
        self.length = length

    def hash_tree_root(self, v):
        assert isinstance(v, bytes) and len(v) == self.length, (self.length, v)
        return merkleize(pack_bytes(v))  # a vector of basic (byte) values

    def to_json(self, v):
        assert len(v) == self.length
        return hex0x(v)


class ByteList:
    is_basic = False

    def __init__(self, limit):
        self.limit = limit

    def hash_tree_root(self, v):
        assert isinstance(v, bytes) and len(v) <= self.limit
        return mix_in_length(merkleize(pack_bytes(v), (self.limit + 31) // 32), len(v))

    def to_json(self, v):
        return hex0x(v)


class Vector:
    is_basic = False

    def __init__(self, elem, length):
        self.elem, self.length = elem, length

    def hash_tree_root(self, v):
        assert len(v) == self.length
        if self.elem.is_basic:
            return merkleize(pack_bytes(b"".join(self.elem.serialize(x) for x in v)))
        return merkleize([self.elem.hash_tree_root(x) for x in v])

    def to_json(self, v):
        return [self.elem.to_json(x) for x in v]


class List:
    is_basic = False

    def __init__(self, elem, limit):
        self.elem, self.limit = elem, limit

    def hash_tree_root(self, v):
        assert len(v) <= self.limit
        if self.elem.is_basic:
            chunks = pack_bytes(b"".join(self.elem.serialize(x) for x in v))
            chunk_limit = (self.limit * self.elem.size + 31) // 32
        else:
            chunks = [self.elem.hash_tree_root(x) for x in v]
            chunk_limit = self.limit
        return mix_in_length(merkleize(chunks, chunk_limit), len(v))

    def to_json(self, v):
        return [self.elem.to_json(x) for x in v]


class Bitvector:
    is_basic = False

    def __init__(self, length):
        self.length = length

    def hash_tree_root(self, v):
        assert len(v) == self.length
        return merkleize(pack_bytes(bits_to_bytes(v)), (self.length + 255) // 256)

    def to_json(self, v):
        assert len(v) == self.length
        return hex0x(bits_to_bytes(v))


class Bitlist:
    is_basic = False

    def __init__(self, limit):
        self.limit = limit

    def hash_tree_root(self, v):
        assert len(v) <= self.limit
        # pack_bits excludes the length-delimiting bit
        return mix_in_length(merkleize(pack_bytes(bits_to_bytes(v)), (self.limit + 255) // 256), len(v))

    def to_json(self, v):
        # JSON carries the SSZ serialization: the bits plus the delimiter bit
        return hex0x(bits_to_bytes(list(v) + [1]))


class Container:
    is_basic = False

    def __init__(self, name, fields):
        self.name, self.fields = name, fields

    def _check(self, v):
        if list(v.keys()) != [f for f, _ in self.fields]:
            raise ValueError("%s: fields %s, want %s" % (self.name, list(v.keys()), [f for f, _ in self.fields]))

    def hash_tree_root(self, v):
        self._check(v)
        return merkleize([t.hash_tree_root(v[f]) for f, t in self.fields])

    def to_json(self, v):
        self._check(v)
        return {f: t.to_json(v[f]) for f, t in self.fields}


def htr(typ, value):
    return typ.hash_tree_root(value)


# ---------------------------------------------------------------------------
# Mainnet preset (presets/mainnet/*.yaml) and constants
# ---------------------------------------------------------------------------

SLOTS_PER_EPOCH = 32
MAX_COMMITTEES_PER_SLOT = 64
MAX_VALIDATORS_PER_COMMITTEE = 2048
MAX_PROPOSER_SLASHINGS = 16
MAX_ATTESTER_SLASHINGS = 2
MAX_ATTESTATIONS = 128
MAX_DEPOSITS = 16
MAX_VOLUNTARY_EXITS = 16
DEPOSIT_CONTRACT_TREE_DEPTH = 32  # phase0/deposit-contract.md
SYNC_COMMITTEE_SIZE = 512
SYNC_COMMITTEE_SUBNET_COUNT = 4  # altair/validator.md
MAX_BYTES_PER_TRANSACTION = 1073741824
MAX_TRANSACTIONS_PER_PAYLOAD = 1048576
BYTES_PER_LOGS_BLOOM = 256
MAX_EXTRA_DATA_BYTES = 32
MAX_BLS_TO_EXECUTION_CHANGES = 16
MAX_WITHDRAWALS_PER_PAYLOAD = 16
MAX_BLOB_COMMITMENTS_PER_BLOCK = 4096
MAX_ATTESTER_SLASHINGS_ELECTRA = 1
MAX_ATTESTATIONS_ELECTRA = 8
MAX_DEPOSIT_REQUESTS_PER_PAYLOAD = 8192
MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD = 16
MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD = 2

DOMAIN_BEACON_PROPOSER = bytes.fromhex("00000000")
DOMAIN_BEACON_ATTESTER = bytes.fromhex("01000000")
DOMAIN_RANDAO = bytes.fromhex("02000000")
DOMAIN_DEPOSIT = bytes.fromhex("03000000")
DOMAIN_VOLUNTARY_EXIT = bytes.fromhex("04000000")
DOMAIN_SELECTION_PROOF = bytes.fromhex("05000000")
DOMAIN_AGGREGATE_AND_PROOF = bytes.fromhex("06000000")
DOMAIN_SYNC_COMMITTEE = bytes.fromhex("07000000")
DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF = bytes.fromhex("08000000")
DOMAIN_CONTRIBUTION_AND_PROOF = bytes.fromhex("09000000")
DOMAIN_APPLICATION_BUILDER = bytes.fromhex("00000001")  # builder-specs

# configs/mainnet.yaml
FORKS = [
    ("phase0", bytes.fromhex("00000000"), 0),
    ("altair", bytes.fromhex("01000000"), 74240),
    ("bellatrix", bytes.fromhex("02000000"), 144896),
    ("capella", bytes.fromhex("03000000"), 194048),
    ("deneb", bytes.fromhex("04000000"), 269568),
    ("electra", bytes.fromhex("05000000"), 364032),
    ("fulu", bytes.fromhex("06000000"), 411392),
]
FORK_NAMES = [f[0] for f in FORKS]
FORK_BY_NAME = {name: (version, epoch) for name, version, epoch in FORKS}
GENESIS_FORK_VERSION = FORKS[0][1]
CAPELLA_FORK_VERSION = FORK_BY_NAME["capella"][0]
MAINNET_GENESIS_VALIDATORS_ROOT = bytes.fromhex("4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95")

# ---------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------

uint8, uint64, uint256 = Uint(8), Uint(64), Uint(256)
Slot = Epoch = CommitteeIndex = ValidatorIndex = Gwei = WithdrawalIndex = uint64
Bytes4, Bytes20, Bytes32, Bytes48, Bytes96 = (ByteVector(n) for n in (4, 20, 32, 48, 96))
Root = Hash32 = Domain = Bytes32
Version = DomainType = Bytes4
BLSPubkey = KZGCommitment = Bytes48
BLSSignature = Bytes96
ExecutionAddress = Bytes20

# phase0
ForkData = Container("ForkData", [("current_version", Version), ("genesis_validators_root", Root)])
SigningData = Container("SigningData", [("object_root", Root), ("domain", Domain)])
Checkpoint = Container("Checkpoint", [("epoch", Epoch), ("root", Root)])
AttestationData = Container("AttestationData", [
    ("slot", Slot), ("index", CommitteeIndex), ("beacon_block_root", Root),
    ("source", Checkpoint), ("target", Checkpoint)])
Eth1Data = Container("Eth1Data", [("deposit_root", Root), ("deposit_count", uint64), ("block_hash", Hash32)])
DepositMessage = Container("DepositMessage", [
    ("pubkey", BLSPubkey), ("withdrawal_credentials", Bytes32), ("amount", Gwei)])
DepositData = Container("DepositData", [
    ("pubkey", BLSPubkey), ("withdrawal_credentials", Bytes32), ("amount", Gwei), ("signature", BLSSignature)])
BeaconBlockHeader = Container("BeaconBlockHeader", [
    ("slot", Slot), ("proposer_index", ValidatorIndex), ("parent_root", Root),
    ("state_root", Root), ("body_root", Root)])
SignedBeaconBlockHeader = Container("SignedBeaconBlockHeader", [("message", BeaconBlockHeader), ("signature", BLSSignature)])
ProposerSlashing = Container("ProposerSlashing", [
    ("signed_header_1", SignedBeaconBlockHeader), ("signed_header_2", SignedBeaconBlockHeader)])
IndexedAttestation0 = Container("IndexedAttestation", [
    ("attesting_indices", List(ValidatorIndex, MAX_VALIDATORS_PER_COMMITTEE)),
    ("data", AttestationData), ("signature", BLSSignature)])
AttesterSlashing0 = Container("AttesterSlashing", [("attestation_1", IndexedAttestation0), ("attestation_2", IndexedAttestation0)])
Attestation0 = Container("Attestation", [
    ("aggregation_bits", Bitlist(MAX_VALIDATORS_PER_COMMITTEE)), ("data", AttestationData), ("signature", BLSSignature)])
Deposit = Container("Deposit", [("proof", Vector(Bytes32, DEPOSIT_CONTRACT_TREE_DEPTH + 1)), ("data", DepositData)])
VoluntaryExit = Container("VoluntaryExit", [("epoch", Epoch), ("validator_index", ValidatorIndex)])
SignedVoluntaryExit = Container("SignedVoluntaryExit", [("message", VoluntaryExit), ("signature", BLSSignature)])
AggregateAndProof0 = Container("AggregateAndProof", [
    ("aggregator_index", ValidatorIndex), ("aggregate", Attestation0), ("selection_proof", BLSSignature)])

PHASE0_BODY_FIELDS = [
    ("randao_reveal", BLSSignature),
    ("eth1_data", Eth1Data),
    ("graffiti", Bytes32),
    ("proposer_slashings", List(ProposerSlashing, MAX_PROPOSER_SLASHINGS)),
    ("attester_slashings", List(AttesterSlashing0, MAX_ATTESTER_SLASHINGS)),
    ("attestations", List(Attestation0, MAX_ATTESTATIONS)),
    ("deposits", List(Deposit, MAX_DEPOSITS)),
    ("voluntary_exits", List(SignedVoluntaryExit, MAX_VOLUNTARY_EXITS)),
]

# altair
SyncAggregate = Container("SyncAggregate", [
    ("sync_committee_bits", Bitvector(SYNC_COMMITTEE_SIZE)), ("sync_committee_signature", BLSSignature)])
SyncCommitteeMessage = Container("SyncCommitteeMessage", [
    ("slot", Slot), ("beacon_block_root", Root), ("validator_index", ValidatorIndex), ("signature", BLSSignature)])
SyncCommitteeContribution = Container("SyncCommitteeContribution", [
    ("slot", Slot), ("beacon_block_root", Root), ("subcommittee_index", uint64),
    ("aggregation_bits", Bitvector(SYNC_COMMITTEE_SIZE // SYNC_COMMITTEE_SUBNET_COUNT)),
    ("signature", BLSSignature)])
ContributionAndProof = Container("ContributionAndProof", [
    ("aggregator_index", ValidatorIndex), ("contribution", SyncCommitteeContribution), ("selection_proof", BLSSignature)])
SyncAggregatorSelectionData = Container("SyncAggregatorSelectionData", [("slot", Slot), ("subcommittee_index", uint64)])

# bellatrix
Transaction = ByteList(MAX_BYTES_PER_TRANSACTION)
BELLATRIX_PAYLOAD_FIELDS = [
    ("parent_hash", Hash32),
    ("fee_recipient", ExecutionAddress),
    ("state_root", Bytes32),
    ("receipts_root", Bytes32),
    ("logs_bloom", ByteVector(BYTES_PER_LOGS_BLOOM)),
    ("prev_randao", Bytes32),
    ("block_number", uint64),
    ("gas_limit", uint64),
    ("gas_used", uint64),
    ("timestamp", uint64),
    ("extra_data", ByteList(MAX_EXTRA_DATA_BYTES)),
    ("base_fee_per_gas", uint256),
    ("block_hash", Hash32),
    ("transactions", List(Transaction, MAX_TRANSACTIONS_PER_PAYLOAD)),
]
ExecutionPayloadBellatrix = Container("ExecutionPayload", BELLATRIX_PAYLOAD_FIELDS)

# capella
Withdrawal = Container("Withdrawal", [
    ("index", WithdrawalIndex), ("validator_index", ValidatorIndex), ("address", ExecutionAddress), ("amount", Gwei)])
BLSToExecutionChange = Container("BLSToExecutionChange", [
    ("validator_index", ValidatorIndex), ("from_bls_pubkey", BLSPubkey), ("to_execution_address", ExecutionAddress)])
SignedBLSToExecutionChange = Container("SignedBLSToExecutionChange", [
    ("message", BLSToExecutionChange), ("signature", BLSSignature)])
CAPELLA_PAYLOAD_FIELDS = BELLATRIX_PAYLOAD_FIELDS + [("withdrawals", List(Withdrawal, MAX_WITHDRAWALS_PER_PAYLOAD))]
ExecutionPayloadCapella = Container("ExecutionPayload", CAPELLA_PAYLOAD_FIELDS)

# deneb
DENEB_PAYLOAD_FIELDS = CAPELLA_PAYLOAD_FIELDS + [("blob_gas_used", uint64), ("excess_blob_gas", uint64)]
ExecutionPayloadDeneb = Container("ExecutionPayload", DENEB_PAYLOAD_FIELDS)

# electra
Attestation7 = Container("Attestation", [
    ("aggregation_bits", Bitlist(MAX_VALIDATORS_PER_COMMITTEE * MAX_COMMITTEES_PER_SLOT)),
    ("data", AttestationData), ("signature", BLSSignature),
    ("committee_bits", Bitvector(MAX_COMMITTEES_PER_SLOT))])
IndexedAttestation7 = Container("IndexedAttestation", [
    ("attesting_indices", List(ValidatorIndex, MAX_VALIDATORS_PER_COMMITTEE * MAX_COMMITTEES_PER_SLOT)),
    ("data", AttestationData), ("signature", BLSSignature)])
AttesterSlashing7 = Container("AttesterSlashing", [("attestation_1", IndexedAttestation7), ("attestation_2", IndexedAttestation7)])
DepositRequest = Container("DepositRequest", [
    ("pubkey", BLSPubkey), ("withdrawal_credentials", Bytes32), ("amount", Gwei),
    ("signature", BLSSignature), ("index", uint64)])
WithdrawalRequest = Container("WithdrawalRequest", [
    ("source_address", ExecutionAddress), ("validator_pubkey", BLSPubkey), ("amount", Gwei)])
ConsolidationRequest = Container("ConsolidationRequest", [
    ("source_address", ExecutionAddress), ("source_pubkey", BLSPubkey), ("target_pubkey", BLSPubkey)])
ExecutionRequests = Container("ExecutionRequests", [
    ("deposits", List(DepositRequest, MAX_DEPOSIT_REQUESTS_PER_PAYLOAD)),
    ("withdrawals", List(WithdrawalRequest, MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD)),
    ("consolidations", List(ConsolidationRequest, MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD))])
AggregateAndProof7 = Container("AggregateAndProof", [
    ("aggregator_index", ValidatorIndex), ("aggregate", Attestation7), ("selection_proof", BLSSignature)])


def body_type(fork):
    i = FORK_NAMES.index(fork)
    fields = list(PHASE0_BODY_FIELDS)
    if i >= FORK_NAMES.index("electra"):
        fields[4] = ("attester_slashings", List(AttesterSlashing7, MAX_ATTESTER_SLASHINGS_ELECTRA))
        fields[5] = ("attestations", List(Attestation7, MAX_ATTESTATIONS_ELECTRA))
    if i >= FORK_NAMES.index("altair"):
        fields.append(("sync_aggregate", SyncAggregate))
    if i >= FORK_NAMES.index("bellatrix"):
        payload = {"bellatrix": ExecutionPayloadBellatrix, "capella": ExecutionPayloadCapella}.get(fork, ExecutionPayloadDeneb)
        fields.append(("execution_payload", payload))
    if i >= FORK_NAMES.index("capella"):
        fields.append(("bls_to_execution_changes", List(SignedBLSToExecutionChange, MAX_BLS_TO_EXECUTION_CHANGES)))
    if i >= FORK_NAMES.index("deneb"):
        fields.append(("blob_kzg_commitments", List(KZGCommitment, MAX_BLOB_COMMITMENTS_PER_BLOCK)))
    if i >= FORK_NAMES.index("electra"):
        # fulu/beacon-chain.md modifies no block container: fulu bodies are electra bodies
        fields.append(("execution_requests", ExecutionRequests))
    return Container("BeaconBlockBody", fields)


def block_type(fork):
    return Container("BeaconBlock", [
        ("slot", Slot), ("proposer_index", ValidatorIndex), ("parent_root", Root),
        ("state_root", Root), ("body", body_type(fork))])


# builder-specs ValidatorRegistrationV1
ValidatorRegistrationV1 = Container("ValidatorRegistrationV1", [
    ("fee_recipient", ExecutionAddress), ("gas_limit", uint64), ("timestamp", uint64), ("pubkey", BLSPubkey)])

# ---------------------------------------------------------------------------
# Domains and signing roots (phase0/beacon-chain.md helpers)
# ---------------------------------------------------------------------------


def compute_epoch_at_slot(slot):
    return slot // SLOTS_PER_EPOCH


def compute_fork_data_root(current_version, genesis_validators_root):
    return htr(ForkData, {"current_version": current_version, "genesis_validators_root": genesis_validators_root})


def compute_domain(domain_type, fork_version=None, genesis_validators_root=None):
    if fork_version is None:
        fork_version = GENESIS_FORK_VERSION
    if genesis_validators_root is None:
        genesis_validators_root = b"\x00" * 32
    return domain_type + compute_fork_data_root(fork_version, genesis_validators_root)[:28]


def compute_signing_root_from_object_root(object_root, domain):
    return htr(SigningData, {"object_root": object_root, "domain": domain})


def fork_index_at_epoch(epoch):
    index = 0
    for i, (_, _, fork_epoch) in enumerate(FORKS):
        if fork_epoch <= epoch:
            index = i
    return index


def fork_name_at_epoch(epoch):
    return FORKS[fork_index_at_epoch(epoch)][0]


def state_fork(epoch):
    """The BeaconState.fork of a mainnet state in `epoch`: each upgrade_to_*
    function sets previous_version to the old current_version, current_version
    to the new fork's version and epoch to the fork epoch."""
    i = fork_index_at_epoch(epoch)
    previous = FORKS[i - 1][1] if i > 0 else FORKS[0][1]
    return previous, FORKS[i][1], FORKS[i][2]


def get_domain(state_epoch, domain_type, epoch):
    """phase0 get_domain for a mainnet state whose current epoch is
    state_epoch. Returns (domain, fork_version)."""
    previous_version, current_version, fork_epoch = state_fork(state_epoch)
    fork_version = previous_version if epoch < fork_epoch else current_version
    return compute_domain(domain_type, fork_version, MAINNET_GENESIS_VALIDATORS_ROOT), fork_version


def duty_domain(domain_type, epoch):
    """Domain of a validator duty signed with the head state of its own epoch
    (the validator.md get_*_signature functions)."""
    return get_domain(epoch, domain_type, epoch)


def voluntary_exit_domain(exit_epoch, current_epoch):
    """Domain with which process_voluntary_exit verifies an exit in a state of
    current_epoch: phase0 get_domain(state, DOMAIN_VOLUNTARY_EXIT,
    voluntary_exit.epoch) up to Capella; from Deneb on (EIP-7044)
    compute_domain(DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION,
    state.genesis_validators_root)."""
    assert exit_epoch <= current_epoch, "process_voluntary_exit rejects exits from the future"
    if fork_index_at_epoch(current_epoch) >= FORK_NAMES.index("deneb"):
        return compute_domain(DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION, MAINNET_GENESIS_VALIDATORS_ROOT), CAPELLA_FORK_VERSION
    return get_domain(current_epoch, DOMAIN_VOLUNTARY_EXIT, exit_epoch)


# ---------------------------------------------------------------------------
# Self-checks against public constants
# ---------------------------------------------------------------------------


def self_check():
    # Zero-subtree roots (the deposit contract's zero_hashes).
    assert ZERO_HASHES[0] == b"\x00" * 32
    assert ZERO_HASHES[1].hex() == "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b"
    assert ZERO_HASHES[2].hex() == "db56114e00fdd4c1f85c892bf35ac9a89289aaecb1ebd0a96cde606a748b5d71"
    assert ZERO_HASHES[3].hex() == "c78009fdf07fc56a11f122370658a353aaa542ed63e44c4bc15ff4cd105ab33c"
    assert ZERO_HASHES[4].hex() == "536d98837f2dd165a55d5eeae91485954472d56f246df256bf3cae19352a123c"

    # next_pow_of_two examples from ssz/simple-serialize.md.
    assert [next_pow_of_two(i) for i in (0, 1, 2, 3, 4, 6, 9)] == [1, 1, 2, 4, 4, 8, 16]

    # Zero-hash-padded merkleize agrees with a literal padded tree.
    for limit in range(0, 40):
        for count in range(0, limit + 1):
            chunks = [sha256(b"chunk%d/%d" % (limit, i)) for i in range(count)]
            assert merkleize(chunks, limit) == merkleize_naive(chunks, limit), (limit, count)
    for count in range(0, 20):
        chunks = [sha256(b"nolimit%d" % i) for i in range(count)]
        assert merkleize(chunks) == merkleize_naive(chunks)
    try:
        merkleize([b"\x00" * 32] * 3, 2)
        raise AssertionError("merkleize accepted more chunks than its limit")
    except ValueError:
        pass

    # Mainnet deposit and builder domains (GENESIS_FORK_VERSION, zero root).
    assert compute_domain(DOMAIN_DEPOSIT).hex() == "03000000f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a9"
    assert compute_domain(DOMAIN_DEPOSIT, bytes(4), bytes(32)) == compute_domain(DOMAIN_DEPOSIT)
    assert compute_domain(DOMAIN_APPLICATION_BUILDER).hex() == "00000001f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a9"

    # Mainnet fork data roots, as published in mainnet attester domains
    # (phase0..deneb) and in the mainnet gossip fork digests (electra; the
    # fulu digest also mixes in blob parameters, so it is not checked here).
    gvr = MAINNET_GENESIS_VALIDATORS_ROOT
    known_attester_domains = {
        "phase0": "01000000b5303f2ad2010d699a76c8e62350947421a3e4a979779642cfdb0f66",
        "altair": "01000000afcaaba0efab1ca832a15152469bb09bb84641c405171dfa2d3fb45f",
        "bellatrix": "010000004a26c58b08add8089b75caa540848881a8d4f0af0be83417a85c0f45",
        "capella": "01000000bba4da96354c9f25476cf1bc69bf583a7f9e0af049305b62de676640",
        "deneb": "010000006a95a1a967855d676d48be69883b712607f952d5198d0f5677564636",
    }
    for name, want in known_attester_domains.items():
        assert compute_domain(DOMAIN_BEACON_ATTESTER, FORK_BY_NAME[name][0], gvr).hex() == want, name
    assert compute_domain(DOMAIN_BEACON_PROPOSER, FORK_BY_NAME["bellatrix"][0], gvr).hex() == \
        "000000004a26c58b08add8089b75caa540848881a8d4f0af0be83417a85c0f45"
    assert compute_fork_data_root(FORK_BY_NAME["electra"][0], gvr)[:4].hex() == "ad532ceb"

    # Mainnet genesis block: BeaconBlock(state_root=genesis state root) with a
    # default (all-zero, empty-list) phase0 body.
    empty_body = {
        "randao_reveal": bytes(96),
        "eth1_data": {"deposit_root": bytes(32), "deposit_count": 0, "block_hash": bytes(32)},
        "graffiti": bytes(32),
        "proposer_slashings": [], "attester_slashings": [], "attestations": [], "deposits": [], "voluntary_exits": [],
    }
    body_root = htr(body_type("phase0"), empty_body)
    assert body_root.hex() == "ccb62460692be0ec813b56be97f68a82cf57abc102e27bf49ebf4190ff22eedd"
    genesis_state_root = bytes.fromhex("7e76880eb67bbdc86250aa578958e9d0675e64e714337855204fb5abaaf82c2b")
    genesis_block = {"slot": 0, "proposer_index": 0, "parent_root": bytes(32), "state_root": genesis_state_root, "body": empty_body}
    assert htr(block_type("phase0"), genesis_block).hex() == "4d611d5b93fdab69013a7f0a2f961caca0c853f87cfe9595fe50038163079360"
    header = {"slot": 0, "proposer_index": 0, "parent_root": bytes(32), "state_root": bytes(32), "body_root": body_root}
    assert htr(BeaconBlockHeader, header).hex() == "eade62f0457b2fdf48e7d3fc4b60736688286be7c7a3ac4c9a16a5e0600bd9e4"

    # A deposit_data-*.json record produced by staking-deposit-cli 2.7.0.
    record = {
        "pubkey": bytes.fromhex("98db81971df910a5d46314d21320f897060d76fdf137d22f0eb91a8693a4767d2a22730a3aaa955f07d13ad604f968e9"),
        "withdrawal_credentials": bytes.fromhex("010000000000000000000000468c15d616b52fcef0b932bf89d42157984be2a5"),
        "amount": 32000000000,
    }
    assert htr(DepositMessage, record).hex() == "2304faca7c177b307c224757df6e8a955026c613c86045ea569ba5547f8d104c"
    record["signature"] = bytes.fromhex(
        "a20d736d6807720cb2a2f48526eb3df83162b387b806bdf7d0d08bb31d3d4e4daaf4a11120dc194b188035e9e5c9bdbf"
        "00c3be3ca68adec9c4fb2fb59d936337b750ae08a9e7add56fb82526792876066456010a64c5629b7f1f564f9923ff8e")
    assert htr(DepositData, record).hex() == "e6260302845906138ebe075e9977e6086f02fc1c5142590bebdf54579c806bd3"

    # Hand-computed small cases of each SSZ kind.
    assert htr(uint64, 5) == (5).to_bytes(32, "little")
    assert htr(uint256, 2**255 + 1) == (2**255 + 1).to_bytes(32, "little")
    assert htr(Bytes4, b"\x01\x02\x03\x04") == b"\x01\x02\x03\x04" + bytes(28)
    assert htr(Bytes48, bytes(range(48))) == sha256(bytes(range(32)) + bytes(range(32, 48)) + bytes(16))
    # Bitlist[8] holding bits 1,0,1: one data chunk 0x05.., tree of 1 leaf, mixed with length 3.
    assert htr(Bitlist(8), [1, 0, 1]) == sha256((b"\x05" + bytes(31)) + (3).to_bytes(32, "little"))
    assert Bitlist(8).to_json([1, 0, 1]) == "0x0d"
    assert Bitlist(16).to_json([1] * 8) == "0xff01"
    assert htr(Bitlist(2048), []) == sha256(ZERO_HASHES[3] + bytes(32))
    # List[uint64, 5]: 40 bytes -> chunk limit 2.
    two = (1).to_bytes(8, "little") + (2).to_bytes(8, "little")
    assert htr(List(uint64, 5), [1, 2]) == sha256(sha256((two + bytes(16)) + bytes(32)) + (2).to_bytes(32, "little"))
    assert htr(Bitvector(4), [1, 1, 0, 1]) == b"\x0b" + bytes(31)

    # Go-side rule (EIP-7044) sanity: post-Deneb exits all share one domain.
    assert voluntary_exit_domain(0, 300000) == voluntary_exit_domain(300000, 420000)


def check_mainnet_config(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if ":" in line:
                k, v = line.split(":", 1)
                values[k.strip()] = v.strip().strip("'\"")
    for i, (name, version, epoch) in enumerate(FORKS):
        key = "GENESIS" if i == 0 else name.upper()
        assert values[key + "_FORK_VERSION"].lower() == hex0x(version), name
        if i > 0:
            assert int(values[key + "_FORK_EPOCH"]) == epoch, name


# ---------------------------------------------------------------------------
# Deterministic contents
# ---------------------------------------------------------------------------


class Stream:
    """A byte stream derived from SHA-256 of a label and a counter."""

    def __init__(self, label):
        self.label = label
        self.counter = 0

    def bytes(self, n):
        out = b""
        while len(out) < n:
            out += sha256(("%s/%d" % (self.label, self.counter)).encode())
            self.counter += 1
        return out[:n]

    def int(self, lo, hi):
        """An integer in [lo, hi]."""
        return lo + int.from_bytes(self.bytes(16), "little") % (hi - lo + 1)

    def bits(self, n, density=2):
        """n bits, roughly one in `density` set."""
        raw = self.bytes(n)
        return [1 if raw[i] % density == 0 else 0 for i in range(n)]

    def sub(self, label):
        return Stream("%s/%s" % (self.label, label))


def first_slot(epoch):
    return epoch * SLOTS_PER_EPOCH


def mk_checkpoint(r, epoch):
    return {"epoch": epoch, "root": r.bytes(32)}


def mk_attestation_data(r, slot, target_epoch=None):
    if target_epoch is None:
        target_epoch = compute_epoch_at_slot(slot)
    return {
        "slot": slot,
        "index": r.int(0, MAX_COMMITTEES_PER_SLOT - 1),
        "beacon_block_root": r.bytes(32),
        "source": mk_checkpoint(r, max(target_epoch - 1, 0)),
        "target": mk_checkpoint(r, target_epoch),
    }


def mk_attestation(r, fork, slot, n_bits=None):
    if FORK_NAMES.index(fork) < FORK_NAMES.index("electra"):
        n = n_bits if n_bits is not None else r.int(64, 400)
        return {"aggregation_bits": r.bits(n), "data": mk_attestation_data(r, slot), "signature": r.bytes(96)}
    # EIP-7549: one bitlist over the concatenated committees flagged in committee_bits
    committees = sorted(set(r.int(0, MAX_COMMITTEES_PER_SLOT - 1) for _ in range(3)))
    committee_bits = [1 if i in committees else 0 for i in range(MAX_COMMITTEES_PER_SLOT)]
    n = n_bits if n_bits is not None else sum(r.int(100, 300) for _ in committees)
    data = mk_attestation_data(r, slot)
    data["index"] = 0  # electra: AttestationData.index is 0
    return {"aggregation_bits": r.bits(n), "data": data, "signature": r.bytes(96), "committee_bits": committee_bits}


def mk_indexed_attestation(r, slot, data=None):
    count = r.int(2, 9)
    indices = sorted(set(r.int(0, 2_000_000) for _ in range(count)))
    return {"attesting_indices": indices, "data": data or mk_attestation_data(r, slot), "signature": r.bytes(96)}


def mk_attester_slashing(r, slot):
    a1 = mk_indexed_attestation(r.sub("a1"), slot)
    data2 = dict(mk_attestation_data(r.sub("d2"), slot))
    data2["target"] = {"epoch": a1["data"]["target"]["epoch"], "root": r.bytes(32)}  # a double vote
    a2 = mk_indexed_attestation(r.sub("a2"), slot, data2)
    return {"attestation_1": a1, "attestation_2": a2}


def mk_signed_header(r, slot, proposer):
    return {"message": {"slot": slot, "proposer_index": proposer, "parent_root": r.bytes(32),
                        "state_root": r.bytes(32), "body_root": r.bytes(32)},
            "signature": r.bytes(96)}


def mk_proposer_slashing(r, slot):
    proposer = r.int(0, 2_000_000)
    return {"signed_header_1": mk_signed_header(r.sub("h1"), slot, proposer),
            "signed_header_2": mk_signed_header(r.sub("h2"), slot, proposer)}


def mk_withdrawal_credentials(r):
    prefix = bytes([r.int(0, 2)])
    if prefix == b"\x00":
        return prefix + r.bytes(31)
    return prefix + bytes(11) + r.bytes(20)


def mk_deposit(r):
    return {"proof": [r.bytes(32) for _ in range(DEPOSIT_CONTRACT_TREE_DEPTH + 1)],
            "data": {"pubkey": r.bytes(48), "withdrawal_credentials": mk_withdrawal_credentials(r),
                     "amount": 32_000_000_000, "signature": r.bytes(96)}}


def mk_signed_exit(r, epoch):
    return {"message": {"epoch": epoch, "validator_index": r.int(0, 2_000_000)}, "signature": r.bytes(96)}


def mk_sync_aggregate(r):
    return {"sync_committee_bits": r.bits(SYNC_COMMITTEE_SIZE, 4), "sync_committee_signature": r.bytes(96)}


def mk_payload(r, fork, slot, light):
    # transactions of assorted lengths: shorter than, equal to and longer than a chunk
    tx_lengths = [1, 32] if light else [1, 32, r.int(90, 260)]
    payload = {
        "parent_hash": r.bytes(32),
        "fee_recipient": r.bytes(20),
        "state_root": r.bytes(32),
        "receipts_root": r.bytes(32),
        "logs_bloom": r.bytes(BYTES_PER_LOGS_BLOOM),
        "prev_randao": r.bytes(32),
        "block_number": r.int(15_000_000, 25_000_000),
        "gas_limit": 36_000_000,
        "gas_used": r.int(0, 36_000_000),
        "timestamp": 1606824023 + 12 * slot,
        "extra_data": r.bytes(r.int(0, MAX_EXTRA_DATA_BYTES)),
        # one payload carries a base fee that needs all 256 bits
        "base_fee_per_gas": (2**255 + r.int(0, 2**64)) if fork == "bellatrix" and not light else r.int(1, 10**11),
        "block_hash": r.bytes(32),
        "transactions": [r.bytes(n) for n in tx_lengths],
    }
    if FORK_NAMES.index(fork) >= FORK_NAMES.index("capella"):
        first = r.int(0, 10**8)
        payload["withdrawals"] = [
            {"index": first + i, "validator_index": r.int(0, 2_000_000), "address": r.bytes(20), "amount": r.int(1, 10**11)}
            for i in range(1 if light else 3)]
    if FORK_NAMES.index(fork) >= FORK_NAMES.index("deneb"):
        payload["blob_gas_used"] = 131072 * 2
        payload["excess_blob_gas"] = r.int(0, 10**8)
    return payload


def mk_execution_requests(r, light):
    n = 1 if light else 2
    return {
        "deposits": [{"pubkey": r.bytes(48), "withdrawal_credentials": mk_withdrawal_credentials(r),
                      "amount": r.int(10**9, 2048 * 10**9), "signature": r.bytes(96), "index": r.int(0, 3_000_000)}
                     for _ in range(n)],
        "withdrawals": [{"source_address": r.bytes(20), "validator_pubkey": r.bytes(48), "amount": r.int(0, 10**11)}
                        for _ in range(n)],
        "consolidations": [{"source_address": r.bytes(20), "source_pubkey": r.bytes(48), "target_pubkey": r.bytes(48)}
                           for _ in range(1 if light else MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD)],
    }


def mk_block(label, fork, slot, light=False):
    """A beacon block of `fork` at `slot` with every operation list non-empty;
    when light, the slashing and deposit lists are empty and the others short."""
    r = Stream(label)
    i = FORK_NAMES.index(fork)
    electra = i >= FORK_NAMES.index("electra")
    att_slot = max(slot - 1, 0)
    n_atts = 1 if light else 2
    body = {
        "randao_reveal": r.bytes(96),
        "eth1_data": {"deposit_root": r.bytes(32), "deposit_count": r.int(0, 2_000_000), "block_hash": r.bytes(32)},
        "graffiti": r.bytes(32),
        "proposer_slashings": [] if light else [mk_proposer_slashing(r.sub("ps"), att_slot)],
        "attester_slashings": [] if light else [mk_attester_slashing(r.sub("as"), att_slot)],
        # a bitlist whose length is a multiple of 8 (delimiter in a byte of its own), then a ragged one
        "attestations": [mk_attestation(r.sub("att%d" % k), fork, att_slot, 256 if k == 0 else None) for k in range(n_atts)],
        "deposits": [] if light else [mk_deposit(r.sub("dep"))],
        "voluntary_exits": [mk_signed_exit(r.sub("exit"), compute_epoch_at_slot(slot))],
    }
    if i >= FORK_NAMES.index("altair"):
        body["sync_aggregate"] = mk_sync_aggregate(r.sub("sync"))
    if i >= FORK_NAMES.index("bellatrix"):
        body["execution_payload"] = mk_payload(r.sub("payload"), fork, slot, light)
    if i >= FORK_NAMES.index("capella"):
        body["bls_to_execution_changes"] = [
            {"message": {"validator_index": r.int(0, 2_000_000), "from_bls_pubkey": r.bytes(48), "to_execution_address": r.bytes(20)},
             "signature": r.bytes(96)} for _ in range(1 if light else 2)]
    if i >= FORK_NAMES.index("deneb"):
        body["blob_kzg_commitments"] = [r.bytes(48) for _ in range(1 if light else 3)]
    if electra:
        body["execution_requests"] = mk_execution_requests(r.sub("requests"), light)
    return {"slot": slot, "proposer_index": r.int(0, 2_000_000), "parent_root": r.bytes(32),
            "state_root": r.bytes(32), "body": body}


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

CASES = []


def add_case(name, message_type, fork, message_json, object_root, domain, fork_version, **extra):
    assert not any(c["name"] == name for c in CASES), name
    case = {"name": name, "message_type": message_type, "fork": fork, "message": message_json}
    for k, v in extra.items():
        case[k] = v
    case["object_root"] = hex0x(object_root)
    case["fork_version"] = hex0x(fork_version)
    case["domain"] = hex0x(domain)
    case["signing_root"] = hex0x(compute_signing_root_from_object_root(object_root, domain))
    CASES.append(case)


def boundary_epochs():
    """(old fork, last epoch of old fork, new fork, first epoch of new fork)."""
    for (old, _, _), (new, _, epoch) in zip(FORKS, FORKS[1:]):
        yield old, epoch - 1, new, epoch


def mid_epoch(fork):
    """An epoch well inside `fork`."""
    i = FORK_NAMES.index(fork)
    start = FORKS[i][2]
    end = FORKS[i + 1][2] if i + 1 < len(FORKS) else start + 100000
    return start + (end - start) // 3


def gen_blocks():
    items = []
    for fork in FORK_NAMES:
        items.append(("beacon_block/%s/full" % fork, fork, first_slot(mid_epoch(fork)) + 7, False))
    for old, last, new, first in boundary_epochs():
        items.append(("beacon_block/%s/last_slot_before_%s" % (old, new), old, first_slot(first) - 1, True))
        items.append(("beacon_block/%s/first_slot" % new, new, first_slot(first), True))
    for name, fork, slot, light in items:
        assert fork_name_at_epoch(compute_epoch_at_slot(slot)) == fork
        block = mk_block(name, fork, slot, light)
        btype = block_type(fork)
        block_root = htr(btype, block)
        domain, version = duty_domain(DOMAIN_BEACON_PROPOSER, compute_epoch_at_slot(slot))
        add_case(name, "beacon_block", fork, btype.to_json(block), block_root, domain, version)
        header = {"slot": block["slot"], "proposer_index": block["proposer_index"], "parent_root": block["parent_root"],
                  "state_root": block["state_root"], "body_root": htr(body_type(fork), block["body"])}
        header_root = htr(BeaconBlockHeader, header)
        assert header_root == block_root, name
        add_case(name.replace("beacon_block/", "beacon_block_header/"), "beacon_block_header", fork,
                 BeaconBlockHeader.to_json(header), header_root, domain, version, block_case=name)


def gen_attestation_data():
    items = [("attestation_data/phase0/genesis_epoch", 0, None)]
    for fork in FORK_NAMES:
        items.append(("attestation_data/%s/mid" % fork, first_slot(mid_epoch(fork)) + 5, None))
    for old, last, new, first in boundary_epochs():
        items.append(("attestation_data/%s/last_slot_before_%s" % (old, new), first_slot(first) - 1, None))
        items.append(("attestation_data/%s/first_slot" % new, first_slot(first), None))
    # The domain follows target.epoch, not the slot: a data whose slot lies in
    # the last epoch of deneb but whose target is electra's first epoch.
    _, electra_epoch = FORK_BY_NAME["electra"]
    items.append(("attestation_data/electra/target_epoch_not_slot_epoch", first_slot(electra_epoch) - 3, electra_epoch))
    for name, slot, target in items:
        r = Stream(name)
        data = mk_attestation_data(r, slot, target)
        epoch = data["target"]["epoch"]
        domain, version = duty_domain(DOMAIN_BEACON_ATTESTER, epoch)
        add_case(name, "attestation_data", fork_name_at_epoch(epoch), AttestationData.to_json(data),
                 htr(AttestationData, data), domain, version)


def gen_randao_and_selection():
    epochs = [("genesis", 0)]
    for old, last, new, first in boundary_epochs():
        epochs.append(("last_epoch_before_%s" % new, last))
        epochs.append(("%s_first_epoch" % new, first))
    epochs.append(("far_future", 2**40 + 3))
    for label, epoch in epochs:
        fork = fork_name_at_epoch(epoch)
        domain, version = duty_domain(DOMAIN_RANDAO, epoch)
        add_case("randao_reveal/%s/%s" % (fork, label), "randao_reveal", fork, str(epoch),
                 htr(Epoch, epoch), domain, version, epoch=str(epoch))
    slots = [("genesis", 0)]
    for old, last, new, first in boundary_epochs():
        slots.append(("last_slot_before_%s" % new, first_slot(first) - 1))
        slots.append(("%s_first_slot" % new, first_slot(first)))
    slots.append(("far_future", 2**45 + 17))
    for label, slot in slots:
        epoch = compute_epoch_at_slot(slot)
        fork = fork_name_at_epoch(epoch)
        domain, version = duty_domain(DOMAIN_SELECTION_PROOF, epoch)
        add_case("aggregation_slot/%s/%s" % (fork, label), "aggregation_slot", fork, str(slot),
                 htr(Slot, slot), domain, version, slot=str(slot))


def gen_aggregate_and_proof():
    items = [("aggregate_and_proof/%s/mid" % fork, fork, first_slot(mid_epoch(fork)) + 9) for fork in FORK_NAMES]
    for old, last, new, first in boundary_epochs():
        items.append(("aggregate_and_proof/%s/last_slot_before_%s" % (old, new), old, first_slot(first) - 1))
        items.append(("aggregate_and_proof/%s/first_slot" % new, new, first_slot(first)))
    for name, fork, slot in items:
        assert fork_name_at_epoch(compute_epoch_at_slot(slot)) == fork
        r = Stream(name)
        electra = FORK_NAMES.index(fork) >= FORK_NAMES.index("electra")
        typ = AggregateAndProof7 if electra else AggregateAndProof0
        ap = {"aggregator_index": r.int(0, 2_000_000), "aggregate": mk_attestation(r.sub("agg"), fork, slot),
              "selection_proof": r.bytes(96)}
        domain, version = duty_domain(DOMAIN_AGGREGATE_AND_PROOF, compute_epoch_at_slot(slot))
        add_case(name, "aggregate_and_proof", fork, typ.to_json(ap), htr(typ, ap), domain, version)


def sync_slots():
    altair_epoch = FORK_BY_NAME["altair"][1]
    # altair/validator.md: no sync committee signatures for the last phase0 slot
    items = [("altair_first_slot", first_slot(altair_epoch)), ("altair_mid", first_slot(mid_epoch("altair")) + 3)]
    for old, last, new, first in boundary_epochs():
        if new == "altair":
            continue
        items.append(("last_slot_before_%s" % new, first_slot(first) - 1))
        items.append(("%s_first_slot" % new, first_slot(first)))
    items.append(("fulu_mid", first_slot(mid_epoch("fulu")) + 30))
    return items


def gen_sync():
    for label, slot in sync_slots():
        epoch = compute_epoch_at_slot(slot)
        fork = fork_name_at_epoch(epoch)
        name = "sync_committee_message/%s/%s" % (fork, label)
        r = Stream(name)
        msg = {"slot": slot, "beacon_block_root": r.bytes(32), "validator_index": r.int(0, 2_000_000), "signature": r.bytes(96)}
        domain, version = duty_domain(DOMAIN_SYNC_COMMITTEE, epoch)
        # the signed object is the block root itself
        add_case(name, "sync_committee_message", fork, SyncCommitteeMessage.to_json(msg), htr(Root, msg["beacon_block_root"]),
                 domain, version, slot=str(slot), beacon_block_root=hex0x(msg["beacon_block_root"]))

    for label, slot in sync_slots():
        epoch = compute_epoch_at_slot(slot)
        fork = fork_name_at_epoch(epoch)
        name = "sync_committee_selection_proof/%s/%s" % (fork, label)
        r = Stream(name)
        data = {"slot": slot, "subcommittee_index": r.int(0, SYNC_COMMITTEE_SUBNET_COUNT - 1)}
        domain, version = duty_domain(DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, epoch)
        add_case(name, "sync_committee_selection_proof", fork, SyncAggregatorSelectionData.to_json(data),
                 htr(SyncAggregatorSelectionData, data), domain, version)

    for label, slot in sync_slots():
        epoch = compute_epoch_at_slot(slot)
        fork = fork_name_at_epoch(epoch)
        name = "contribution_and_proof/%s/%s" % (fork, label)
        r = Stream(name)
        cp = {"aggregator_index": r.int(0, 2_000_000),
              "contribution": {"slot": slot, "beacon_block_root": r.bytes(32),
                               "subcommittee_index": r.int(0, SYNC_COMMITTEE_SUBNET_COUNT - 1),
                               "aggregation_bits": r.bits(SYNC_COMMITTEE_SIZE // SYNC_COMMITTEE_SUBNET_COUNT, 3),
                               "signature": r.bytes(96)},
              "selection_proof": r.bytes(96)}
        domain, version = duty_domain(DOMAIN_CONTRIBUTION_AND_PROOF, epoch)
        add_case(name, "contribution_and_proof", fork, ContributionAndProof.to_json(cp),
                 htr(ContributionAndProof, cp), domain, version)


def gen_voluntary_exits():
    e = {name: epoch for name, _, epoch in FORKS}
    items = [
        # (label, exit epoch, current epoch)
        ("phase0_exit_in_phase0", 1000, 5000),
        ("altair_exit_same_epoch", e["altair"] + 10, e["altair"] + 10),
        ("last_altair_epoch_exit_at_first_bellatrix_epoch", e["bellatrix"] - 1, e["bellatrix"]),
        ("first_bellatrix_epoch_exit_at_first_bellatrix_epoch", e["bellatrix"], e["bellatrix"]),
        ("bellatrix_exit_in_capella", e["bellatrix"] + 5, e["capella"] + 5),
        ("capella_exit_in_capella", e["capella"] + 100, e["capella"] + 200),
        ("last_capella_epoch_exit_in_last_capella_epoch", e["deneb"] - 1, e["deneb"] - 1),
        # An exit two or more forks old: get_domain(state, ...) picks
        # state.fork.previous_version (bellatrix), not the exit epoch's fork.
        ("phase0_exit_in_capella", 1000, e["capella"] + 5),
        ("altair_exit_in_capella", e["altair"] + 7, e["capella"] + 5),
        # EIP-7044: from Deneb on, always CAPELLA_FORK_VERSION
        ("last_capella_epoch_exit_in_first_deneb_epoch", e["deneb"] - 1, e["deneb"]),
        ("bellatrix_exit_in_deneb", e["bellatrix"] + 3, e["deneb"] + 3),
        ("phase0_exit_in_deneb", 0, e["deneb"] + 10),
        ("deneb_exit_in_deneb", e["deneb"] + 20, e["deneb"] + 20),
        ("deneb_exit_in_electra", e["deneb"] + 20, e["electra"] + 1),
        ("electra_exit_in_fulu", e["electra"] + 500, e["fulu"] + 500),
        ("genesis_exit_in_fulu", 0, e["fulu"] + 1),
    ]
    for label, exit_epoch, current_epoch in items:
        fork = fork_name_at_epoch(current_epoch)
        name = "voluntary_exit/%s/%s" % (fork, label)
        r = Stream(name)
        exit_msg = {"epoch": exit_epoch, "validator_index": r.int(0, 2_000_000)}
        domain, version = voluntary_exit_domain(exit_epoch, current_epoch)
        add_case(name, "voluntary_exit", fork, VoluntaryExit.to_json(exit_msg), htr(VoluntaryExit, exit_msg),
                 domain, version, current_epoch=str(current_epoch))


def gen_genesis_domain_messages():
    for k, (gas_limit, timestamp) in enumerate([(30_000_000, 1_700_000_000), (36_000_000, 1_760_000_123), (2**64 - 1, 0)]):
        name = "validator_registration/%d" % k
        r = Stream(name)
        reg = {"fee_recipient": r.bytes(20), "gas_limit": gas_limit, "timestamp": timestamp, "pubkey": r.bytes(48)}
        # builder-specs: compute_domain(DOMAIN_APPLICATION_BUILDER), i.e. genesis version, zero root
        add_case(name, "validator_registration", "phase0", ValidatorRegistrationV1.to_json(reg),
                 htr(ValidatorRegistrationV1, reg), compute_domain(DOMAIN_APPLICATION_BUILDER), GENESIS_FORK_VERSION)

    deposits = []
    for k, amount in enumerate([32_000_000_000, 2_048_000_000_000, 1_000_000_000]):
        r = Stream("deposit_message/%d" % k)
        deposits.append(("deposit_message/%d" % k, {"pubkey": r.bytes(48), "withdrawal_credentials": mk_withdrawal_credentials(r), "amount": amount}))
    # the staking-deposit-cli record also used by self_check()
    deposits.append(("deposit_message/staking_deposit_cli_record", {
        "pubkey": bytes.fromhex("98db81971df910a5d46314d21320f897060d76fdf137d22f0eb91a8693a4767d2a22730a3aaa955f07d13ad604f968e9"),
        "withdrawal_credentials": bytes.fromhex("010000000000000000000000468c15d616b52fcef0b932bf89d42157984be2a5"),
        "amount": 32000000000}))
    for name, msg in deposits:
        # compute_domain(DOMAIN_DEPOSIT): genesis version, zero root (deposits are fork-agnostic)
        add_case(name, "deposit_message", "phase0", DepositMessage.to_json(msg), htr(DepositMessage, msg),
                 compute_domain(DOMAIN_DEPOSIT), GENESIS_FORK_VERSION)


def generate():
    del CASES[:]
    gen_attestation_data()
    gen_blocks()
    gen_randao_and_selection()
    gen_aggregate_and_proof()
    gen_sync()
    gen_voluntary_exits()
    gen_genesis_domain_messages()
    return json.dumps(CASES, indent=1) + "\n"


def main(argv):
    self_check()
    if "--mainnet-config" in argv:
        check_mainnet_config(argv[argv.index("--mainnet-config") + 1])
    out = generate()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_answers.json")
    if "--stdout" in argv:
        sys.stdout.write(out)
        return 0
    if "--check" in argv:
        with open(path) as f:
            if f.read() != out:
                sys.stderr.write("known_answers.json is stale: run python3 gen.py\n")
                return 1
        sys.stderr.write("known_answers.json is up to date (%d cases)\n" % len(CASES))
        return 0
    with open(path, "w") as f:
        f.write(out)
    counts = {}
    for c in CASES:
        counts[c["message_type"]] = counts.get(c["message_type"], 0) + 1
    sys.stderr.write("wrote %s: %d cases, %d bytes\n" % (path, len(CASES), len(out)))
    for k in sorted(counts):
        sys.stderr.write("  %-32s %d\n" % (k, counts[k]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
