package spectests

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"

	"gopkg.in/yaml.v3"
)

// An independent reading of the DV containers: the SSZ types of SPEC.md
// written out by hand, and a plain merkleization of consensus-specs
// ssz/simple-serialize.md over the YAML values. It shares nothing with the
// generated code; TestVectorFormat requires every DV container root in
// the vectors to come out the same. This is what an implementation in
// another language does with value.yaml and SPEC.md.

type schemaKind int

const (
	kindUint64 schemaKind = iota
	kindBytes             // Vector[byte, size]
	kindList              // List[elem, limit]
	kindContainer
	kindBool
	kindByteList  // List[byte, limit]
	kindBitlist   // Bitlist[limit]
	kindBitvector // Bitvector[size]
)

type schema struct {
	kind   schemaKind
	size   int      // kindBytes
	elem   *schema  // kindList
	limit  uint64   // kindList
	fields []sfield // kindContainer
}

type sfield struct {
	name string
	t    *schema
}

func container(fields ...sfield) *schema { return &schema{kind: kindContainer, fields: fields} }
func list(elem *schema, limit uint64) *schema {
	return &schema{kind: kindList, elem: elem, limit: limit}
}
func f(name string, t *schema) sfield { return sfield{name, t} }
func byteList(limit uint64) *schema   { return &schema{kind: kindByteList, limit: limit} }
func bitlist(limit uint64) *schema    { return &schema{kind: kindBitlist, limit: limit} }
func bitvector(size int) *schema      { return &schema{kind: kindBitvector, size: size} }
func fixedBytes(size int) *schema     { return &schema{kind: kindBytes, size: size} }

