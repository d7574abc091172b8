package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/attestantio/go-eth2-client/spec/bellatrix"

	"github.com/dvspec/go-dvspec/adapter/create"
	"github.com/dvspec/go-dvspec/impl/keys"
)

const createUsage = `dvnode create cluster: make a cluster definition and one directory per operator

  dvnode create cluster --nodes N [--threshold M]
      (--split-existing-keys DIR [--password-file F] | --validators V --withdrawal-address ADDR)
      (--network mainnet|hoodi|sepolia|devnet | --beacon-node-url URL)
      --fee-recipient ADDR[,ADDR...] [--operator-address MULTIADDR ...] --out DIR
`

func cmdCreate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "cluster" {
		fmt.Fprint(stderr, createUsage)
		return ExitUsage
	}
	fs := flag.NewFlagSet("dvnode create cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, createUsage+"\nFlags:\n"); fs.PrintDefaults() }
	nodes := fs.Int("nodes", 4, "N, the number of operators")
	threshold := fs.Int("threshold", 0, "M, the shares needed to sign (default ceil(2N/3))")
	split := fs.String("split-existing-keys", "", "directory of EIP-2335 keystores to split; password from <keystore>.txt, password.txt or keystore-password.txt")
	pwFile := fs.String("password-file", "", "with --split-existing-keys: one password file for every keystore")
	validators := fs.Int("validators", 0, "number of new random validator keys (writes deposit_data-*.json)")
	network := fs.String("network", "", "the chain: mainnet, hoodi, sepolia or devnet (the embedded simulated chain)")
	bnURL := fs.String("beacon-node-url", "", "read the chain (genesis, fork schedule, spec) from this beacon node instead")
	registry := fs.Int("devnet-registry-size", 0, "--network devnet: validators of the simulated chain (default: the cluster's)")
	var fees, addrs multi
	fs.Var(&fees, "fee-recipient", "execution address the validators' blocks pay: one, or one per validator (repeat or comma-separate)")
	withdrawal := fs.String("withdrawal-address", "", "execution address of the 0x01 withdrawal credentials (required with --validators)")
	fs.Var(&addrs, "operator-address", "libp2p multiaddr of each operator in order (repeat or comma-separate; default /ip4/127.0.0.1/tcp/<base-port+i-1>)")
	basePort := fs.Int("base-port", 9000, "TCP port of operator 1 in the default addresses")
	name := fs.String("name", "dvnode cluster", "cluster name")
	out := fs.String("out", "", "output directory (must not exist or be empty)")
	kdf := fs.String("kdf", "scrypt", "key share keystore KDF: scrypt, pbkdf2 (EIP-2335 standard costs) or insecure-fast (tests only)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "dvnode create cluster: %v\n", err); return ExitUsage }
	if len(pos) > 0 {
		return fail(fmt.Errorf("unexpected arguments %q", pos))
	}
	o := create.Options{Name: *name, Nodes: *nodes, Threshold: *threshold, SplitDir: *split, PasswordFile: *pwFile, Validators: *validators,
		Network: *network, BeaconURL: *bnURL, DevnetRegistrySize: *registry, BasePort: *basePort, OutDir: *out}
	switch *kdf {
	case "scrypt":
		o.KDF = keys.KDFScrypt
	case "pbkdf2":
		o.KDF = keys.KDFPBKDF2
	case "insecure-fast":
		o.KDF = keys.KDFInsecureFast
	default:
		return fail(fmt.Errorf("--kdf %q: want scrypt, pbkdf2 or insecure-fast", *kdf))
	}
	for _, f := range splitList(fees) {
		a, err := parseAddress(f)
		if err != nil {
			return fail(fmt.Errorf("--fee-recipient: %w", err))
		}
		o.FeeRecipients = append(o.FeeRecipients, a)
	}
	if *withdrawal != "" {
		a, err := parseAddress(*withdrawal)
		if err != nil {
			return fail(fmt.Errorf("--withdrawal-address: %w", err))
		}
		o.WithdrawalAddress = &a
	}
	if l := splitList(addrs); len(l) > 0 {
		o.Addresses = l
	}
	res, err := create.Create(ctx, o)
	if err != nil {
		return fail(err)
	}
	printNextSteps(stdout, o, res)
	return ExitOK
}

// splitList flattens repeated and comma-separated flag values.
func splitList(m multi) []string {
	var out []string
	for _, v := range m {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// parseAddress parses a 0x-prefixed 20-byte execution address.
func parseAddress(s string) (bellatrix.ExecutionAddress, error) {
	var a bellatrix.ExecutionAddress
	if !strings.HasPrefix(s, "0x") {
		return a, fmt.Errorf("%q is not 0x-prefixed hex", s)
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil || len(b) != len(a) {
		return a, fmt.Errorf("%q is not a 20-byte hex address", s)
	}
	copy(a[:], b)
	return a, nil
}

func printNextSteps(w io.Writer, o create.Options, res *create.Result) {
	def := res.Definition
	fmt.Fprintf(w, "created cluster %q: %d operators, threshold %d, %d validators, network %q\n", def.Name, len(def.Operators), def.Threshold, len(def.Validators), def.Network.Name)
	fmt.Fprintf(w, "cluster ID %#x\n", res.ID[:])
	fmt.Fprintf(w, "cluster definition %s\n", res.ClusterFile)
	if res.DepositFile != "" {
		fmt.Fprintf(w, "deposit data %s (%d deposits of 32 ETH)\n", res.DepositFile, len(def.Validators))
	}
	fmt.Fprintln(w, "\nNext, for each operator:")
	for i, dir := range res.NodeDirs {
		op := def.Operators[i]
		fmt.Fprintf(w, "  operator %d (%s):\n", op.Index, op.Address())
		fmt.Fprintf(w, "    1. receive %s/ privately: it holds the node key and this operator's key shares; nobody else may keep a copy\n", dir)
		fmt.Fprintf(w, "    2. check the cluster ID above against the other operators'\n")
		fmt.Fprintf(w, "    3. dvnode run --cluster %s --node-dir %s --beacon-node-url <your beacon node> --p2p-listen %s\n",
			filepath.Join(dir, "cluster.json"), dir, op.Address())
	}
	switch {
	case res.DepositFile != "":
		fmt.Fprintln(w, "\nThe validator keys existed only in memory: only the shares remain. Submit the deposit data once (e.g. with the staking launchpad);")
		fmt.Fprintln(w, "the nodes find the validator indices when the deposits are processed.")
	default:
		fmt.Fprintln(w, "\nThe original keystores still hold the whole keys. Stop every validator client using them and wait at least two epochs")
		fmt.Fprintln(w, "before the cluster starts; never run both (slashing). Then store the originals offline or destroy them.")
	}
	fmt.Fprintln(w, "An operator whose address changes edits its `address` in every cluster.json; the cluster ID does not change.")
}
