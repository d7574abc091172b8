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