var (
	sUint64    = &schema{kind: kindUint64}
	sRoot      = &schema{kind: kindBytes, size: 32}
	sPubkey    = &schema{kind: kindBytes, size: 48}
	sSignature = &schema{kind: kindBytes, size: 96}

	sValidatorIdentity = container(f("pubkey", sPubkey), f("index", sUint64))
	sCoValidator       = container(f("validator_identity", sValidatorIdentity), f("pubkey", sPubkey), f("index", sUint64))
	sSlashingDBBlock   = container(f("slot", sUint64), f("signing_root", list(sRoot, 1)))
	sSlashingDBAtt     = container(f("source_epoch", sUint64), f("target_epoch", sUint64), f("signing_root", list(sRoot, 1)))
	sSlashingDBData    = container(f("pubkey", sPubkey), f("signed_blocks", list(sSlashingDBBlock, 1<<24)), f("signed_attestations", list(sSlashingDBAtt, 1<<24)))
	sSlashingDB        = container(f("interchange_format_version", sUint64), f("genesis_validators_root", sRoot), f("data", list(sSlashingDBData, 1<<40)))
	sDistributed       = container(f("validator_identity", sValidatorIdentity), f("co_validators", list(sCoValidator, 256)), f("slashing_db", sSlashingDB))
	sState             = container(f("distributed_validators", list(sDistributed, 1<<40)))
	sAttestationDuty   = container(f("pubkey", sPubkey), f("validator_index", sUint64), f("committee_index", sUint64), f("committee_length", sUint64),
		f("committees_at_slot", sUint64), f("validator_committee_index", sUint64), f("slot", sUint64))
	sProposerDuty      = container(f("pubkey", sPubkey), f("validator_index", sUint64), f("slot", sUint64))
	sSyncCommitteeDuty = container(f("pubkey", sPubkey), f("validator_index", sUint64), f("validator_sync_committee_indices", list(sUint64, 512)))
	sAggregatorDuty    = container(f("attestation", sAttestationDuty), f("selection_proof", sSignature))
	sContributionDuty  = container(f("pubkey", sPubkey), f("validator_index", sUint64), f("slot", sUint64), f("subcommittee_index", sUint64), f("selection_proof", sSignature))

	// consensus-specs containers inside DV containers (mainnet sizes).
	sBool             = &schema{kind: kindBool}
	sCheckpoint       = container(f("epoch", sUint64), f("root", sRoot))
	sAttestationData  = container(f("slot", sUint64), f("index", sUint64), f("beacon_block_root", sRoot), f("source", sCheckpoint), f("target", sCheckpoint))
	sBeaconBlockHdr   = container(f("slot", sUint64), f("proposer_index", sUint64), f("parent_root", sRoot), f("state_root", sRoot), f("body_root", sRoot))
	sSyncContribution = container(f("slot", sUint64), f("beacon_block_root", sRoot), f("subcommittee_index", sUint64), f("aggregation_bits", bitvector(128)), f("signature", sSignature))

	// SPEC.md section 7.5: share messages.
	sVersionedBlock       = container(f("fork_version", fixedBytes(4)), f("block", byteList(10485752)))
	sSignedVersionedBlock = container(f("block", sVersionedBlock), f("signature", sSignature))
	sAttestationShare     = container(f("data", sAttestationData), f("aggregation_bits", bitlist(2048)), f("committee_index", sUint64),
		f("validator_index", sUint64), f("signature", sSignature), f("share_index", sUint64))
	sRandaoShare = container(f("slot", sUint64), f("validator_index", sUint64), f("signature", sSignature), f("share_index", sUint64))
	sBlockShare  = container(f("block", sVersionedBlock), f("signature", sSignature), f("share_index", sUint64))
	sSyncShare   = container(f("slot", sUint64), f("beacon_block_root", sRoot), f("validator_index", sUint64), f("signature", sSignature), f("share_index", sUint64))
	// SPEC.md section 12.
	sAggregationShare = container(f("type", sUint64), f("slot", sUint64), f("subcommittee_index", sUint64), f("validator_index", sUint64), f("signing_root", sRoot), f("signature", sSignature), f("share_index", sUint64))

	// SPEC.md section 8.4 and 8.14: QBFT containers.
	sInstanceID    = container(f("cluster", sRoot), f("validator", sPubkey), f("duty_type", sUint64), f("slot", sUint64))
	sMessage       = container(f("type", sUint64), f("instance", sInstanceID), f("round", sUint64), f("sender", sUint64), f("digest", sRoot), f("prepared_round", list(sUint64, 1)), f("prepared_digest", list(sRoot, 1)))
	sSignedPayload = container(f("message", sMessage), f("signature", fixedBytes(64)))
	sSignedMessage = container(f("message", sMessage), f("signature", fixedBytes(64)), f("value", byteList(10485760)),
		f("round_changes", list(sSignedPayload, 256)), f("prepares", list(sSignedPayload, 256)), f("commits", list(sSignedPayload, 256)))
	sSnapshot = container(f("instance", sInstanceID), f("n", sUint64), f("self", sUint64), f("started", sBool), f("round", sUint64),
		f("own_digest", list(sRoot, 1)), f("accepted_digest", list(sRoot, 1)), f("proposed_round", list(sUint64, 1)), f("committed_round", list(sUint64, 1)),
		f("prepared_round", list(sUint64, 1)), f("prepared_digest", list(sRoot, 1)), f("prepared_justification", list(sSignedPayload, 256)),
		f("decided_round", list(sUint64, 1)), f("decided_digest", list(sRoot, 1)), f("decided_commits", list(sSignedPayload, 256)),
		f("rejected_rounds", list(sUint64, 65)), f("answered", list(sUint64, 256)), f("messages", list(sSignedMessage, 131072)),
		f("values", list(byteList(10485760), 131072)))

	// SPEC.md section 7.5: the DVC state snapshot.
	sBucketRef          = container(f("slot", sUint64), f("message_root", sRoot))
	sPendingAttestation = container(f("duty", sAttestationDuty), f("data", sAttestationData))
	sProposerValidity   = container(f("duty", sProposerDuty), f("randao_reveal", sSignature))
	sPendingBlock       = container(f("duty", sProposerDuty), f("block", sVersionedBlock))
	sSyncInstance       = container(f("duty", sSyncCommitteeDuty), f("slot", sUint64), f("subcommittee_index", sUint64), f("decided", sBool))
	sAttesterSnapshot   = container(f("current_duty", list(sAttestationDuty, 1)), f("latest_duty", list(sAttestationDuty, 1)),
		f("duty_queue", list(sAttestationDuty, 65536)), f("active_instances", list(sAttestationDuty, 65536)),
		f("received_shares", list(sAttestationShare, 65536)), f("combined_messages", list(sBucketRef, 65536)),
		f("shares_to_broadcast", list(sAttestationShare, 65536)), f("future_decided", list(sAttestationData, 65536)),
		f("awaiting_vc", list(sPendingAttestation, 65536)), f("completed_slots", list(sUint64, 65536)))
	sProposerSnapshot = container(f("current_duty", list(sProposerDuty, 1)), f("latest_duty", list(sProposerDuty, 1)),
		f("active_instances", list(sProposerValidity, 65536)), f("received_randao_shares", list(sRandaoShare, 65536)),
		f("randao_shares_to_broadcast", list(sRandaoShare, 65536)), f("received_block_shares", list(sBlockShare, 65536)),
		f("combined_blocks", list(sBucketRef, 65536)), f("block_shares_to_broadcast", list(sBlockShare, 65536)),
		f("future_decided", list(sBeaconBlockHdr, 65536)), f("awaiting_vc", list(sPendingBlock, 65536)), f("completed_slots", list(sUint64, 65536)))
	sSyncCommitteeSnapshot = container(f("active_instances", list(sSyncInstance, 65536)), f("received_shares", list(sSyncShare, 65536)),
		f("combined_messages", list(sBucketRef, 65536)), f("shares_to_broadcast", list(sSyncShare, 65536)), f("awaiting_vc", list(sSyncContribution, 65536)))
	sDVCStateSnapshot = container(f("slashing_db", sSlashingDB), f("attester", sAttesterSnapshot), f("proposer", sProposerSnapshot), f("sync_committee", sSyncCommitteeSnapshot))

	// SPEC.md section 11: the cluster definition.
	sClusterFork      = container(f("version", fixedBytes(4)), f("epoch", sUint64))
	sClusterNetwork   = container(f("name", byteList(64)), f("genesis_validators_root", sRoot), f("slots_per_epoch", sUint64), f("forks", list(sClusterFork, 16)))
	sClusterOperator  = container(f("index", sUint64), f("node_public_key", sRoot))
	sClusterValidator = container(f("public_key", sPubkey), f("validator_index", list(sUint64, 1)), f("fee_recipient", fixedBytes(20)),
		f("withdrawal_address", list(fixedBytes(20), 1)), f("public_shares", list(sPubkey, 256)))
	sClusterDef = container(f("version", sUint64), f("name", byteList(256)), f("threshold", sUint64), f("network", sClusterNetwork),
		f("operators", list(sClusterOperator, 256)), f("validators", list(sClusterValidator, 1<<40)))
)

