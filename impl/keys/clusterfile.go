package keys

import (
	"fmt"
	"os"

	"github.com/dvspec/go-dvspec/spec/cluster"
)

// LoadClusterDefinition reads a cluster.json file and parses and validates
// it (cluster.Parse, SPEC.md section 11).
func LoadClusterDefinition(path string) (*cluster.Definition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := cluster.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
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
	return writeFileAtomic(path, b, 0o644)
}
