package remotesigner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// KeystoreConfig says where the embedded signer's keys are. What it
// accepts:
//
//   - Dir: a directory of EIP-2335 (version 4) keystore files; every
//     regular file whose name ends in ".json" and does not start with "." is
//     a keystore (sub-directories are not read);
//   - the password of keystore NAME.json is, when PasswordDir is set, the
//     file PasswordDir/NAME.txt (the Teku/Lighthouse "keys:passwords"
//     layout), else the single PasswordFile shared by every keystore (the
//     layout impl/keys writes: node-<i>/keystores/ and
//     node-<i>/keystore-password.txt). A trailing newline is not part of
//     the password.
//
// Web3Signer's YAML key configuration files are not read. Keystores may use
// any KDF cost; devnets written by impl/keys use keys.KDFInsecureFast
// (PBKDF2, c = 1024) so that loading is fast. Keystores are decrypted in
// parallel.
type KeystoreConfig struct {
	Dir          string
	PasswordFile string
	PasswordDir  string
}

// LoadKeystores decrypts every keystore of cfg. It fails on the first bad
// file, on a wrong password, on two keystores holding the same key, and
// when the directory holds no keystore.
func LoadKeystores(cfg KeystoreConfig) ([]bls.SecretKey, error) {
	if cfg.Dir == "" {
		return nil, errors.New("keystores: no directory")
	}
	if (cfg.PasswordFile == "") == (cfg.PasswordDir == "") {
		return nil, errors.New("keystores: set exactly one of PasswordFile and PasswordDir")
	}
	entries, err := os.ReadDir(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("keystores: %w", err)
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue
		}
		files = append(files, name)
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("keystores: no *.json keystore in %s", cfg.Dir)
	}
	var shared string
	if cfg.PasswordFile != "" {
		if shared, err = keys.ReadPasswordFile(cfg.PasswordFile); err != nil {
			return nil, fmt.Errorf("keystores: %w", err)
		}
	}
	out := make([]bls.SecretKey, len(files))
	errs := make([]error, len(files))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(files)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				pw := shared
				if cfg.PasswordDir != "" {
					p := filepath.Join(cfg.PasswordDir, strings.TrimSuffix(files[i], ".json")+".txt")
					if pw, errs[i] = keys.ReadPasswordFile(p); errs[i] != nil {
						continue
					}
				}
				out[i], _, errs[i] = keys.ReadKeystoreFile(filepath.Join(cfg.Dir, files[i]), pw)
			}
		}()
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("keystores: %w", err)
	}
	return out, nil
}
