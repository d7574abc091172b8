package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// The YAML conventions of every vector (vectors/README.md, "YAML"):
//   - unsigned integers (uint64, and uint256 in execution payloads) are plain
//     YAML integers, as in consensus-spec-tests;
//   - byte strings of every length are single-quoted '0x'-prefixed lower-case
//     hex strings;
//   - mapping keys appear in a fixed order (struct declaration order, which
//     for SSZ containers is the field order of SPEC.md or consensus-specs);
//   - block style, two-space indent, one document per file.

// Hex is a byte string written as '0x...'.
type Hex []byte

// MarshalYAML implements yaml.Marshaler.
func (h Hex) MarshalYAML() (any, error) { return hexNode(h), nil }

func hexNode(b []byte) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.SingleQuotedStyle, Value: "0x" + hex.EncodeToString(b)}
}

func intNode(decimal string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: decimal}
}

func uintNode(v uint64) *yaml.Node { return intNode(strconv.FormatUint(v, 10)) }

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func mapNode(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, strNode(kv[i].(string)), toNode(kv[i+1]))
	}
	return n
}

func seqNode(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

// toNode converts the few Go values the generators use directly.
func toNode(v any) *yaml.Node {
	switch x := v.(type) {
	case *yaml.Node:
		return x
	case Hex:
		return hexNode(x)
	case string:
		return strNode(x)
	case uint64:
		return uintNode(x)
	case int:
		if x < 0 {
			panic("negative integer in a vector")
		}
		return uintNode(uint64(x))
	case bool:
		return boolNode(x)
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	panic(fmt.Sprintf("toNode: unsupported %T", v))
}

// encodeYAML renders v (a *yaml.Node, or a struct with yaml tags) as one
// YAML document with two-space indentation.
func encodeYAML(v any) []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("yaml: %v", err))
	}
	if err := enc.Close(); err != nil {
		panic(fmt.Sprintf("yaml: %v", err))
	}
	return buf.Bytes()
}

// snakeCase turns a Go field name into the consensus-specs field name:
// ValidatorSyncCommitteeIndices -> validator_sync_committee_indices,
// SlashingDB -> slashing_db, ETH1Data -> eth1_data.
func snakeCase(name string) string {
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

// sszNode renders an SSZ container held in a Go struct (the DV containers
// of SPEC.md, generated with dynamic-ssz) field by field: containers become
// mappings in field order with snake_case keys, uint64 kinds integers, byte
// arrays and byte slices hex, lists sequences, and an optional-list pointer
// (ssz-type:"optional-list", SSZ List[T, 1]) a sequence of zero or one
// element. A nil container pointer is the container's zero value, as in the
// generated encoders.
func sszNode(v reflect.Value, optionalList bool) *yaml.Node {
	if v.Kind() == reflect.Pointer {
		if optionalList {
			if v.IsNil() {
				return seqNode()
			}
			return seqNode(sszNode(v.Elem(), false))
		}
		if v.IsNil() {
			return sszNode(reflect.New(v.Type().Elem()).Elem(), false)
		}
		return sszNode(v.Elem(), false)
	}
	switch v.Kind() {
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			opt := f.Tag.Get("ssz-type") == "optional-list"
			n.Content = append(n.Content, strNode(snakeCase(f.Name)), sszNode(v.Field(i), opt))
		}
		return n
	case reflect.Uint64, reflect.Uint32, reflect.Uint16, reflect.Uint8:
		return uintNode(v.Uint())
	case reflect.Bool:
		return boolNode(v.Bool())
	case reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
			return hexNode(b)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return hexNode(v.Bytes())
		}
		items := make([]*yaml.Node, v.Len())
		for i := range items {
			items[i] = sszNode(v.Index(i), false)
		}
		return seqNode(items...)
	}
	panic(fmt.Sprintf("sszNode: unsupported %s", v.Type()))
}

// containerNode is sszNode for a container value.
func containerNode(obj any) *yaml.Node { return sszNode(reflect.ValueOf(obj), false) }

// jsonNode converts the beacon-API JSON of a go-eth2-client value into the
// YAML conventions: decimal strings (the beacon API's uint64 and uint256
// encoding) become integers, 0x strings stay hex (lower-cased: execution
// addresses come back EIP-55 checksummed), key order is kept.
func jsonNode(v json.Marshaler) *yaml.Node {
	raw, err := v.MarshalJSON()
	if err != nil {
		panic(fmt.Sprintf("json: %v", err))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := jsonValue(dec)
	if err != nil {
		panic(fmt.Sprintf("json to yaml: %v", err))
	}
	return n
}

func jsonValue(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := k.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v", k)
				}
				val, err := jsonValue(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, strNode(key), val)
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := seqNode()
			for dec.More() {
				val, err := jsonValue(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, val)
			}
			_, err := dec.Token()
			return n, err
		}
	case string:
		if isDecimal(t) {
			if _, ok := new(big.Int).SetString(t, 10); !ok {
				return nil, fmt.Errorf("bad decimal %q", t)
			}
			return intNode(t), nil
		}
		if strings.HasPrefix(t, "0x") {
			b, err := hex.DecodeString(t[2:])
			if err != nil {
				return nil, fmt.Errorf("bad hex %q", t)
			}
			return hexNode(b), nil
		}
		return nil, fmt.Errorf("string %q is neither decimal nor hex", t)
	case json.Number:
		if !isDecimal(t.String()) {
			return nil, fmt.Errorf("number %s is not an unsigned integer", t)
		}
		return intNode(t.String()), nil
	case bool:
		return boolNode(t), nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func isDecimal(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
