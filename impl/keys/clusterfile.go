package keys

import (
	"crypto/sha256"
	"fmt"
	"os"
	"sync"

	"github.com/dvspec/go-dvspec/spec/cluster"
)

// LoadClusterDefinition reads a cluster.json file and parses and validates
// it (cluster.Parse, SPEC.md section 11).
func LoadClusterDefinition(path string) (*cluster.Definition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if c := parsed.get(sum); c != nil {
		return c, nil
	}
	c, err := cluster.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	parsed.put(sum, c)
	return c, nil
}

// parsed remembers the definitions this process parsed and validated, by
// the hash of the file's bytes: the nodes of an in-process devnet load the
// same cluster.json, and validating it checks every validator's public
// shares (a G1 interpolation and subgroup checks each: most of a
// 10,000-validator devnet's start-up). Only byte-identical files hit, and
// each caller gets its own copy (an SSZ round trip, plus the operators'
// addresses, which the SSZ container leaves out).
var parsed definitionCache

type definitionCache struct {
	mu sync.Mutex
	m  map[[32]byte]cachedDefinition
}

type cachedDefinition struct {
	ssz   []byte
	addrs []string
}

func (d *definitionCache) get(sum [32]byte) *cluster.Definition {
	d.mu.Lock()
	e, ok := d.m[sum]
	d.mu.Unlock()
	if !ok {
		return nil
	}
	c := new(cluster.Definition)
	if err := c.UnmarshalSSZ(e.ssz); err != nil || len(c.Operators) != len(e.addrs) {
		return nil
	}
	for i, op := range c.Operators {
		c.Operators[i] = cluster.NewOperator(op.Index, op.NodePublicKey, e.addrs[i])
	}
	return c
}

func (d *definitionCache) put(sum [32]byte, c *cluster.Definition) {
	b, err := c.MarshalSSZ()
	if err != nil {
		return
	}
	e := cachedDefinition{ssz: b}
	for _, op := range c.Operators {
		e.addrs = append(e.addrs, op.Address())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil || len(d.m) >= 16 {
		d.m = map[[32]byte]cachedDefinition{}
	}
	d.m[sum] = e
}

// WriteClusterDefinition validates c and writes it as cluster.json (mode
// 0644: it holds no secret).
func WriteClusterDefinition(path string, c *cluster.Definition) error {
	if err := c.Validate(); err != nil {
		return err
	}
	b, err := c.MarshalJSON()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, b, 0o644); err != nil {
		return err
	}
	// Validated just now: loading these bytes need not validate again.
	parsed.put(sha256.Sum256(b), c)
	return nil
}
