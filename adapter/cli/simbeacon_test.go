package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimbeaconConfigErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"simbeacon", "--preset", "interop"}, "--preset"},
		{[]string{"simbeacon", "--validators", "0"}, "--validators"},
		{[]string{"simbeacon", "--slots", "0"}, "--slots"},
		{[]string{"simbeacon", "--count-validators", "9"}, "--count-validators"},
		{[]string{"simbeacon", "--slots-per-epoch", "5000", "--listen", "127.0.0.1:0"}, "slots per epoch"},
		{[]string{"simbeacon", "extra"}, "unexpected argument"},
	} {
		code, out, errs := runCLI(c.args...)
		if code != ExitUsage || !strings.Contains(out+errs, c.want) {
			t.Errorf("dvnode %v: exit %d, want %d; output lacks %q:\n%s%s", c.args, code, ExitUsage, c.want, out, errs)
		}
	}
}

// With no DV node pointed at it, every duty fails: the command prints the
// table with its DUTY and SUMMARY lines and exits 1, and the keystores
// are there for splitting.
func TestSimbeaconWithoutNodesFails(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a few slots")
	}
	dir := t.TempDir()
	code, out, errs := runCLI("simbeacon", "--validators", "4", "--slots", "2", "--genesis-delay", "1s",
		"--listen", "127.0.0.1:0", "--keystores-out", dir, "--quiet")
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d:\n%s%s", code, ExitFailure, out, errs)
	}
	for _, want := range []string{"DUTY type=proposer duties=1 succeeded=0 failed=1 ", "DUTY type=sync_committee duties=", "SUMMARY duties="} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "succeeded=1") || !strings.Contains(out, " succeeded=0 ") {
		t.Errorf("a duty succeeded without any node:\n%s", out)
	}
	for _, f := range []string{"password.txt", "keystore-0.json", "keystore-3.json", "keystore-3.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
