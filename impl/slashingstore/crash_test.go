package slashingstore

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"
	bolt "go.etcd.io/bbolt"

	"github.com/dvspec/go-dvspec/spec/slashing"
)

// crashChildEnv names the database file the child process writes to; it is
// set only in the re-executed test binary.
const crashChildEnv = "DVSPEC_SLASHINGSTORE_CRASH_CHILD"

// TestCrashChild is the child of TestCrashNoAcknowledgedRecordLost: it
// records attestations (and now and then a block) for two keys in a loop,
// continuing after the highest stored target, and prints "att <key> <target>"
// or "blk <key> <slot>" to stdout (unbuffered: one write system call per
// line) after each Record* call returned nil. It runs until it is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("only run as the child of TestCrashNoAcknowledgedRecordLost")
	}
	s, err := Open(path, testGVR)
	if err != nil {
		fmt.Fprintf(os.Stdout, "error %v\n", err)
		os.Exit(3)
	}
	db, err := s.Snapshot()
	if err != nil {
		fmt.Fprintf(os.Stdout, "error %v\n", err)
		os.Exit(3)
	}
	keys := []phase0.BLSPubKey{pk1, pk2}
	next := make([]uint64, len(keys))
	for i, pk := range keys {
		d := slashing.GetSlashingDBDataForPubkey(db, pk)
		if tgt, ok := d.MaxTargetEpoch(); ok {
			next[i] = uint64(tgt) + 1
		} else {
			next[i] = 1
		}
	}
	fmt.Fprintln(os.Stdout, "ready")
	for n := 0; ; n++ {
		i := n % len(keys)
		tgt := next[i]
		if err := s.RecordAttestation(keys[i], att(tgt-1, tgt, rootOfInt(tgt))); err != nil {
			fmt.Fprintf(os.Stdout, "error %v\n", err)
			os.Exit(3)
		}
		fmt.Fprintf(os.Stdout, "att %d %d\n", i, tgt)
		if tgt%5 == 0 {
			if err := s.RecordBlock(keys[i], blk(tgt*32, rootOfInt(tgt))); err != nil {
				fmt.Fprintf(os.Stdout, "error %v\n", err)
				os.Exit(3)
			}
			fmt.Fprintf(os.Stdout, "blk %d %d\n", i, tgt*32)
		}
		next[i]++
	}
}

// TestCrashNoAcknowledgedRecordLost re-executes the test binary as a child
// that records in a loop, SIGKILLs it at a random moment, reopens the file
// and checks that it opens cleanly, passes bbolt's consistency check, and
// holds every record the child reported as durable; several times over the
// same file. SIGKILL loses no written page (the kernel keeps them), so this
// shows that an acknowledged record was written before Record* returned and
// that a torn transaction never leaves an unreadable file; the fsync
// ordering against power loss is bbolt's (NoSync=false) and is not
// simulated here.
func TestCrashNoAcknowledgedRecordLost(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in the child")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	type rec struct {
		kind string
		key  int
		v    uint64
	}
	var acked []rec
	const rounds = 4
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1<<16)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait until the child is recording, then kill it after a random
		// delay.
		deadline := time.After(20 * time.Second)
		var first []string
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("round %d: child exited early: %v", round, cmd.Wait())
				}
				first = append(first, l)
				if strings.HasPrefix(l, "att ") {
					break wait
				}
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("round %d: child made no progress", round)
			}
		}
		time.Sleep(time.Duration(10+rng.IntN(150)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		n := 0
		collect := func(l string) {
			f := strings.Fields(l)
			if len(f) == 0 || f[0] == "ready" {
				return
			}
			if f[0] == "error" || len(f) != 3 {
				t.Fatalf("round %d: child: %s", round, l)
			}
			k, _ := strconv.Atoi(f[1])
			v, err := strconv.ParseUint(f[2], 10, 64)
			if err != nil {
				t.Fatalf("round %d: bad line %q", round, l)
			}
			acked = append(acked, rec{f[0], k, v})
			n++
		}
		for _, l := range first {
			collect(l)
		}
		for l := range lines {
			collect(l)
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != -1 {
			t.Fatalf("round %d: child ended with %v, want killed", round, err)
		}
		t.Logf("round %d: %d records acknowledged before SIGKILL", round, n)

		// Reopen: clean, consistent, nothing acknowledged is missing.
		s, err := Open(path, testGVR)
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if err := s.db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Fatalf("round %d: consistency check: %v", round, err)
		}
		db, err := s.Snapshot()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		keys := []phase0.BLSPubKey{pk1, pk2}
		for _, r := range acked {
			d := slashing.GetSlashingDBDataForPubkey(db, keys[r.key])
			found := false
			if r.kind == "att" {
				for _, a := range d.SignedAttestations {
					if uint64(a.TargetEpoch) == r.v && uint64(a.SourceEpoch) == r.v-1 && a.SigningRoot != nil && *a.SigningRoot == *rootOfInt(r.v) {
						found = true
					}
				}
			} else {
				for _, b := range d.SignedBlocks {
					if uint64(b.Slot) == r.v && b.SigningRoot != nil && *b.SigningRoot == *rootOfInt(r.v / 32) {
						found = true
					}
				}
			}
			if !found {
				t.Fatalf("round %d: acknowledged %s of key %d at %d is missing after the crash", round, r.kind, r.key, r.v)
			}
		}
		// The stored history is still protecting: re-signing the last
		// acknowledged target with another root is refused.
		if len(acked) > 0 {
			last := acked[len(acked)-1]
			if last.kind == "att" {
				if err := s.RecordAttestation(keys[last.key], att(last.v-1, last.v, rootOfInt(last.v+1))); !errors.Is(err, slashing.ErrDoubleVote) {
					t.Fatalf("round %d: double vote after the crash: %v", round, err)
				}
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
