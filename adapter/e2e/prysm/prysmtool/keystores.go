package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// cmdKeystores writes the keystores an operator would hold for interop keys
// [from, to): the input of `dvnode create cluster --split-existing-keys`.
// Prysm's interop genesis gives key i the registry index i, so these are the
// chain's validators from..to-1.
func cmdKeystores(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prysmtool keystores", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.Uint64("from", 0, "first interop key index")
	to := fs.Uint64("to", 0, "one past the last interop key index")
	pwFile := fs.String("password-file", "", "password of every keystore")
	out := fs.String("out", "", "output directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "prysmtool keystores: %v\n", err); return 2 }
	switch {
	case *to <= *from:
		return fail(fmt.Errorf("--to (%d) must be greater than --from (%d)", *to, *from))
	case *pwFile == "":
		return fail(errors.New("--password-file is required"))
	case *out == "":
		return fail(errors.New("--out is required"))
	}
	password, err := keys.ReadPasswordFile(*pwFile)
	if err != nil {
		return fail(fmt.Errorf("--password-file: %w", err))
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return fail(fmt.Errorf("--out: %w", err))
	}
	for i := *from; i < *to; i++ {
		sk, err := bls.InteropSecretKey(i)
		if err != nil {
			return fail(fmt.Errorf("interop key %d: %w", i, err))
		}
		pk, err := sk.PublicKey()
		if err != nil {
			return fail(fmt.Errorf("interop key %d: %w", i, err))
		}
		ks, err := keys.EncryptKeystore(sk, password, keys.KDFPBKDF2, nil, fmt.Sprintf("interop key %d", i), "")
		if err != nil {
			return fail(fmt.Errorf("interop key %d: %w", i, err))
		}
		path := filepath.Join(*out, "keystore-"+hex.EncodeToString(pk[:])+".json")
		if err := keys.WriteKeystoreFile(path, ks); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "interop key %d: 0x%x %s\n", i, pk[:], path)
	}
	return 0
}