// specSchemas are the containers of SPEC.md sections 2 and 4.
var specSchemas = map[string]*schema{
	"ValidatorIdentity":             sValidatorIdentity,
	"CoValidator":                   sCoValidator,
	"DistributedValidator":          sDistributed,
	"State":                         sState,
	"AttestationDuty":               sAttestationDuty,
	"ProposerDuty":                  sProposerDuty,
	"SyncCommitteeDuty":             sSyncCommitteeDuty,
	"AggregatorDuty":                sAggregatorDuty,
	"SyncCommitteeContributionDuty": sContributionDuty,
	"SlashingDBBlock":               sSlashingDBBlock,
	"SlashingDBAttestation":         sSlashingDBAtt,
	"SlashingDBData":                sSlashingDBData,
	"SlashingDB":                    sSlashingDB,

	"VersionedBlock":            sVersionedBlock,
	"SignedVersionedBlock":      sSignedVersionedBlock,
	"AttestationShare":          sAttestationShare,
	"RandaoShare":               sRandaoShare,
	"BlockShare":                sBlockShare,
	"SyncCommitteeMessageShare": sSyncShare,
	"AggregationShare":          sAggregationShare,

	"InstanceID":    sInstanceID,
	"Message":       sMessage,
	"SignedPayload": sSignedPayload,
	"SignedMessage": sSignedMessage,
	"Snapshot":      sSnapshot,

	"BucketRef":             sBucketRef,
	"PendingAttestation":    sPendingAttestation,
	"ProposerValidity":      sProposerValidity,
	"PendingBlock":          sPendingBlock,
	"SyncInstance":          sSyncInstance,
	"AttesterSnapshot":      sAttesterSnapshot,
	"ProposerSnapshot":      sProposerSnapshot,
	"SyncCommitteeSnapshot": sSyncCommitteeSnapshot,
	"DVCStateSnapshot":      sDVCStateSnapshot,

	"ClusterDefinition": sClusterDef,
}

