package run

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// NodeLockFile, in the node directory, is held (flock) by the process that
// runs the node: two processes with one node key sign independently, and
// their slashing DBs, if their --data-dir differ, know nothing of each
// other. Peers detect such twins on the network (impl/p2p); this catches
// them on one machine before anything starts.
const NodeLockFile = "node.lock"

// lockNodeDir takes the node directory's lock, writing this process's id
// into the file; the returned function releases it.
func lockNodeDir(dir string) (func() error, error) {
	path := filepath.Join(dir, NodeLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, cfgErr("node directory lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, cfgErr("node directory %s is in use by another dvnode process (pid %s): a node key must run in one process only", dir, strings.TrimSpace(string(b[:n])))
		}
		return nil, cfgErr("node directory lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() error {
		// Closing the file releases the lock.
		if err := f.Close(); err != nil {
			return fmt.Errorf("node directory lock: %w", err)
		}
		return nil
	}, nil
}
