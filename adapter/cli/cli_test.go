package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dvspec/go-dvspec/impl/keys"
)

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, ExitUsage, "Commands:"},
		{[]string{"bogus"}, ExitUsage, "unknown command"},
		{[]string{"run"}, ExitUsage, "--cluster, --node-dir and --beacon-node-url are required"},
		{[]string{"run", "--cluster", filepath.Join(dir, "nope.json"), "--node-dir", dir, "--beacon-node-url", "http://127.0.0.1:1"}, ExitUsage, "cluster definition"},
		{[]string{"run", "--log-level", "loud", "--cluster", "x", "--node-dir", "y", "--beacon-node-url", "z"}, ExitUsage, "--log-level"},
		{[]string{"devnet", "--nodes", "0"}, ExitFailure, "--nodes 0"},
		{[]string{"devnet", "--stop-node", "9@1"}, ExitFailure, "no such node"},
		{[]string{"devnet", "--restart-node", "2@3"}, ExitFailure, "without --stop-node"},
		{[]string{"devnet", "--stop-node", "2"}, ExitUsage, "NODE@SLOT"},
		{[]string{"replay"}, ExitUsage, "exactly one trace file"},
		{[]string{"diff", "a"}, ExitUsage, "two trace files"},
		{[]string{"slashing-db", "sideways"}, ExitUsage, "import|export"},
		{[]string{"conformance", "self-test", "--mode", "sideways"}, ExitUsage, `--mode "sideways"`},
		{[]string{"conformance", "self-test", "--vc-patterns", "default,teku"}, ExitUsage, `--vc-patterns: "teku"`},
		{[]string{"conformance", "serve", "--mode", "both", "--out", dir}, ExitUsage, "--mode: want remote-signer or vc-middleware"},
	}
	for _, c := range cases {
		code, out, errs := runCLI(c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("dvnode %v: exit %d, want %d; output lacks %q:\n%s%s", c.args, code, c.code, c.want, out, errs)
		}
	}
}

func TestRunRefusesAForeignNodeKey(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if _, err := keys.GenerateDevnet(a, keys.DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.GenerateDevnet(b, keys.DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("b")}); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("run", "--cluster", filepath.Join(a, "cluster.json"), "--node-dir", keys.NodeDir(b, 1), "--beacon-node-url", "http://127.0.0.1:1")
	if code != ExitUsage || !strings.Contains(errs, "is not an operator of the cluster definition") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// TestSlashingDBImportExport imports an EIP-3076 file into a node's
// slashing DB and exports it again.
func TestSlashingDBImportExport(t *testing.T) {
	dir := t.TempDir()
	def, err := keys.GenerateDevnet(dir, keys.DevnetConfig{Operators: 4, Validators: 1, Seed: []byte("s")})
	if err != nil {
		t.Fatal(err)
	}
	gvr := def.Network.GenesisValidatorsRoot
	share := def.Validators[0].PublicShares[0]
	file := map[string]any{
		"metadata": map[string]string{"interchange_format_version": "5", "genesis_validators_root": "0x" + hexOf(gvr[:])},
		"data": []map[string]any{{
			"pubkey":              "0x" + hexOf(share[:]),
			"signed_blocks":       []map[string]string{{"slot": "7"}},
			"signed_attestations": []map[string]string{{"source_epoch": "1", "target_epoch": "2"}},
		}},
	}
	raw, _ := json.Marshal(file)
	in := filepath.Join(dir, "in.json")
	if err := os.WriteFile(in, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cluster := filepath.Join(dir, "cluster.json")
	nodeDir := keys.NodeDir(dir, 1)
	code, out, errs := runCLI("slashing-db", "import", "--cluster", cluster, "--data-dir", nodeDir, in)
	if code != ExitOK || !strings.Contains(out, "1 blocks (1 new), 1 attestations (1 new)") {
		t.Fatalf("import: exit %d: %s%s", code, out, errs)
	}
	code, out, errs = runCLI("slashing-db", "export", "--cluster", cluster, "--data-dir", nodeDir)
	if code != ExitOK {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	var got struct {
		Data []struct {
			Pubkey       string `json:"pubkey"`
			SignedBlocks []struct {
				Slot string `json:"slot"`
			} `json:"signed_blocks"`
			SignedAttestations []struct {
				Target string `json:"target_epoch"`
			} `json:"signed_attestations"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	if len(got.Data) != 1 || got.Data[0].Pubkey != "0x"+hexOf(share[:]) || got.Data[0].SignedBlocks[0].Slot != "7" || got.Data[0].SignedAttestations[0].Target != "2" {
		t.Fatalf("export: %s", out)
	}
	// A file of another chain is refused and changes nothing.
	file["metadata"] = map[string]string{"interchange_format_version": "5", "genesis_validators_root": "0x" + strings.Repeat("ab", 32)}
	raw, _ = json.Marshal(file)
	if err := os.WriteFile(in, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("slashing-db", "import", "--cluster", cluster, "--data-dir", nodeDir, in); code != ExitFailure || errs == "" {
		t.Fatalf("foreign chain imported: exit %d %s", code, errs)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestCreateCluster(t *testing.T) {
	out := filepath.Join(t.TempDir(), "c")
	code, stdout, stderr := runCLI("create", "cluster", "--nodes", "4", "--validators", "2", "--network", "sepolia",
		"--fee-recipient", "0x00000000000000000000000000000000000000fe,0x00000000000000000000000000000000000000fd",
		"--withdrawal-address", "0x1111111111111111111111111111111111111111", "--kdf", "insecure-fast", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	def, err := keys.LoadClusterDefinition(filepath.Join(out, "cluster.json"))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := def.ID()
	if !strings.Contains(stdout, fmt.Sprintf("cluster ID %#x", id[:])) || !strings.Contains(stdout, "dvnode run --cluster") {
		t.Errorf("output lacks the cluster ID or the next steps:\n%s", stdout)
	}
	if def.Validators[1].FeeRecipient[19] != 0xfd || string(def.Network.Name) != "sepolia" {
		t.Errorf("fee recipient %#x, network %s", def.Validators[1].FeeRecipient, def.Network.Name)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"create"}, "dvnode create cluster"},
		{[]string{"create", "cluster", "--kdf", "md5"}, "--kdf"},
		{[]string{"create", "cluster", "--fee-recipient", "fe"}, "--fee-recipient"},
		{[]string{"create", "cluster", "--withdrawal-address", "0x12"}, "--withdrawal-address"},
		{[]string{"create", "cluster", "--validators", "1", "--network", "mainnet", "--fee-recipient", "0x00000000000000000000000000000000000000fe"}, "--withdrawal-address"},
		{[]string{"create", "cluster", "--validators", "1", "--network", "mainnet", "--withdrawal-address", "0x00000000000000000000000000000000000000fe", "--out", out + "2"}, "--fee-recipient"},
	} {
		code, stdout, stderr := runCLI(c.args...)
		if code != ExitUsage || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("dvnode %v: exit %d, output lacks %q:\n%s%s", c.args, code, c.want, stdout, stderr)
		}
	}
}
