// Package create is dvnode create cluster: it makes a cluster definition
// (SPEC.md section 11) and one directory per operator, either from
// validator keys the operator already has (EIP-2335 keystores) or from new
// random keys with their deposit data.
package create

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/cluster"
)

// Options configures Create. Errors name the dvnode flag of the field.
type Options struct {
	// Name is the cluster name (--name).
	Name string
	// Nodes is N (--nodes); Threshold is M (--threshold, 0: ceil(2N/3)).
	Nodes, Threshold int
	// SplitDir holds EIP-2335 keystores to split (--split-existing-keys);
	// exactly one of SplitDir and Validators is set.
	SplitDir string
	// PasswordFile, when set, holds the password of every keystore of
	// SplitDir (--password-file); otherwise PasswordFor finds it.
	PasswordFile string
	// Validators is the number of new random validator keys (--validators).
	Validators int
	// Network is the chain: a name (--network) or read from BeaconURL
	// (--beacon-node-url), which wins when both are given.
	Network   string
	BeaconURL string
	// DevnetRegistrySize is the registry size of --network devnet (0: the
	// number of validators of the cluster).
	DevnetRegistrySize int
	// FeeRecipients is one address for every validator or one per
	// validator, in order (--fee-recipient).
	FeeRecipients []bellatrix.ExecutionAddress
	// WithdrawalAddress is the 0x01 withdrawal address (--withdrawal-address):
	// required with Validators (it goes into the deposits), recorded when
	// given with SplitDir.
	WithdrawalAddress *bellatrix.ExecutionAddress
	// Addresses are the operators' multiaddrs (--operator-address); nil:
	// /ip4/127.0.0.1/tcp/<BasePort+i-1>.
	Addresses []string
	BasePort  int
	// OutDir receives everything (--out); it must not exist or be empty.
	OutDir string
	// KDF protects the share keystores (default keys.KDFScrypt).
	KDF keys.KDF
	// Random is the randomness of keys, polynomials and passwords (nil:
	// crypto/rand).
	Random io.Reader
	// Now names the deposit file (nil: time.Now).
	Now func() time.Time
}

// Result is what Create wrote.
type Result struct {
	Definition  *cluster.Definition
	ID          phase0.Root
	ClusterFile string
	NodeDirs    []string
	// DepositFile is the deposit_data-*.json file (Validators only).
	DepositFile string
}

// validator is one validator key to share.
type validator struct {
	sk     bls.SecretKey
	pk     phase0.BLSPubKey
	source string
}

