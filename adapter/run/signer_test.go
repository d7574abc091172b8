package run

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestEnsureTokenCreatesAPrivateFileOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), SignerTokenFile)
	log := slog.New(slog.DiscardHandler)
	tok, err := ensureToken(path, log)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || len(tok) != 64 {
		t.Fatalf("token file mode %v, token length %d", fi.Mode().Perm(), len(tok))
	}
	again, err := ensureToken(path, log)
	if err != nil || again != tok {
		t.Fatalf("second read: %q, %v; want the same token", again, err)
	}
}

func TestSignerConfigErrorsNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{SignerURL: "http://127.0.0.1:9000", SignerTokenFile: short}, "--signer-token-file"},
		{Options{SignerURL: "http://127.0.0.1:9000", SignerTokenFile: filepath.Join(dir, "missing")}, "--signer-token-file"},
		{Options{SignerURL: "http://127.0.0.1:9000", SignerCAFile: good}, "https"},
		{Options{SignerURL: "https://127.0.0.1:9000", SignerCAFile: good}, "--signer-ca-file"},
		{Options{SignerURL: "https://127.0.0.1:9000", SignerClientCert: good}, "--signer-client-key"},
		{Options{SignerURL: "ftp://x"}, "--signer-url"},
	} {
		_, err := externalSigner(tc.o)
		var ce *ConfigError
		if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want a configuration error naming %s", tc.o, err, tc.want)
		}
	}
	if _, err := externalSigner(Options{SignerURL: "http://127.0.0.1:9000", SignerTokenFile: good}); err != nil {
		t.Fatalf("a valid token file: %v", err)
	}
}

// TestNodeDirLock: a second holder of a node directory is refused, naming
// the first's process id; once released the directory can be taken again.
func TestNodeDirLock(t *testing.T) {
	dir := t.TempDir()
	release, err := lockNodeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lockNodeDir(dir)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "in use by another dvnode process (pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	again, err := lockNodeDir(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	_ = again()
}