var zeroHashes = func() [64][32]byte {
	var z [64][32]byte
	for i := 1; i < 64; i++ {
		z[i] = sha256.Sum256(append(z[i-1][:], z[i-1][:]...))
	}
	return z
}()

// merkleize is consensus-specs merkleize(chunks, limit): the chunks padded
// with zero chunks to the next power of two of limit (or of their count).
func merkleize(chunks [][32]byte, limit uint64) ([32]byte, error) {
	if uint64(len(chunks)) > limit {
		return [32]byte{}, fmt.Errorf("%d chunks over the limit %d", len(chunks), limit)
	}
	depth := 0
	if limit > 1 {
		depth = bits.Len64(limit - 1)
	}
	layer := chunks
	for d := 0; d < depth; d++ {
		next := make([][32]byte, 0, (len(layer)+1)/2)
		for i := 0; i < len(layer); i += 2 {
			right := zeroHashes[d]
			if i+1 < len(layer) {
				right = layer[i+1]
			}
			next = append(next, sha256.Sum256(append(layer[i][:], right[:]...)))
		}
		layer = next
	}
	if len(layer) == 0 {
		return zeroHashes[depth], nil
	}
	return layer[0], nil
}

func mixInLength(root [32]byte, n int) [32]byte {
	var l [32]byte
	binary.LittleEndian.PutUint64(l[:8], uint64(n))
	return sha256.Sum256(append(root[:], l[:]...))
}

func packBytes(b []byte) [][32]byte {
	var out [][32]byte
	for i := 0; i < len(b); i += 32 {
		var c [32]byte
		copy(c[:], b[i:])
		out = append(out, c)
	}
	return out
}

func yamlUint(n *yaml.Node) (uint64, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0, fmt.Errorf("line %d: want an integer", n.Line)
	}
	return strconv.ParseUint(n.Value, 10, 64)
}

