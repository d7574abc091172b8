package keys

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// TestLoadClusterDefinitionCache: loading the same file again gives an
// equal definition that is the caller's own copy, and a changed file is
// parsed and validated again (a broken one refused).
func TestLoadClusterDefinitionCache(t *testing.T) {
	dir := t.TempDir()
	forks, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionElectra)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateDevnet(dir, DevnetConfig{Operators: 4, Validators: 2, Seed: []byte("cache"),
		Network: cluster.NetworkFromSchedule("devnet", phase0.Root{1}, 32, forks)}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cluster.json")
	a, err := LoadClusterDefinition(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadClusterDefinition(path)
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := a.MarshalJSON()
	jb, _ := b.MarshalJSON()
	if !bytes.Equal(ja, jb) {
		t.Fatalf("the second load differs from the first:\n%s\n%s", ja, jb)
	}
	b.Validators[0].PublicShares[0][0] ^= 1
	if c, _ := LoadClusterDefinition(path); c.Validators[0].PublicShares[0] != a.Validators[0].PublicShares[0] {
		t.Fatal("a caller's change reached the next caller")
	}
	// The same file with a public share of another validator: parsed
	// again, and refused.
	bad := bytes.Replace(ja, []byte(hexKey(a.Validators[0].PublicShares[1])), []byte(hexKey(a.Validators[1].PublicShares[1])), 1)
	if bytes.Equal(bad, ja) {
		t.Fatal("test file unchanged")
	}
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadClusterDefinition(path); err == nil {
		t.Fatal("a definition with a wrong public share loaded")
	}
}

func hexKey(pk phase0.BLSPubKey) string {
	const digits = "0123456789abcdef"
	out := []byte("0x")
	for _, c := range pk {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
