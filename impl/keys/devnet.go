package keys

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/bellatrix"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// DevnetConfig describes a local devnet cluster built from interop keys.
type DevnetConfig struct {
	// Name is the cluster name (default "devnet").
	Name string
	// Operators is N, the number of nodes (1..256).
	Operators int
	// Validators is V, the number of distributed validators (>= 1).
	Validators int
	// InteropStart is the interop index of the first validator; validator k
	// (0-based) has interop index InteropStart+k, which is also its
	// validator index (interop genesis puts key i at registry index i).
	InteropStart uint64
	// Threshold is M (0: spec.Threshold(Operators)).
	Threshold int
	// Seed makes everything else deterministic; it must not be empty.
	Seed []byte
	// Network is the chain (nil: DefaultDevnetNetwork(Seed)).
	Network *cluster.Network
	// Host is the IPv4 address operators listen on (default 127.0.0.1).
	Host string
	// BasePort is operator 1's TCP port; operator i listens on
	// BasePort+i-1 (default 9000).
	BasePort int
	// KDF protects the share keystores (zero value: KDFInsecureFast).
	KDF KDF
}

// Domain-separation tags of the devnet derivations (see README.md).
const (
	devnetPolyTag     = "DVSPEC-DEVNET-POLY-V1"
	devnetPasswordTag = "DVSPEC-DEVNET-PASSWORD-V1"
	devnetKeystoreTag = "DVSPEC-DEVNET-KEYSTORE-V1"
	devnetGVRTag      = "DVSPEC-DEVNET-GVR-V1"
	devnetFeeTag      = "DVSPEC-DEVNET-FEE-RECIPIENT-V1"
)

// DevnetFeeRecipient is the fee recipient of the validator with interop
// index v: the first 20 bytes of
// SHA-256("DVSPEC-DEVNET-FEE-RECIPIENT-V1" || seed || I2OSP(v, 8)).
func DevnetFeeRecipient(seed []byte, v uint64) bellatrix.ExecutionAddress {
	h := devnetHash(devnetFeeTag, seed, v)
	var a bellatrix.ExecutionAddress
	copy(a[:], h[:20])
	return a
}

func devnetHash(tag string, seed []byte, nums ...uint64) [32]byte {
	h := sha256.New()
	h.Write([]byte(tag))
	h.Write(seed)
	for _, n := range nums {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], n)
		h.Write(b[:])
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// DefaultDevnetNetwork is the devnet chain: mainnet fork versions with
// every fork up to fulu active from genesis, 32 slots per epoch, and the
// genesis validators root SHA-256("DVSPEC-DEVNET-GVR-V1" || seed).
func DefaultDevnetNetwork(seed []byte) (*cluster.Network, error) {
	s, err := signing.MainnetVersionsFromGenesis(eth2spec.DataVersionFulu)
	if err != nil {
		return nil, err
	}
	return cluster.NetworkFromSchedule("devnet", devnetHash(devnetGVRTag, seed), spec.MainnetConfig().SlotsPerEpoch, s), nil
}

// DevnetPassword is node index's keystore password:
// hex(SHA-256("DVSPEC-DEVNET-PASSWORD-V1" || seed || I2OSP(index, 8)))[:32].
func DevnetPassword(seed []byte, index uint64) string {
	h := devnetHash(devnetPasswordTag, seed, index)
	return hex.EncodeToString(h[:16])
}

// devnetRandom is the deterministic random source of node index's keystore
// of validator interop index v: ChaCha8 keyed with
// SHA-256("DVSPEC-DEVNET-KEYSTORE-V1" || seed || I2OSP(index, 8) || I2OSP(v, 8)).
func devnetRandom(seed []byte, index, v uint64) io.Reader {
	return rand.NewChaCha8(devnetHash(devnetKeystoreTag, seed, index, v))
}

// DevnetPolynomialSeed is the polynomial seed of the validator with interop
// index v: SHA-256("DVSPEC-DEVNET-POLY-V1" || seed || I2OSP(v, 8)).
func DevnetPolynomialSeed(seed []byte, v uint64) []byte {
	h := devnetHash(devnetPolyTag, seed, v)
	return h[:]
}

