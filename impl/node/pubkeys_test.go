package node

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// registryBN answers POST validators from a registry of size keys (key i
// has i+1 in its first byte pair), recording every request's indices.
type registryBN struct {
	ethnode.BeaconNode
	size  int
	mu    sync.Mutex
	asked [][]phase0.ValidatorIndex
}

func regKey(vi phase0.ValidatorIndex) phase0.BLSPubKey {
	var pk phase0.BLSPubKey
	pk[0], pk[1] = byte(vi>>8), byte(vi)
	pk[47] = 0xaa
	return pk
}

func (r *registryBN) Validators(_ context.Context, _ string, indices []phase0.ValidatorIndex, _ []phase0.BLSPubKey) (map[phase0.ValidatorIndex]*apiv1.Validator, error) {
	r.mu.Lock()
	r.asked = append(r.asked, append([]phase0.ValidatorIndex(nil), indices...))
	r.mu.Unlock()
	out := map[phase0.ValidatorIndex]*apiv1.Validator{}
	for _, vi := range indices {
		if int(vi) < r.size {
			out[vi] = &apiv1.Validator{Index: vi, Validator: &phase0.Validator{PublicKey: regKey(vi)}}
		}
	}
	return out, nil
}

// TestValidatorKeysChunkedAndCached: keys come from the beacon node in
// chunks of at most pubkeyChunk indices, each index asked once for the
// life of the node; an index the beacon node does not know is an error
// naming it.
func TestValidatorKeysChunkedAndCached(t *testing.T) {
	fx := newLoopFixture(t, &scriptedSigner{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fx.n.ctx = ctx
	fx.now.Store(time.Now().UnixNano())
	bn := &registryBN{size: 3*pubkeyChunk + 10}
	fx.n.cfg.BeaconNode = bn
	deadline := time.Now().Add(time.Minute)

	var first []phase0.ValidatorIndex
	for vi := range 2*pubkeyChunk + 5 {
		first = append(first, phase0.ValidatorIndex(vi), phase0.ValidatorIndex(vi)) // repeats
	}
	keys, err := fx.n.validatorKeys(deadline, first)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2*pubkeyChunk+5 {
		t.Fatalf("%d keys, want %d", len(keys), 2*pubkeyChunk+5)
	}
	for vi, pk := range keys {
		if pk != regKey(vi) {
			t.Fatalf("key of %d is %#x", vi, pk[:2])
		}
	}
	if len(bn.asked) != 3 || len(bn.asked[0]) != pubkeyChunk || len(bn.asked[2]) != 5 {
		t.Fatalf("requests of %d, %d... indices (%d requests), want chunks of %d", len(bn.asked[0]), len(bn.asked[len(bn.asked)-1]), len(bn.asked), pubkeyChunk)
	}

	// The same indices again, and a few new ones: only the new are asked.
	more := append(first[:10:10], phase0.ValidatorIndex(3*pubkeyChunk), phase0.ValidatorIndex(3*pubkeyChunk+1))
	if _, err := fx.n.validatorKeys(deadline, more); err != nil {
		t.Fatal(err)
	}
	if len(bn.asked) != 4 || len(bn.asked[3]) != 2 {
		t.Fatalf("second call asked %v, want only the 2 new indices", bn.asked[3:])
	}

	unknown := phase0.ValidatorIndex(bn.size + 7)
	_, err = fx.n.validatorKeys(deadline, []phase0.ValidatorIndex{5, unknown})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("validator %d unknown", unknown)) {
		t.Fatalf("unknown index: err %v", err)
	}
}
