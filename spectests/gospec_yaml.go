package spectests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// This file reads the YAML of the vectors into Go values the way another
// implementation would: from the documented conventions, without sharing
// code with the generator.

// fieldName is the consensus-specs name of a Go field:
// ValidatorSyncCommitteeIndices -> validator_sync_committee_indices,
// SlashingDB -> slashing_db.
func fieldName(name string) string {
	r := []rune(name)
	var sb strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				sb.WriteByte('_')
			}
		}
		sb.WriteRune(unicode.ToLower(c))
	}
	return sb.String()
}

// parseYAMLDocument parses one YAML document into its root node.
func parseYAMLDocument(raw []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("not a single YAML document")
	}
	return doc.Content[0], nil
}

// decodeContainerYAML fills v (a pointer to a struct with the field layout
// of an SSZ container, as the DV containers of SPEC.md) from a YAML value:
// a mapping with exactly the container's fields; integers for uint64s;
// 0x-hex for byte vectors and byte lists; sequences for lists; and for an
// optional value (SSZ List[T, 1], ssz-type:"optional-list") a sequence of
// zero or one element.
func decodeContainerYAML(n *yaml.Node, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("decodeContainerYAML: want a non-nil pointer, got %T", v)
	}
	return decodeYAMLValue(n, rv.Elem(), false, "value")
}

func decodeYAMLValue(n *yaml.Node, v reflect.Value, optionalList bool, path string) error {
	if v.Kind() == reflect.Pointer {
		if optionalList {
			if n.Kind != yaml.SequenceNode || len(n.Content) > 1 {
				return fmt.Errorf("%s: want a list of at most one element", path)
			}
			if len(n.Content) == 0 {
				v.Set(reflect.Zero(v.Type()))
				return nil
			}
			n = n.Content[0]
		}
		p := reflect.New(v.Type().Elem())
		if err := decodeYAMLValue(n, p.Elem(), false, path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("%s: want a mapping", path)
		}
		fields := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := fields[k]; dup {
				return fmt.Errorf("%s: duplicate key %q", path, k)
			}
			fields[k] = n.Content[i+1]
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := fieldName(f.Name)
			fn, ok := fields[name]
			if !ok {
				return fmt.Errorf("%s: missing field %q", path, name)
			}
			delete(fields, name)
			if err := decodeYAMLValue(fn, v.Field(i), f.Tag.Get("ssz-type") == "optional-list", path+"."+name); err != nil {
				return err
			}
		}
		for k := range fields {
			return fmt.Errorf("%s: unknown field %q", path, k)
		}
		return nil
	case reflect.Uint64, reflect.Uint32, reflect.Uint16, reflect.Uint8:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return fmt.Errorf("%s: want an integer", path)
		}
		u, err := strconv.ParseUint(n.Value, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		v.SetUint(u)
		return nil
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return fmt.Errorf("%s: want a boolean", path)
		}
		v.SetBool(n.Value == "true")
		return nil
	case reflect.Array, reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			var h Hex
			if err := h.UnmarshalYAML(n); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if v.Kind() == reflect.Array {
				if len(h) != v.Len() {
					return fmt.Errorf("%s: %d bytes, want %d", path, len(h), v.Len())
				}
				reflect.Copy(v, reflect.ValueOf([]byte(h)))
				return nil
			}
			v.SetBytes(append([]byte{}, h...))
			return nil
		}
		if v.Kind() == reflect.Array || n.Kind != yaml.SequenceNode {
			return fmt.Errorf("%s: want a list", path)
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if err := decodeYAMLValue(item, s.Index(i), false, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	}
	return fmt.Errorf("%s: unsupported Go type %s", path, v.Type())
}

// yamlToBeaconJSON turns the YAML of a consensus-specs value into the
// beacon-API JSON go-eth2-client reads: integers become decimal strings,
// everything else keeps its shape.
func yamlToBeaconJSON(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeBeaconJSON(&buf, n); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeBeaconJSON(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			buf.Write(k)
			buf.WriteByte(':')
			if err := writeBeaconJSON(buf, n.Content[i+1]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeBeaconJSON(buf, c); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!str":
			s, _ := json.Marshal(n.Value)
			buf.Write(s)
		case "!!bool":
			buf.WriteString(n.Value)
		default:
			return fmt.Errorf("line %d: unexpected %s", n.Line, n.Tag)
		}
	default:
		return fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return nil
}