// GenerateDevnet writes a whole local cluster under outDir:
//
//	cluster.json
//	node-<i>/node-key.hex                         Ed25519 seed, hex, 0600
//	node-<i>/keystore-password.txt                0600
//	node-<i>/keystores/keystore-<share pk>.json   one per validator, 0600
//
// for i = 1..N. Everything is a function of cfg: the validator keys are
// interop keys, node keys come from NodeKeyFromSeed, shares from SplitKey
// with DevnetPolynomialSeed, passwords from DevnetPassword, keystore salts,
// IVs and UUIDs from a ChaCha8 stream keyed by the seed. The same cfg gives
// byte-identical files. outDir is created if needed; existing files of the
// same names are replaced. It returns the validated cluster definition.
func GenerateDevnet(outDir string, cfg DevnetConfig) (*cluster.Definition, error) {
	if len(cfg.Seed) == 0 {
		return nil, errors.New("devnet: empty seed")
	}
	if cfg.Operators < 1 || cfg.Operators > cluster.MaxOperators {
		return nil, fmt.Errorf("devnet: %d operators, want 1..%d", cfg.Operators, cluster.MaxOperators)
	}
	if cfg.Validators < 1 {
		return nil, fmt.Errorf("devnet: %d validators, want at least 1", cfg.Validators)
	}
	if cfg.Name == "" {
		cfg.Name = "devnet"
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.BasePort == 0 {
		cfg.BasePort = 9000
	}
	if cfg.BasePort < 1 || cfg.BasePort+cfg.Operators-1 > 65535 {
		return nil, fmt.Errorf("devnet: ports %d..%d out of range", cfg.BasePort, cfg.BasePort+cfg.Operators-1)
	}
	if cfg.KDF == (KDF{}) {
		cfg.KDF = KDFInsecureFast
	}
	if cfg.Threshold == 0 {
		cfg.Threshold = spec.Threshold(cfg.Operators)
	}
	network := cfg.Network
	if network == nil {
		var err error
		if network, err = DefaultDevnetNetwork(cfg.Seed); err != nil {
			return nil, err
		}
	}
	def := &cluster.Definition{
		Version:   cluster.Version,
		Name:      []byte(cfg.Name),
		Threshold: uint64(cfg.Threshold),
		Network:   network,
	}
	nodeKeys := make(map[uint64][]byte)
	for i := uint64(1); i <= uint64(cfg.Operators); i++ {
		sk := NodeKeyFromSeed(cfg.Seed, i)
		nodeKeys[i] = sk
		def.Operators = append(def.Operators, cluster.NewOperator(i, NodePublicKey(sk), fmt.Sprintf("/ip4/%s/tcp/%d", cfg.Host, cfg.BasePort+int(i)-1)))
	}
	// Every validator's split on its own core (deterministic: each split
	// is a function of the seed and the validator's index).
	splits := make([]*SplitResult, cfg.Validators)
	def.Validators = make([]*cluster.Validator, cfg.Validators)
	if err := parallelFor(cfg.Validators, func(k int) error {
		v := cfg.InteropStart + uint64(k)
		sk, err := bls.InteropSecretKey(v)
		if err != nil {
			return fmt.Errorf("devnet: %w", err)
		}
		res, err := SplitKey(sk, cfg.Operators, cfg.Threshold, DevnetPolynomialSeed(cfg.Seed, v))
		if err != nil {
			return fmt.Errorf("devnet: validator %d: %w", v, err)
		}
		splits[k] = res
		def.Validators[k] = &cluster.Validator{
			PublicKey:      res.ValidatorPublicKey,
			ValidatorIndex: []uint64{v},
			FeeRecipient:   DevnetFeeRecipient(cfg.Seed, v),
			PublicShares:   res.PublicShares,
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// WriteClusterDefinition validates the definition before it writes it.
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	if err := WriteClusterDefinition(filepath.Join(outDir, "cluster.json"), def); err != nil {
		return nil, fmt.Errorf("devnet: %w", err)
	}
	for i := uint64(1); i <= uint64(cfg.Operators); i++ {
		dir := NodeDir(outDir, i)
		if err := os.MkdirAll(filepath.Join(dir, KeystoresDir), 0o700); err != nil {
			return nil, err
		}
		if err := WriteNodeKeyFile(filepath.Join(dir, NodeKeyFile), nodeKeys[i]); err != nil {
			return nil, err
		}
		pw := DevnetPassword(cfg.Seed, i)
		if err := writeFileAtomic(filepath.Join(dir, KeystorePasswordFile), []byte(pw+"\n"), 0o600); err != nil {
			return nil, err
		}
		if err := parallelFor(len(splits), func(k int) error {
			res := splits[k]
			v := cfg.InteropStart + uint64(k)
			// Not synced one by one (40,000 fsyncs at 10,000 validators):
			// a devnet's keys are interop keys split from a seed, made
			// again identically if a crash lost them.
			if _, err := writeShareKeystore(filepath.Join(dir, KeystoresDir), res.ValidatorPublicKey, res.Shares[i-1], pw, cfg.KDF, devnetRandom(cfg.Seed, i, v), false); err != nil {
				return fmt.Errorf("devnet: node %d, validator %d: %w", i, v, err)
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return def, nil
}

// parallelFor runs f(0..n-1) on every core and returns the error of the
// lowest index that failed (the one a loop would have returned).
func parallelFor(n int, f func(k int) error) error {
	workers := max(runtime.GOMAXPROCS(0), 1)
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				errs[k] = f(k)
			}
		}()
	}
	for k := 0; k < n; k++ {
		next <- k
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