// Create validates o, reads or makes the validator keys, splits them,
// writes OutDir/cluster.json, OutDir/node-<i>/ (node key, share
// keystores, keystore password, a copy of cluster.json) and, for new
// keys, OutDir/deposit_data-<unix time>.json.
func Create(ctx context.Context, o Options) (*Result, error) {
	if o.Random == nil {
		o.Random = rand.Reader
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.KDF == (keys.KDF{}) {
		o.KDF = keys.KDFScrypt
	}
	if o.BasePort == 0 {
		o.BasePort = 9000
	}
	if o.Name == "" {
		o.Name = "dvnode cluster"
	}
	if o.Nodes < 1 || o.Nodes > cluster.MaxOperators {
		return nil, fmt.Errorf("--nodes %d: want 1..%d", o.Nodes, cluster.MaxOperators)
	}
	if o.Threshold == 0 {
		o.Threshold = spec.Threshold(o.Nodes)
	}
	if min := spec.Threshold(o.Nodes); o.Threshold < min || o.Threshold > o.Nodes {
		return nil, fmt.Errorf("--threshold %d: want %d..%d for %d nodes (ceil(2N/3)..N)", o.Threshold, min, o.Nodes, o.Nodes)
	}
	if (o.SplitDir == "") == (o.Validators == 0) {
		return nil, errors.New("--split-existing-keys DIR or --validators V: exactly one is required")
	}
	if o.PasswordFile != "" && o.SplitDir == "" {
		return nil, errors.New("--password-file: only with --split-existing-keys")
	}
	if o.Validators < 0 {
		return nil, fmt.Errorf("--validators %d: want at least 1", o.Validators)
	}
	if o.Validators > 0 && o.WithdrawalAddress == nil {
		return nil, errors.New("--withdrawal-address: required with --validators (the deposits' 0x01 withdrawal credentials)")
	}
	if o.WithdrawalAddress != nil && *o.WithdrawalAddress == (bellatrix.ExecutionAddress{}) {
		return nil, errors.New("--withdrawal-address: the zero address")
	}
	if o.Network == "" && o.BeaconURL == "" {
		return nil, errors.New("--network NAME or --beacon-node-url URL: one is required")
	}
	if o.Addresses != nil && len(o.Addresses) != o.Nodes {
		return nil, fmt.Errorf("--operator-address: %d addresses for %d nodes", len(o.Addresses), o.Nodes)
	}
	if o.Addresses == nil && (o.BasePort < 1 || o.BasePort+o.Nodes-1 > 65535) {
		return nil, fmt.Errorf("--base-port %d: ports %d..%d out of range", o.BasePort, o.BasePort, o.BasePort+o.Nodes-1)
	}
	if o.OutDir == "" {
		return nil, errors.New("--out: required")
	}
	if entries, err := os.ReadDir(o.OutDir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("--out %s: exists and is not empty (nothing is overwritten)", o.OutDir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("--out %s: %w", o.OutDir, err)
	}

	var vals []validator
	var err error
	if o.SplitDir != "" {
		if vals, err = readKeystores(o.SplitDir, o.PasswordFile); err != nil {
			return nil, err
		}
	} else {
		if vals, err = newKeys(o.Validators, o.Random); err != nil {
			return nil, err
		}
	}
	fees, err := feeRecipients(o.FeeRecipients, len(vals))
	if err != nil {
		return nil, err
	}
	var network *cluster.Network
	if o.BeaconURL != "" {
		network, err = NetworkFromBeaconNode(ctx, o.BeaconURL)
	} else {
		reg := o.DevnetRegistrySize
		if reg == 0 {
			reg = len(vals)
		}
		network, err = NetworkByName(o.Network, reg)
	}
	if err != nil {
		return nil, err
	}
	chain, err := network.Chain()
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}

	def := &cluster.Definition{Version: cluster.Version, Name: []byte(o.Name), Threshold: uint64(o.Threshold), Network: network}
	nodeKeys := make([][]byte, o.Nodes)
	for i := 1; i <= o.Nodes; i++ {
		sk, err := keys.GenerateNodeKey(o.Random)
		if err != nil {
			return nil, fmt.Errorf("node key: %w", err)
		}
		nodeKeys[i-1] = sk
		addr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", o.BasePort+i-1)
		if o.Addresses != nil {
			addr = o.Addresses[i-1]
		}
		def.Operators = append(def.Operators, cluster.NewOperator(uint64(i), keys.NodePublicKey(sk), addr))
	}
	splits := make([]*keys.SplitResult, len(vals))
	var deposits []*DepositData
	for k, v := range vals {
		seed := make([]byte, 32)
		if _, err := io.ReadFull(o.Random, seed); err != nil {
			return nil, err
		}
		res, err := keys.SplitKey(v.sk, o.Nodes, o.Threshold, seed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.source, err)
		}
		splits[k] = res
		cv := &cluster.Validator{PublicKey: v.pk, FeeRecipient: fees[k], PublicShares: res.PublicShares}
		if o.WithdrawalAddress != nil {
			cv.WithdrawalAddress = []bellatrix.ExecutionAddress{*o.WithdrawalAddress}
		}
		def.Validators = append(def.Validators, cv)
		if o.Validators > 0 {
			d, err := Deposit(chain, string(network.Name), v.sk, *o.WithdrawalAddress)
			if err != nil {
				return nil, err
			}
			deposits = append(deposits, d)
		}
	}
	// Errors name the cluster.json field; say which flag set it.
	if err := def.Validate(); err != nil {
		return nil, fmt.Errorf("%w (check --operator-address, --fee-recipient, --withdrawal-address and --name)", err)
	}
	id, err := def.ID()
	if err != nil {
		return nil, err
	}

	res := &Result{Definition: def, ID: id, ClusterFile: filepath.Join(o.OutDir, "cluster.json")}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	if err := keys.WriteClusterDefinition(res.ClusterFile, def); err != nil {
		return nil, err
	}
	for i := 1; i <= o.Nodes; i++ {
		dir := keys.NodeDir(o.OutDir, uint64(i))
		res.NodeDirs = append(res.NodeDirs, dir)
		if err := os.MkdirAll(filepath.Join(dir, keys.KeystoresDir), 0o700); err != nil {
			return nil, err
		}
		if err := keys.WriteNodeKeyFile(filepath.Join(dir, keys.NodeKeyFile), nodeKeys[i-1]); err != nil {
			return nil, err
		}
		pwb := make([]byte, 16)
		if _, err := io.ReadFull(o.Random, pwb); err != nil {
			return nil, err
		}
		pw := hex.EncodeToString(pwb)
		if err := writeFile(filepath.Join(dir, keys.KeystorePasswordFile), []byte(pw+"\n"), 0o600); err != nil {
			return nil, err
		}
		for _, s := range splits {
			if _, err := keys.WriteShareKeystore(filepath.Join(dir, keys.KeystoresDir), s.ValidatorPublicKey, s.Shares[i-1], pw, o.KDF, o.Random); err != nil {
				return nil, fmt.Errorf("node %d: %w", i, err)
			}
		}
		if err := keys.WriteClusterDefinition(filepath.Join(dir, "cluster.json"), def); err != nil {
			return nil, err
		}
	}
	if len(deposits) > 0 {
		b, err := MarshalDeposits(deposits)
		if err != nil {
			return nil, err
		}
		res.DepositFile = filepath.Join(o.OutDir, fmt.Sprintf("deposit_data-%d.json", o.Now().Unix()))
		if err := writeFile(res.DepositFile, b, 0o644); err != nil {
			return nil, err
		}
	}
	for i := range vals {
		vals[i].sk = bls.SecretKey{}
	}
	return res, nil
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// feeRecipients expands --fee-recipient: one address for all, or one per
// validator.
func feeRecipients(given []bellatrix.ExecutionAddress, n int) ([]bellatrix.ExecutionAddress, error) {
	switch {
	case len(given) == 0:
		return nil, errors.New("--fee-recipient: required (the execution address the validators' blocks pay; one, or one per validator)")
	case len(given) != 1 && len(given) != n:
		return nil, fmt.Errorf("--fee-recipient: %d addresses for %d validators (give one, or one per validator)", len(given), n)
	}
	out := make([]bellatrix.ExecutionAddress, n)
	for i := range out {
		out[i] = given[0]
		if len(given) > 1 {
			out[i] = given[i]
		}
		if out[i] == (bellatrix.ExecutionAddress{}) {
			return nil, fmt.Errorf("--fee-recipient: entry %d is the zero address (fees paid to it are burned)", i+1)
		}
	}
	return out, nil
}

// newKeys makes n validator keys: EIP-2333 master keys from 32 random
// bytes each.
func newKeys(n int, random io.Reader) ([]validator, error) {
	out := make([]validator, 0, n)
	for k := 0; k < n; k++ {
		seed := make([]byte, 32)
		if _, err := io.ReadFull(random, seed); err != nil {
			return nil, err
		}
		sk, err := bls.DeriveMasterSK(seed)
		clear(seed)
		if err != nil {
			return nil, err
		}
		pk, err := sk.PublicKey()
		if err != nil {
			return nil, err
		}
		out = append(out, validator{sk: sk, pk: pk, source: fmt.Sprintf("new validator %d", k+1)})
	}
	return out, nil
}

// PasswordFor returns the password file of keystore path: <name>.txt
// beside it (staking tools' and charon's convention), else password.txt
// or keystore-password.txt in its directory (one password for all).
func PasswordFor(path string) (string, error) {
	dir := filepath.Dir(path)
	candidates := []string{strings.TrimSuffix(path, ".json") + ".txt", filepath.Join(dir, "password.txt"), filepath.Join(dir, keys.KeystorePasswordFile)}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("--split-existing-keys: no password file for %s (tried %s)", path, strings.Join(candidates, ", "))
}

// readKeystores decrypts every *.json keystore of dir, in name order, with
// the password of pwFile or, when it is empty, of PasswordFor.
func readKeystores(dir, pwFile string) ([]validator, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--split-existing-keys: %w", err)
	}
	var names []string
	for _, e := range entries {
		// staking-deposit-cli writes its deposit file beside the keystores.
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), "deposit_data-") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("--split-existing-keys %s: no keystore (*.json)", dir)
	}
	var out []validator
	seen := map[phase0.BLSPubKey]string{}
	for _, name := range names {
		path := filepath.Join(dir, name)
		file := pwFile
		if file == "" {
			if file, err = PasswordFor(path); err != nil {
				return nil, err
			}
		}
		pw, err := keys.ReadPasswordFile(file)
		if err != nil {
			return nil, fmt.Errorf("--split-existing-keys: %w", err)
		}
		sk, _, err := keys.ReadKeystoreFile(path, pw)
		if err != nil {
			return nil, fmt.Errorf("--split-existing-keys: %s: %w", path, err)
		}
		pk, err := sk.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("--split-existing-keys: %s: %w", path, err)
		}
		if prev, ok := seen[pk]; ok {
			return nil, fmt.Errorf("--split-existing-keys: %s and %s hold the same key %#x", prev, name, pk[:])
		}
		seen[pk] = name
		out = append(out, validator{sk: sk, pk: pk, source: path})
	}
	return out, nil
}
