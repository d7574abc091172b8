package remotesigner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// The test chain: mainnet fork versions, fork k (phase0 = 0 .. fulu = 6)
// active from epoch k, 32 slots per epoch, genesis validators root 0xab..ab.
const testSlotsPerEpoch = 32

var testGVR = func() phase0.Root {
	var r phase0.Root
	for i := range r {
		r[i] = 0xab
	}
	return r
}()

func testForks() signing.ForkSchedule {
	var forks []signing.Fork
	for v := eth2spec.DataVersionPhase0; v <= eth2spec.DataVersionFulu; v++ {
		i := byte(v - eth2spec.DataVersionPhase0)
		forks = append(forks, signing.Fork{Name: v, Version: phase0.Version{i, 0, 0, 0}, Epoch: phase0.Epoch(i)})
	}
	s, err := signing.NewForkSchedule(forks...)
	if err != nil {
		panic(err)
	}
	return s
}

func testChain() signing.Chain {
	return signing.Chain{Forks: testForks(), GenesisValidatorsRoot: testGVR, SlotsPerEpoch: testSlotsPerEpoch}
}

// firstSlot is the first slot of fork v on the test chain.
func firstSlot(v eth2spec.DataVersion) phase0.Slot {
	return phase0.Slot(uint64(v-eth2spec.DataVersionPhase0) * testSlotsPerEpoch)
}

// forkInfo is the fork_info at epoch on the test chain.
func forkInfo(t testing.TB, epoch phase0.Epoch) *ethnode.ForkInfo {
	t.Helper()
	fi, err := ethnode.ForkInfoAt(testForks(), testGVR, epoch)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// devnet is one generated 4-node cluster with 2 validators, shared by the
// tests of the package (generation is deterministic and read-only after).
var devnet struct {
	once sync.Once
	dir  string
	def  *cluster.Definition
	err  error
}

func testDevnet(t testing.TB) (string, *cluster.Definition) {
	t.Helper()
	devnet.once.Do(func() {
		devnet.dir, devnet.err = os.MkdirTemp("", "remotesigner-devnet-")
		if devnet.err != nil {
			return
		}
		devnet.def, devnet.err = keys.GenerateDevnet(devnet.dir, keys.DevnetConfig{
			Operators: 4, Validators: 2, InteropStart: 10, Seed: []byte("remotesigner tests"),
			Network: cluster.NetworkFromSchedule("test", testGVR, testSlotsPerEpoch, testForks()),
		})
	})
	if devnet.err != nil {
		t.Fatal(devnet.err)
	}
	return devnet.dir, devnet.def
}

func TestMain(m *testing.M) {
	code := m.Run()
	if devnet.dir != "" {
		os.RemoveAll(devnet.dir)
	}
	os.Exit(code)
}

// signerFixture is node 1's embedded signer, served on 127.0.0.1, and a
// client of it.
type signerFixture struct {
	srv    *Server
	client *Client
	url    string
	share  phase0.BLSPubKey // node 1's share of validator 0
	share2 phase0.BLSPubKey // node 1's share of validator 1
}

// testToken is the fixture signer's bearer token.
const testToken = "fixture-token-0123456789"

func newSigner(t testing.TB, store SlashingStore) *signerFixture {
	t.Helper()
	dir, def := testDevnet(t)
	node := keys.NodeDir(dir, 1)
	sks, err := LoadKeystores(KeystoreConfig{Dir: filepath.Join(node, keys.KeystoresDir), PasswordFile: filepath.Join(node, keys.KeystorePasswordFile)})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ConfigFromCluster(def)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Keys = sks
	cfg.Slashing = store
	cfg.AuthToken = testToken
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	url := "http://" + addr.String()
	client, err := NewClient(url, WithBearerToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	return &signerFixture{srv: srv, client: client, url: url,
		share: def.Validators[0].PublicShares[0], share2: def.Validators[1].PublicShares[0]}
}

// post sends a raw body to the signing endpoint and returns the status
// and body.
func (f *signerFixture) post(t testing.TB, pk phase0.BLSPubKey, body []byte, accept string) (int, []byte) {
	t.Helper()
	return f.postPath(t, fmt.Sprintf("/api/v1/eth2/sign/%#x", pk[:]), body, accept)
}

func (f *signerFixture) postPath(t testing.TB, path string, body []byte, accept string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, f.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// dbRoot is the hash tree root of the signer's slashing DB.
func (f *signerFixture) dbRoot(t testing.TB) phase0.Root {
	t.Helper()
	r, err := f.srv.SlashingDB().HashTreeRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
