package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// pragueSystemContracts are the contracts a Prague genesis must hold:
// EIP-4788 beacon roots, EIP-2935 block hashes, EIP-7002 withdrawal requests
// and EIP-7251 consolidation requests. prysmctl writes a geth genesis
// without them, and geth then fails the first Prague payload.
var pragueSystemContracts = []string{"BeaconRoots", "HistoryStorage", "WithdrawalQueue", "ConsolidationQueue"}

// systemContracts reads each contract's address and code from geth's
// params/protocol_params.go, so the test uses exactly the bytecode of the
// pinned geth rather than a copy kept here.
func systemContracts(src string) (map[string]string, error) {
	alloc := map[string]string{}
	for _, name := range pragueSystemContracts {
		addr := regexp.MustCompile(name + `Address\s*=\s*common\.HexToAddress\("0x([0-9a-fA-F]{40})"\)`).FindStringSubmatch(src)
		code := regexp.MustCompile(name + `Code\s*=\s*common\.FromHex\("(?:0x)?([0-9a-fA-F]+)"\)`).FindStringSubmatch(src)
		if addr == nil || code == nil {
			return nil, fmt.Errorf("%s: address or code not found in geth's params", name)
		}
		alloc["0x"+strings.ToLower(addr[1])] = "0x" + strings.ToLower(code[1])
	}
	return alloc, nil
}

// patchAlloc adds the contracts to a geth genesis, keeping every other field
// as it is.
func patchAlloc(genesis []byte, contracts map[string]string) ([]byte, error) {
	var g map[string]json.RawMessage
	if err := json.Unmarshal(genesis, &g); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	alloc := map[string]json.RawMessage{}
	if raw, ok := g["alloc"]; ok {
		if err := json.Unmarshal(raw, &alloc); err != nil {
			return nil, fmt.Errorf("genesis alloc: %w", err)
		}
	}
	for addr, code := range contracts {
		acct, err := json.Marshal(map[string]string{"balance": "0x0", "nonce": "0x1", "code": code})
		if err != nil {
			return nil, err
		}
		// geth writes alloc keys without 0x; drop any spelling of this one.
		delete(alloc, strings.TrimPrefix(addr, "0x"))
		alloc[addr] = acct
	}
	raw, err := json.Marshal(alloc)
	if err != nil {
		return nil, err
	}
	g["alloc"] = raw
	return json.MarshalIndent(g, "", " ")
}

func cmdPatchGenesis(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prysmtool patch-genesis", flag.ContinueOnError)
	fs.SetOutput(stderr)
	gethDir := fs.String("geth-dir", "", "source directory of the pinned go-ethereum module")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "prysmtool patch-genesis: %v\n", err); return 2 }
	if *gethDir == "" {
		return fail(errors.New("--geth-dir is required"))
	}
	if fs.NArg() != 1 {
		return fail(errors.New("one genesis.json expected"))
	}
	src, err := os.ReadFile(filepath.Join(*gethDir, "params", "protocol_params.go"))
	if err != nil {
		return fail(fmt.Errorf("--geth-dir: %w", err))
	}
	contracts, err := systemContracts(string(src))
	if err != nil {
		return fail(err)
	}
	path := fs.Arg(0)
	genesis, err := os.ReadFile(path)
	if err != nil {
		return fail(err)
	}
	patched, err := patchAlloc(genesis, contracts)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", path, err))
	}
	if err := os.WriteFile(path, patched, 0o644); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "%s: %d system contracts added\n", path, len(contracts))
	return 0
}
