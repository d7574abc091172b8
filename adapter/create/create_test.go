package create

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func testRandom(seed byte) *rand.ChaCha8 { return rand.NewChaCha8([32]byte{seed}) }

var (
	feeA = bellatrix.ExecutionAddress{0xfe, 1}
	feeB = bellatrix.ExecutionAddress{0xfe, 2}
	wdr  = bellatrix.ExecutionAddress{0xaa}
)

// writeInteropKeystores writes keystores of interop keys 0..n-1 to dir:
// the first with its own <name>.txt password file, the others sharing
// password.txt; plus a staking-deposit-cli deposit file to be ignored.
func writeInteropKeystores(t *testing.T, dir string, n int) []phase0.BLSPubKey {
	t.Helper()
	var pks []phase0.BLSPubKey
	for i := 0; i < n; i++ {
		sk, err := bls.InteropSecretKey(uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		pk, _ := sk.PublicKey()
		pks = append(pks, pk)
		pw := "shared password"
		name := filepath.Join(dir, "keystore-"+hex.EncodeToString(pk[:4])+".json")
		if i == 0 {
			pw = "own password"
			if err := os.WriteFile(strings.TrimSuffix(name, ".json")+".txt", []byte(pw+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		ks, err := keys.EncryptKeystore(sk, pw, keys.KDFInsecureFast, testRandom(byte(i)), "", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := keys.WriteKeystoreFile(name, ks); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "password.txt"), []byte("shared password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "deposit_data-1.json"), []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	return pks
}

// sharesSign checks that shares 2..M+1 of every validator, read back from
// the node directories, sign like the validator key.
func sharesSign(t *testing.T, res *Result, m int) {
	t.Helper()
	msg := make([]byte, 32)
	msg[0] = 7
	for _, v := range res.Definition.Validators {
		var parts []bls.PartialSignature
		for i := 2; i <= m+1; i++ {
			dir := res.NodeDirs[i-1]
			pw, err := keys.ReadPasswordFile(filepath.Join(dir, keys.KeystorePasswordFile))
			if err != nil {
				t.Fatal(err)
			}
			sk, _, err := keys.ReadKeystoreFile(filepath.Join(dir, keys.KeystoresDir, keys.ShareKeystoreName(v.PublicShares[i-1])), pw)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := bls.Sign(sk, msg)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, bls.PartialSignature{Index: uint64(i), Signature: sig})
		}
		sig, err := bls.RecoverSignature(parts, m)
		if err != nil {
			t.Fatal(err)
		}
		if !bls.Verify(v.PublicKey, msg, sig) {
			t.Fatalf("validator %#x: the shares do not sign for it", v.PublicKey[:4])
		}
	}
}

func TestCreateSplitsExistingKeys(t *testing.T) {
	in := t.TempDir()
	pks := writeInteropKeystores(t, in, 3)
	out := filepath.Join(t.TempDir(), "cluster")
	res, err := Create(context.Background(), Options{Nodes: 4, SplitDir: in, Network: "devnet", DevnetRegistrySize: 16,
		FeeRecipients: []bellatrix.ExecutionAddress{feeA, feeB, feeA}, OutDir: out, KDF: keys.KDFInsecureFast, Random: testRandom(9)})
	if err != nil {
		t.Fatal(err)
	}
	def, err := keys.LoadClusterDefinition(filepath.Join(out, "cluster.json"))
	if err != nil {
		t.Fatal(err)
	}
	if def.Threshold != 3 || len(def.Operators) != 4 || len(def.Validators) != 3 {
		t.Fatalf("threshold %d, %d operators, %d validators", def.Threshold, len(def.Operators), len(def.Validators))
	}
	got := map[phase0.BLSPubKey]bellatrix.ExecutionAddress{}
	for _, v := range def.Validators {
		got[v.PublicKey] = v.FeeRecipient
		if len(v.ValidatorIndex) != 0 || len(v.WithdrawalAddress) != 0 {
			t.Errorf("%#x: index %v, withdrawal %v: neither is known", v.PublicKey[:4], v.ValidatorIndex, v.WithdrawalAddress)
		}
	}
	for i, pk := range pks {
		if _, ok := got[pk]; !ok {
			t.Fatalf("interop key %d is not in the cluster", i)
		}
	}
	// Keystores are taken in file-name order, and so are the fee recipients.
	for i, v := range def.Validators {
		want := []bellatrix.ExecutionAddress{feeA, feeB, feeA}[i]
		if v.FeeRecipient != want {
			t.Errorf("validator %d pays %#x, want %#x", i, v.FeeRecipient[:], want[:])
		}
	}
	for i, op := range def.Operators {
		if want := "/ip4/127.0.0.1/tcp/" + []string{"9000", "9001", "9002", "9003"}[i]; op.Address() != want {
			t.Errorf("operator %d address %s, want %s", i+1, op.Address(), want)
		}
		sk, err := keys.ReadNodeKeyFile(filepath.Join(res.NodeDirs[i], keys.NodeKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		if keys.NodePublicKey(sk) != op.NodePublicKey {
			t.Errorf("operator %d: node key file and cluster.json differ", i+1)
		}
		copyDef, err := keys.LoadClusterDefinition(filepath.Join(res.NodeDirs[i], "cluster.json"))
		if err != nil {
			t.Fatal(err)
		}
		if id, _ := copyDef.ID(); id != res.ID {
			t.Errorf("node %d's cluster.json has another cluster ID", i+1)
		}
	}
	sharesSign(t, res, 3)
	// The devnet network is the simulated chain's.
	probe, err := simbeacon.New(simbeacon.Config{Validators: 16, GenesisTime: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	if def.Network.GenesisValidatorsRoot != probe.SigningChain().GenesisValidatorsRoot {
		t.Error("--network devnet is not the simulated chain")
	}
}

func TestCreateNewKeysWithDeposits(t *testing.T) {
	out := filepath.Join(t.TempDir(), "c")
	now := time.Unix(1700000000, 0)
	res, err := Create(context.Background(), Options{Nodes: 7, Threshold: 6, Validators: 2, Network: "hoodi", FeeRecipients: []bellatrix.ExecutionAddress{feeA},
		WithdrawalAddress: &wdr, Addresses: []string{"/dns4/a.example/tcp/1", "/dns4/b.example/tcp/1", "/ip4/10.0.0.3/tcp/9000", "/ip4/10.0.0.4/tcp/9000",
			"/ip4/10.0.0.5/tcp/9000", "/ip6/::1/tcp/9000", "/ip4/10.0.0.7/udp/9000/quic-v1"},
		OutDir: out, KDF: keys.KDFInsecureFast, Random: testRandom(3), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if res.DepositFile != filepath.Join(out, "deposit_data-1700000000.json") {
		t.Fatalf("deposit file %s", res.DepositFile)
	}
	sharesSign(t, res, 6)
	b, err := os.ReadFile(res.DepositFile)
	if err != nil {
		t.Fatal(err)
	}
	var deps []map[string]any
	if err := json.Unmarshal(b, &deps); err != nil {
		t.Fatal(err)
	}
	if len(deps) != 2 {
		t.Fatalf("%d deposits", len(deps))
	}
	// Verify every deposit as consensus-specs is_valid_deposit_signature
	// does, from the file's fields alone.
	domain, err := signing.ComputeDomain(signing.DomainDeposit, phase0.Version{0x10, 0x00, 0x09, 0x10}, phase0.Root{})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range deps {
		for _, k := range []string{"pubkey", "withdrawal_credentials", "amount", "signature", "deposit_message_root", "deposit_data_root", "fork_version", "network_name", "deposit_cli_version"} {
			if _, ok := d[k]; !ok {
				t.Errorf("deposit %d: no %s", i, k)
			}
		}
		if d["fork_version"] != "10000910" || d["network_name"] != "hoodi" || d["amount"] != float64(32000000000) {
			t.Errorf("deposit %d: %v %v %v", i, d["fork_version"], d["network_name"], d["amount"])
		}
		if d["withdrawal_credentials"] != "01"+strings.Repeat("00", 11)+hex.EncodeToString(wdr[:]) {
			t.Errorf("deposit %d: withdrawal credentials %v", i, d["withdrawal_credentials"])
		}
		var pk phase0.BLSPubKey
		var sig phase0.BLSSignature
		hexInto(t, d["pubkey"], pk[:])
		hexInto(t, d["signature"], sig[:])
		if pk != res.Definition.Validators[i].PublicKey {
			t.Errorf("deposit %d is for another key", i)
		}
		wc, _ := hex.DecodeString(d["withdrawal_credentials"].(string))
		msg := &phase0.DepositMessage{PublicKey: pk, WithdrawalCredentials: wc, Amount: 32000000000}
		msgRoot, _ := msg.HashTreeRoot()
		if hex.EncodeToString(msgRoot[:]) != d["deposit_message_root"] {
			t.Errorf("deposit %d: deposit_message_root", i)
		}
		root, err := signing.ComputeSigningRoot(msg, domain)
		if err != nil {
			t.Fatal(err)
		}
		if !bls.Verify(pk, root[:], sig) {
			t.Errorf("deposit %d: signature does not verify", i)
		}
		dd := &phase0.DepositData{PublicKey: pk, WithdrawalCredentials: wc, Amount: 32000000000, Signature: sig}
		ddRoot, _ := dd.HashTreeRoot()
		if hex.EncodeToString(ddRoot[:]) != d["deposit_data_root"] {
			t.Errorf("deposit %d: deposit_data_root", i)
		}
		if v := res.Definition.Validators[i]; len(v.WithdrawalAddress) != 1 || v.WithdrawalAddress[0] != wdr {
			t.Errorf("validator %d: withdrawal address not recorded", i)
		}
	}
}

func hexInto(t *testing.T, v any, dst []byte) {
	t.Helper()
	s, _ := v.(string)
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(dst) {
		t.Fatalf("%q: want %d bytes of hex", s, len(dst))
	}
	copy(dst, b)
}

// TestCreateRefusesBadInput: every bad option is refused with an error
// naming its flag, and nothing is written.
func TestCreateRefusesBadInput(t *testing.T) {
	in := t.TempDir()
	writeInteropKeystores(t, in, 2)
	wrongPW := t.TempDir()
	writeInteropKeystores(t, wrongPW, 2)
	if err := os.WriteFile(filepath.Join(wrongPW, "password.txt"), []byte("nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noPW := t.TempDir()
	writeInteropKeystores(t, noPW, 2)
	if err := os.Remove(filepath.Join(noPW, "password.txt")); err != nil {
		t.Fatal(err)
	}
	nonEmpty := t.TempDir()
	if err := os.WriteFile(filepath.Join(nonEmpty, "keep"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := func() Options {
		return Options{Nodes: 4, SplitDir: in, Network: "mainnet", FeeRecipients: []bellatrix.ExecutionAddress{feeA},
			KDF: keys.KDFInsecureFast, Random: testRandom(1)}
	}
	cases := []struct {
		name, flag string
		mut        func(o *Options)
	}{
		{"no nodes", "--nodes", func(o *Options) { o.Nodes = 0 }},
		{"too many nodes", "--nodes", func(o *Options) { o.Nodes = 257 }},
		{"threshold too low", "--threshold", func(o *Options) { o.Threshold = 2 }},
		{"threshold above N", "--threshold", func(o *Options) { o.Threshold = 5 }},
		{"both key sources", "--split-existing-keys", func(o *Options) { o.Validators = 1; o.WithdrawalAddress = &wdr }},
		{"no key source", "--split-existing-keys", func(o *Options) { o.SplitDir = "" }},
		{"new keys without withdrawal", "--withdrawal-address", func(o *Options) { o.SplitDir = ""; o.Validators = 1 }},
		{"zero withdrawal", "--withdrawal-address", func(o *Options) { z := bellatrix.ExecutionAddress{}; o.WithdrawalAddress = &z }},
		{"no fee recipient", "--fee-recipient", func(o *Options) { o.FeeRecipients = nil }},
		{"fee recipient count", "--fee-recipient", func(o *Options) { o.FeeRecipients = []bellatrix.ExecutionAddress{feeA, feeB, feeA} }},
		{"zero fee recipient", "--fee-recipient", func(o *Options) { o.FeeRecipients = []bellatrix.ExecutionAddress{{}} }},
		{"no network", "--network", func(o *Options) { o.Network = "" }},
		{"unknown network", "--network", func(o *Options) { o.Network = "holesky" }},
		{"address count", "--operator-address", func(o *Options) { o.Addresses = []string{"/ip4/1.2.3.4/tcp/1"} }},
		{"bad address", "--operator-address", func(o *Options) {
			o.Addresses = []string{"/ip4/1.2.3.4/tcp/1", "1.2.3.4:9000", "/ip4/1.2.3.4/tcp/3", "/ip4/1.2.3.4/tcp/4"}
		}},
		{"duplicate address", "--operator-address", func(o *Options) {
			o.Addresses = []string{"/ip4/1.2.3.4/tcp/1", "/ip4/1.2.3.4/tcp/1", "/ip4/1.2.3.4/tcp/3", "/ip4/1.2.3.4/tcp/4"}
		}},
		{"base port", "--base-port", func(o *Options) { o.BasePort = 65534 }},
		{"missing key dir", "--split-existing-keys", func(o *Options) { o.SplitDir = filepath.Join(in, "absent") }},
		{"empty key dir", "--split-existing-keys", func(o *Options) { o.SplitDir = t.TempDir() }},
		{"wrong password", "--split-existing-keys", func(o *Options) { o.SplitDir = wrongPW }},
		{"no password file", "--split-existing-keys", func(o *Options) { o.SplitDir = noPW }},
		{"wrong --password-file", "--split-existing-keys", func(o *Options) { o.PasswordFile = filepath.Join(in, "password.txt") }},
		{"missing --password-file", "--split-existing-keys", func(o *Options) { o.PasswordFile = filepath.Join(in, "absent.txt") }},
		{"--password-file without keystores", "--password-file", func(o *Options) {
			o.SplitDir, o.Validators, o.WithdrawalAddress, o.PasswordFile = "", 1, &wdr, filepath.Join(in, "password.txt")
		}},
		{"name with newline", "--name", func(o *Options) { o.Name = "a\nb" }},
		{"no out", "--out", func(o *Options) { o.OutDir = "" }},
		{"non-empty out", "--out", func(o *Options) { o.OutDir = nonEmpty }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := base()
			o.OutDir = filepath.Join(t.TempDir(), "out")
			tc.mut(&o)
			_, err := Create(context.Background(), o)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.flag) {
				t.Fatalf("error %q does not name %s", err, tc.flag)
			}
			if o.OutDir != nonEmpty && o.OutDir != "" {
				if _, err := os.Stat(o.OutDir); err == nil {
					t.Fatal("a refused cluster left files behind")
				}
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(nonEmpty, "keep")); err != nil || string(b) != "x" {
		t.Fatal("a refused cluster touched an existing directory")
	}
}

func TestKnownNetworks(t *testing.T) {
	main, err := NetworkByName("mainnet", 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := main.ForkSchedule()
	if err != nil {
		t.Fatal(err)
	}
	want := signing.MainnetForkSchedule().Forks()
	if got := s.Forks(); len(got) != len(want) {
		t.Fatalf("mainnet: %d forks, want %d", len(got), len(want))
	}
	for i, f := range s.Forks() {
		if f != want[i] {
			t.Errorf("mainnet fork %d: %+v, want %+v", i, f, want[i])
		}
	}
	for _, name := range []string{"sepolia", "hoodi"} {
		n, err := NetworkByName(name, 0)
		if err != nil {
			t.Fatal(err)
		}
		if string(n.Name) != name || n.SlotsPerEpoch != 32 || len(n.Forks) != int(eth2spec.DataVersionFulu-eth2spec.DataVersionPhase0)+1 {
			t.Errorf("%s: %s, %d slots per epoch, %d forks", name, n.Name, n.SlotsPerEpoch, len(n.Forks))
		}
	}
}

// TestNetworkFromBeaconNode reads the simulated beacon node's chain over
// its HTTP API and gets the chain it signs with.
func TestNetworkFromBeaconNode(t *testing.T) {
	sb, err := simbeacon.New(simbeacon.Config{Chain: spec.MinimalConfig(), Validators: 8, GenesisTime: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	addr, err := sb.ListenAndServe("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n, err := NetworkFromBeaconNode(context.Background(), "http://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	got, err := n.Chain()
	if err != nil {
		t.Fatal(err)
	}
	want := sb.SigningChain()
	if got.GenesisValidatorsRoot != want.GenesisValidatorsRoot || got.SlotsPerEpoch != want.SlotsPerEpoch {
		t.Fatalf("gvr %#x spe %d, want %#x %d", got.GenesisValidatorsRoot[:], got.SlotsPerEpoch, want.GenesisValidatorsRoot[:], want.SlotsPerEpoch)
	}
	gf, wf := got.Forks.Forks(), want.Forks.Forks()
	if len(gf) != len(wf) {
		t.Fatalf("%d forks, want %d", len(gf), len(wf))
	}
	for i := range gf {
		if gf[i] != wf[i] {
			t.Errorf("fork %d: %+v, want %+v", i, gf[i], wf[i])
		}
	}
	if _, err := NetworkFromBeaconNode(context.Background(), "http://127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "--beacon-node-url") {
		t.Errorf("an unreachable beacon node: %v", err)
	}
}