// schemaRoot is hash_tree_root of the YAML value n of type t. Mapping keys
// must be exactly the container's fields, in its order.
func schemaRoot(t *schema, n *yaml.Node) ([32]byte, error) {
	switch t.kind {
	case kindUint64:
		v, err := yamlUint(n)
		var c [32]byte
		binary.LittleEndian.PutUint64(c[:8], v)
		return c, err
	case kindBool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return [32]byte{}, fmt.Errorf("line %d: want a boolean", n.Line)
		}
		var c [32]byte
		if n.Value == "true" {
			c[0] = 1
		}
		return c, nil
	case kindByteList:
		var h Hex
		if err := h.UnmarshalYAML(n); err != nil {
			return [32]byte{}, err
		}
		if uint64(len(h)) > t.limit {
			return [32]byte{}, fmt.Errorf("line %d: %d bytes over the limit %d", n.Line, len(h), t.limit)
		}
		root, err := merkleize(packBytes(h), (t.limit+31)/32)
		return mixInLength(root, len(h)), err
	case kindBitvector:
		var h Hex
		if err := h.UnmarshalYAML(n); err != nil {
			return [32]byte{}, err
		}
		if len(h) != (t.size+7)/8 {
			return [32]byte{}, fmt.Errorf("line %d: %d bytes for %d bits", n.Line, len(h), t.size)
		}
		return merkleize(packBytes(h), uint64(t.size+255)/256)
	case kindBitlist:
		var h Hex
		if err := h.UnmarshalYAML(n); err != nil {
			return [32]byte{}, err
		}
		if len(h) == 0 || h[len(h)-1] == 0 {
			return [32]byte{}, fmt.Errorf("line %d: a bitlist ends with its delimiter bit", n.Line)
		}
		last := h[len(h)-1]
		top := bits.Len8(last) - 1 // the delimiter
		length := 8*(len(h)-1) + top
		if uint64(length) > t.limit {
			return [32]byte{}, fmt.Errorf("line %d: %d bits over the limit %d", n.Line, length, t.limit)
		}
		data := append([]byte{}, h...)
		data[len(data)-1] &^= 1 << top
		if top == 0 {
			data = data[:len(data)-1]
		}
		root, err := merkleize(packBytes(data), (t.limit+255)/256)
		return mixInLength(root, length), err
	case kindBytes:
		var h Hex
		if err := h.UnmarshalYAML(n); err != nil {
			return [32]byte{}, err
		}
		if len(h) != t.size {
			return [32]byte{}, fmt.Errorf("line %d: %d bytes, want %d", n.Line, len(h), t.size)
		}
		chunks := packBytes(h)
		return merkleize(chunks, uint64(len(chunks)))
	case kindList:
		if n.Kind != yaml.SequenceNode {
			return [32]byte{}, fmt.Errorf("line %d: want a list", n.Line)
		}
		if uint64(len(n.Content)) > t.limit {
			return [32]byte{}, fmt.Errorf("line %d: %d elements over the limit %d", n.Line, len(n.Content), t.limit)
		}
		var root [32]byte
		var err error
		if t.elem.kind == kindUint64 {
			packed := make([]byte, 0, 8*len(n.Content))
			for _, c := range n.Content {
				v, err := yamlUint(c)
				if err != nil {
					return root, err
				}
				packed = binary.LittleEndian.AppendUint64(packed, v)
			}
			root, err = merkleize(packBytes(packed), (t.limit*8+31)/32)
		} else {
			chunks := make([][32]byte, len(n.Content))
			for i, c := range n.Content {
				if chunks[i], err = schemaRoot(t.elem, c); err != nil {
					return root, err
				}
			}
			root, err = merkleize(chunks, t.limit)
		}
		return mixInLength(root, len(n.Content)), err
	case kindContainer:
		if n.Kind != yaml.MappingNode || len(n.Content) != 2*len(t.fields) {
			return [32]byte{}, fmt.Errorf("line %d: want a mapping of %d fields", n.Line, len(t.fields))
		}
		chunks := make([][32]byte, len(t.fields))
		for i, fd := range t.fields {
			if k := n.Content[2*i].Value; k != fd.name {
				return [32]byte{}, fmt.Errorf("line %d: field %d is %q, want %q", n.Line, i, k, fd.name)
			}
			r, err := schemaRoot(fd.t, n.Content[2*i+1])
			if err != nil {
				return r, fmt.Errorf("%s: %w", fd.name, err)
			}
			chunks[i] = r
		}
		return merkleize(chunks, uint64(len(chunks)))
	}
	return [32]byte{}, fmt.Errorf("bad schema")
}
