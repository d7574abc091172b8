package cli

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
)

func TestVCConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"vc"}, "--beacon-node-url, --keystores, --password-file and --slashing-db are required"},
		{[]string{"vc", "--beacon-node-url", "http://127.0.0.1:1", "--keystores", dir, "--password-file", "p", "--slashing-db", "db", "--pattern", "teku"}, "--pattern"},
		{[]string{"vc", "--beacon-node-url", "http://127.0.0.1:1", "--keystores", dir, "--password-file", "p", "--slashing-db", "db", "--fee-recipient", "0x12"}, "--fee-recipient"},
		{[]string{"vc", "--beacon-node-url", "http://127.0.0.1:1", "--keystores", dir, "--password-file", filepath.Join(dir, "none"), "--slashing-db", "db"}, "--keystores"},
	}
	for _, c := range cases {
		code, out, errs := runCLI(c.args...)
		if code != ExitUsage || !strings.Contains(out+errs, c.want) {
			t.Errorf("dvnode %v: exit %d, want %d; output lacks %q:\n%s%s", c.args, code, ExitUsage, c.want, out, errs)
		}
	}
}

// TestVCAgainstSimbeacon runs "dvnode vc" with keystores of 16 interop
// validators against simbeacon on the wall clock for a few slots: every
// duty it reports must have succeeded, and simbeacon must have accepted
// what the DUTY lines claim.
func TestVCAgainstSimbeacon(t *testing.T) {
	if testing.Short() {
		t.Skip("runs on the wall clock for several slots")
	}
	n, err := simbeacon.New(simbeacon.Config{Chain: spec.MinimalConfig(), Validators: 16, SecondsPerSlot: 2})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := n.ListenAndServe("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	dir := t.TempDir()
	ksDir := filepath.Join(dir, "keystores")
	if err := os.Mkdir(ksDir, 0o700); err != nil {
		t.Fatal(err)
	}
	const password = "vc-test"
	for i := 0; i < 16; i++ {
		sk, err := bls.InteropSecretKey(uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		ks, err := keys.EncryptKeystore(sk, password, keys.KDFInsecureFast, rand.Reader, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := keys.WriteKeystoreFile(filepath.Join(ksDir, fmt.Sprintf("keystore-%d.json", i)), ks); err != nil {
			t.Fatal(err)
		}
	}
	pw := filepath.Join(dir, "password.txt")
	if err := os.WriteFile(pw, []byte(password), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("vc", "--beacon-node-url", "http://"+addr, "--keystores", ksDir, "--password-file", pw,
		"--slashing-db", filepath.Join(dir, "slashing.db"), "--slots", "4", "--log-level", "warn")
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	line := regexp.MustCompile(`DUTY type=(\w+) validator=(\d+) slot=(\d+) status=ok`)
	kinds := map[string]simbeacon.Kind{"attestation": simbeacon.KindAttestation, "proposal": simbeacon.KindBlock,
		"sync_message": simbeacon.KindSyncCommitteeMessage, "aggregate": simbeacon.KindAggregateAndProof, "contribution": simbeacon.KindContributionAndProof}
	seen := map[string]int{}
	for _, m := range line.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseUint(m[2], 10, 64)
		s, _ := strconv.ParseUint(m[3], 10, 64)
		found := false
		for _, a := range n.Accepted(phase0Index(v), kinds[m[1]]) {
			found = found || uint64(a.Slot) == s
		}
		if !found {
			t.Errorf("%s: simbeacon has no such acceptance", m[0])
		}
		seen[m[1]]++
	}
	// Aggregation is on without the flag: on the minimal preset every
	// attester and sync committee member is selected (committees smaller
	// than TARGET_AGGREGATORS_PER_COMMITTEE), so both kinds must show.
	if seen["attestation"] == 0 || seen["aggregate"] == 0 || seen["contribution"] == 0 || !strings.Contains(out, "SUMMARY") || strings.Contains(out, "status=failed") {
		t.Errorf("output:\n%s", out)
	}
	t.Logf("duties: %v", seen)
}

func phase0Index(v uint64) phase0.ValidatorIndex { return phase0.ValidatorIndex(v) }
