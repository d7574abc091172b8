package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/spec/bls"
)

// guard enforces the rule every vector keeps: each BLS value is real.
//
// Every signature a generator writes goes through sign or verified, which
// verify it against its public key and message and fail generation
// otherwise. Before anything is written, scan reads every text part of
// every case and requires each 96-byte hex value to be one of those
// verified signatures (or the point at infinity, see below) and each
// 48-byte hex value to pass KeyValidate, unless the case lists it in
// meta.yaml deliberately_invalid, in which case it must really be invalid.
// So no placeholder or random bytes can pass for a BLS value. Ed25519
// signatures (qbft messages) are checked where they are rendered, against
// the message they sign and its sender's node key (edGuard in gen_qbft.go).
type guard struct {
	signatures map[bls.Signature]bool
	pubkeys    map[bls.PublicKey]bool
}

// infinitySignature is the G2 point at infinity. It is the signature of a
// sync aggregate with no participant, which consensus-specs
// (eth_fast_aggregate_verify) accepts; it is the only signature not
// produced by a key.
var infinitySignature = bls.Signature{0xc0}

func newGuard() *guard {
	return &guard{signatures: map[bls.Signature]bool{infinitySignature: true}, pubkeys: map[bls.PublicKey]bool{}}
}

// theGuard is the guard of the running generation; generators sign through
// it. It is reset by generate.
var theGuard = newGuard()

// sign signs msg with sk, verifies the signature and records it.
func sign(sk bls.SecretKey, msg []byte) bls.Signature {
	sig, err := bls.Sign(sk, msg)
	if err != nil {
		panic(fmt.Sprintf("sign: %v", err))
	}
	pk, err := sk.PublicKey()
	if err != nil {
		panic(fmt.Sprintf("sign: %v", err))
	}
	verified(pk, msg, sig)
	return sig
}

// verified checks that sig is a valid signature of msg under pk and records
// it; a signature that does not verify stops generation.
func verified(pk bls.PublicKey, msg []byte, sig bls.Signature) bls.Signature {
	if !bls.Verify(pk, msg, sig) {
		panic(fmt.Sprintf("vectorgen produced a signature that does not verify: pubkey %#x message %#x signature %#x", pk[:8], msg, sig[:8]))
	}
	theGuard.signatures[sig] = true
	return sig
}

var hexValue = regexp.MustCompile(`0x[0-9a-fA-F]+`)

// hexValues returns the hex values of a part: for YAML every scalar that
// is a 0x-hex string, except the values of keys ending in _ssz (SSZ
// encodings written next to the YAML value they encode, which are checked
// through that value); for JSON every 0x-hex substring.
func hexValues(name string, data []byte) []string {
	if !strings.HasSuffix(name, ".yaml") {
		var out []string
		for _, m := range hexValue.FindAll(data, -1) {
			out = append(out, strings.ToLower(string(m)))
		}
		return out
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if strings.HasSuffix(n.Content[i].Value, "_ssz") {
					continue
				}
				walk(n.Content[i+1])
			}
		case yaml.ScalarNode:
			if hexValue.MatchString(n.Value) && hexValue.FindString(n.Value) == n.Value {
				out = append(out, strings.ToLower(n.Value))
			}
		}
	}
	walk(&doc)
	return out
}

func (g *guard) scan(c *Case) error {
	invalid := map[string]bool{}
	for _, v := range c.Meta.DeliberatelyInvalid {
		s := strings.ToLower("0x" + hex.EncodeToString(v.Value))
		invalid[s] = true
		switch len(v.Value) {
		case 48:
			var pk bls.PublicKey
			copy(pk[:], v.Value)
			if bls.KeyValidate(pk) == nil {
				return fmt.Errorf("%s: deliberately invalid public key %s is valid", c.Path(), s)
			}
		case 96:
			var sig bls.Signature
			copy(sig[:], v.Value)
			if g.signatures[sig] {
				return fmt.Errorf("%s: deliberately invalid signature %s is a verified signature", c.Path(), s)
			}
		case 64:
			// An Ed25519 signature of a qbft message: the qbft generator
			// checks it in place (edGuard), where the message it signs is
			// known.
		default:
			return fmt.Errorf("%s: deliberately invalid value %s is neither 48, 64 nor 96 bytes", c.Path(), s)
		}
	}
	names := make([]string, 0, len(c.files))
	for n := range c.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !strings.HasSuffix(n, ".yaml") && !strings.HasSuffix(n, ".json") {
			continue
		}
		if n == "meta.yaml" {
			continue // lists the invalid values themselves
		}
		for _, s := range hexValues(n, c.files[n]) {
			b, err := hex.DecodeString(s[2:])
			if err != nil {
				continue // odd length: not a byte string we wrote
			}
			switch len(b) {
			case 48:
				var pk bls.PublicKey
				copy(pk[:], b)
				if invalid[s] {
					continue
				}
				if !g.pubkeys[pk] {
					if err := bls.KeyValidate(pk); err != nil {
						return fmt.Errorf("%s/%s: 48-byte value %s is not a valid public key: %v", c.Path(), n, s, err)
					}
					g.pubkeys[pk] = true
				}
			case 96:
				var sig bls.Signature
				copy(sig[:], b)
				if invalid[s] {
					continue
				}
				if !g.signatures[sig] {
					return fmt.Errorf("%s/%s: 96-byte value %s is not a signature vectorgen verified", c.Path(), n, s)
				}
			}
		}
	}
	return nil
}

// mustInvalidSignature checks that b is not a verifying signature for
// (pk, msg) and returns it as a deliberately invalid entry.
func mustInvalidSignature(pk bls.PublicKey, msg []byte, sig bls.Signature, why string) InvalidValue {
	if bls.Verify(pk, msg, sig) {
		panic(fmt.Sprintf("signature meant to be invalid verifies: %s", why))
	}
	return InvalidValue{Value: Hex(bytes.Clone(sig[:])), Why: why}
}
