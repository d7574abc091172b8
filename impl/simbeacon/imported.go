package simbeacon

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	apiv1deneb "github.com/attestantio/go-eth2-client/api/v1/deneb"
	apiv1electra "github.com/attestantio/go-eth2-client/api/v1/electra"
	apiv1fulu "github.com/attestantio/go-eth2-client/api/v1/fulu"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// importedBlocks keeps the signed blocks the node accepted, the ones it
// has "imported", so a client following the block event stream can fetch
// them (GET /eth/v2/beacon/blocks/{block_id}). Only the newest
// maxImported are kept.
type importedBlocks struct {
	mu     sync.Mutex
	byRoot map[phase0.Root]*importedBlock
	bySlot map[phase0.Slot]phase0.Root
	order  []phase0.Root
}

type importedBlock struct {
	version eth2spec.DataVersion
	slot    phase0.Slot
	// signed is the fork's SignedBeaconBlock (never block contents).
	signed any
}

const maxImported = 1024

func newImportedBlocks() *importedBlocks {
	return &importedBlocks{byRoot: map[phase0.Root]*importedBlock{}, bySlot: map[phase0.Slot]phase0.Root{}}
}

func (b *importedBlocks) add(root phase0.Root, blk *importedBlock) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.byRoot[root]; ok {
		return
	}
	b.byRoot[root] = blk
	b.bySlot[blk.slot] = root
	b.order = append(b.order, root)
	if len(b.order) > maxImported {
		old := b.byRoot[b.order[0]]
		delete(b.byRoot, b.order[0])
		if b.bySlot[old.slot] == b.order[0] {
			delete(b.bySlot, old.slot)
		}
		b.order = b.order[1:]
	}
}

// get resolves a block id: "head" (the newest accepted block), a 0x root
// or a decimal slot.
func (b *importedBlocks) get(id string) (*importedBlock, *apiError) {
	b.mu.Lock()
	defer b.mu.Unlock()
	notFound := &apiError{status: http.StatusNotFound, message: "block not found: this node serves the blocks it accepted"}
	switch {
	case id == "head":
		if len(b.order) == 0 {
			return nil, notFound
		}
		newest := b.order[0]
		for _, r := range b.order {
			if b.byRoot[r].slot >= b.byRoot[newest].slot {
				newest = r
			}
		}
		return b.byRoot[newest], nil
	case strings.HasPrefix(id, "0x"):
		raw, err := hex.DecodeString(id[2:])
		if err != nil || len(raw) != 32 {
			return nil, badRequest("invalid block id %q", id)
		}
		if blk := b.byRoot[phase0.Root(raw)]; blk != nil {
			return blk, nil
		}
		return nil, notFound
	case id == "genesis" || id == "finalized" || id == "justified":
		return nil, notFound
	}
	slot, err := strconv.ParseUint(id, 10, 64)
	if err != nil || strconv.FormatUint(slot, 10) != id {
		return nil, badRequest("invalid block id %q", id)
	}
	if r, ok := b.bySlot[phase0.Slot(slot)]; ok {
		return b.byRoot[r], nil
	}
	return nil, notFound
}

// signedBlockResponse is the GET /eth/v2/beacon/blocks/{block_id} answer.
type signedBlockResponse struct {
	Version             string `json:"version"`
	ExecutionOptimistic bool   `json:"execution_optimistic"`
	Finalized           bool   `json:"finalized"`
	Data                any    `json:"data"`
}

// handleSignedBlock serves an accepted block as JSON (whatever Accept
// says, as the node's other JSON-only answers).
func (n *Node) handleSignedBlock(w http.ResponseWriter, r *request) *apiError {
	blk, aerr := n.imported.get(r.params["block_id"])
	if aerr != nil {
		return aerr
	}
	w.Header().Set(ethnode.HeaderConsensusVersion, versionName(blk.version))
	writeJSON(w, http.StatusOK, &signedBlockResponse{Version: versionName(blk.version), Finalized: n.isFinalized(blk.slot), Data: blk.signed})
	return nil
}

// signedMessage is the SignedBeaconBlock of a published container (block
// contents carry it inside).
func signedMessage(c any) any {
	switch b := c.(type) {
	case *apiv1deneb.SignedBlockContents:
		return b.SignedBlock
	case *apiv1electra.SignedBlockContents:
		return b.SignedBlock
	case *apiv1fulu.SignedBlockContents:
		return b.SignedBlock
	}
	return c
}
