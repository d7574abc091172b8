package main

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/names"
)

func init() {
	register(generator{
		Runner:   "bls",
		Summary:  "threshold BLS: thresholds M and F, deterministic split, partial signatures, share verification, recombination of signatures and public keys, and their named failures",
		Generate: genBLS,
	})
}

const blsRef = "SPEC.md section 5 (threshold BLS)"

func blsCase(w *Writer, handler, suite, name string, meta Meta, input *yaml.Node, output any, wantErr string, gotErr error) {
	c := &Case{Preset: "general", Fork: "phase0", Runner: "bls", Handler: handler, Suite: suite, Name: name, Meta: meta}
	var data *yaml.Node
	if wantErr != "" {
		names := names.ErrorNames(gotErr)
		if len(names) == 0 || names[0] != wantErr {
			panic(fmt.Sprintf("%s: the spec returned %v (%v), the case expects %s", c.Path(), gotErr, names, wantErr))
		}
		data = mapNode("input", input, "error", wantErr)
	} else {
		if gotErr != nil {
			panic(fmt.Sprintf("%s: the spec failed: %v", c.Path(), gotErr))
		}
		data = mapNode("input", input, "output", output)
	}
	c.YAML("data", data)
	w.Add(c)
}

func shareNode(s bls.Share) *yaml.Node {
	return mapNode("index", s.Index, "secret_key", Hex(s.SecretKey[:]))
}

func publicShareNode(p bls.PublicShare) *yaml.Node {
	return mapNode("index", p.Index, "public_key", Hex(p.PublicKey[:]))
}

func partialNode(p bls.PartialSignature) *yaml.Node {
	return mapNode("index", p.Index, "signature", Hex(p.Signature[:]))
}

// curveOrder is r, the order of the BLS12-381 groups, big-endian.
var curveOrder = bls.SecretKey{
	0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
	0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
}

// malformedSignature is 96 bytes with the compression flag set whose x
// coordinate is not on the curve: every BLS library must refuse it.
func malformedSignature() bls.Signature {
	for i := 0; ; i++ {
		d := derive(fmt.Sprintf("bls/malformed_signature/%d", i))
		var sig bls.Signature
		copy(sig[:], d[:])
		copy(sig[32:], d[:])
		copy(sig[64:], d[:])
		sig[0] = 0x80 | (sig[0] & 0x1f)
		if bls.ValidateSignature(sig) != nil {
			return sig
		}
	}
}

// malformedPublicKey is 48 bytes with the compression flag set that are
// not a point of G1.
func malformedPublicKey() bls.PublicKey {
	for i := 0; ; i++ {
		d := derive(fmt.Sprintf("bls/malformed_public_key/%d", i))
		var pk bls.PublicKey
		copy(pk[:], d[:])
		copy(pk[32:], d[:16])
		pk[0] = 0x80 | (pk[0] & 0x1f)
		if bls.KeyValidate(pk) != nil {
			return pk
		}
	}
}

func blsMessage(label string) []byte {
	d := derive("bls/message/" + label)
	return d[:]
}

func genBLS(w *Writer) {
	genBLSThreshold(w)
	genBLSSplit(w)
	genBLSPartial(w)
	genBLSRecover(w)
}

func genBLSThreshold(w *Writer) {
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 31, 100, 256} {
		m, f := spec.Threshold(n), spec.Faulty(n)
		note := ""
		if n%3 == 0 {
			note = fmt.Sprintf(" The older formula floor(2N/3)+1 gives %d here: the two differ exactly when N is a multiple of 3.", spec.LegacyThreshold(n))
		}
		blsCase(w, "threshold", "formula", fmt.Sprintf("n_%d", n), Meta{
			Description: fmt.Sprintf("a cluster of N=%d co-validators.%s", n, note),
			Proves:      "the implementation's threshold is M = ceil(2N/3) and its fault bound F = floor((N-1)/3)",
			References:  []string{"SPEC.md section 1 (parameters)", "HEAD commit ee72097"},
		}, mapNode("n", n), mapNode("threshold", m, "faulty", f), "", nil)
	}
}

func genBLSSplit(w *Writer) {
	type sc struct {
		name    string
		v       uint64
		m, n    int
		seed    string
		purpose string
	}
	for _, s := range []sc{
		{"interop_0_1_of_1", 0, 1, 1, "dvspec/vectors/bls/split/1", "a single co-validator holds the key itself (degree-0 polynomial)"},
		{"interop_0_2_of_3", 0, 2, 3, "dvspec/vectors/bls/split/1", "the smallest cluster with a threshold below N"},
		{"interop_0_3_of_4", 0, 3, 4, "dvspec/vectors/bls/split/1", "the usual 3-of-4 cluster"},
		{"interop_0_3_of_4_other_seed", 0, 3, 4, "dvspec/vectors/bls/split/2", "the same key and threshold as interop_0_3_of_4 with another seed: independent shares"},
		{"interop_0_3_of_5_same_seed", 0, 3, 5, "dvspec/vectors/bls/split/1", "the same key, threshold and seed as interop_0_3_of_4 with N=5: the first four shares are the same, since the polynomial depends on the threshold, not on N"},
		{"interop_0_4_of_5", 0, 4, 5, "dvspec/vectors/bls/split/1", "the same key and seed with threshold 4: a different polynomial, since the threshold is part of key_info"},
		{"interop_9_5_of_7", 9, 5, 7, "dvspec/vectors/bls/split/9", "a 5-of-7 cluster"},
		{"interop_13_7_of_10", 13, 7, 10, "", "a 7-of-10 cluster with an empty seed"},
	} {
		k := interop(s.v)
		shares, err := bls.Split(k.Secret, s.m, s.n, []byte(s.seed))
		var out *yaml.Node
		if err == nil {
			items := make([]*yaml.Node, 0, len(shares))
			for _, sh := range shares {
				p, err := sh.PublicShare()
				if err != nil {
					panic(err)
				}
				items = append(items, mapNode("index", sh.Index, "secret_key", Hex(sh.SecretKey[:]), "public_key", Hex(p.PublicKey[:])))
			}
			out = mapNode("public_key", k.pub(), "shares", seqNode(items...))
		}
		blsCase(w, "split", "valid", s.name, Meta{
			Description: fmt.Sprintf("interop key %d split %d-of-%d with seed %q: %s", s.v, s.m, s.n, s.seed, s.purpose),
			Proves:      "the implementation derives the sharing polynomial exactly as SPEC.md section 5 (HKDF_mod_r of the secret and seed, the threshold in key_info) and evaluates it at 1..N",
			References:  []string{blsRef, "EIP-2333 HKDF_mod_r"},
			Keys:        interopKeysNode(s.v),
		}, mapNode("secret_key", Hex(k.Secret[:]), "threshold", s.m, "n", s.n, "seed", Hex([]byte(s.seed))), out, "", err)
	}
	k := interop(0)
	for _, s := range []struct {
		name, why, want string
		secret          bls.SecretKey
		m, n            int
	}{
		{"threshold_zero", "threshold 0", "invalid_threshold", k.Secret, 0, 4},
		{"threshold_above_n", "threshold 5 with N=4", "invalid_threshold", k.Secret, 5, 4},
		{"zero_secret", "the secret key 0", "invalid_secret_key", bls.SecretKey{}, 3, 4},
		{"secret_is_r", "the secret key r (the group order), which is not below r", "invalid_secret_key", curveOrder, 3, 4},
	} {
		_, err := bls.Split(s.secret, s.m, s.n, []byte("dvspec/vectors/bls/split/1"))
		blsCase(w, "split", "invalid", s.name, Meta{
			Description: "a split with " + s.why,
			Proves:      "the implementation refuses to split with " + s.why + " (" + s.want + ")",
			References:  []string{blsRef},
		}, mapNode("secret_key", Hex(s.secret[:]), "threshold", s.m, "n", s.n, "seed", Hex([]byte("dvspec/vectors/bls/split/1"))), nil, s.want, err)
	}
}

func genBLSPartial(w *Writer) {
	cl := newCluster(0, 4)
	msg := blsMessage("partial")
	for _, sh := range cl.Shares {
		part, err := sh.Sign(msg)
		if err == nil {
			verified(cl.Public[sh.Index-1].PublicKey, msg, part.Signature)
		}
		blsCase(w, "partial_sign", "valid", fmt.Sprintf("share_%d_of_4", sh.Index), Meta{
			Description: fmt.Sprintf("share %d of validator 0 (3-of-4) signs a 32-byte message", sh.Index),
			Proves:      "a partial signature is the plain BLS signature of the message under the share's secret key, tagged with the share index",
			References:  []string{blsRef, "consensus-specs bls.Sign"},
			Keys:        cl.keysNode(),
		}, mapNode("share", shareNode(sh), "message", Hex(msg)), partialNode(part), "", err)
	}
	zero := bls.Share{Index: 0, SecretKey: cl.Shares[0].SecretKey}
	_, err := zero.Sign(msg)
	blsCase(w, "partial_sign", "invalid", "zero_index", Meta{
		Description: "a share with index 0 (the secret's own x coordinate) signs",
		Proves:      "the implementation refuses share index 0 (zero_index)",
		References:  []string{blsRef},
	}, mapNode("share", shareNode(zero), "message", Hex(msg)), nil, "zero_index", err)
	badKey := bls.Share{Index: 1, SecretKey: curveOrder}
	_, err = badKey.Sign(msg)
	blsCase(w, "partial_sign", "invalid", "secret_is_r", Meta{
		Description: "a share whose secret key is r, not a valid scalar",
		Proves:      "the implementation refuses an invalid share secret (invalid_secret_key)",
		References:  []string{blsRef},
	}, mapNode("share", shareNode(badKey), "message", Hex(msg)), nil, "invalid_secret_key", err)

	// verify_partial
	part2, _ := cl.Shares[1].Sign(msg)
	part3, _ := cl.Shares[2].Sign(msg)
	verified(cl.Public[1].PublicKey, msg, part2.Signature)
	verified(cl.Public[2].PublicKey, msg, part3.Signature)
	other := blsMessage("partial/other")
	partOther, _ := cl.Shares[1].Sign(other)
	verified(cl.Public[1].PublicKey, other, partOther.Signature)
	full := sign(cl.Validator.Secret, msg)
	badSig := malformedSignature()
	badPK := malformedPublicKey()
	type vc struct {
		name, desc string
		pub        bls.PublicShare
		msg        []byte
		part       bls.PartialSignature
		want       bool
		invalid    []InvalidValue
	}
	for _, v := range []vc{
		{"valid", "share 2's signature of the message, against share 2's public key", cl.Public[1], msg, part2, true, nil},
		{"other_message", "share 2's signature of another message", cl.Public[1], msg, partOther, false, nil},
		{"other_share", "share 3's signature presented as share 2's (index 2)", cl.Public[1], msg, bls.PartialSignature{Index: 2, Signature: part3.Signature}, false, nil},
		{"index_mismatch", "share 2's valid signature tagged with index 3", cl.Public[1], msg, bls.PartialSignature{Index: 3, Signature: part2.Signature}, false, nil},
		{"validator_signature", "the validator key's own signature presented as share 2's", cl.Public[1], msg, bls.PartialSignature{Index: 2, Signature: full}, false, nil},
		{"infinity_signature", "the point at infinity as share 2's signature (no share ever signs it)", cl.Public[1], msg, bls.PartialSignature{Index: 2, Signature: infinitySignature}, false, nil},
		{"malformed_signature", "96 bytes that are not a point of G2", cl.Public[1], msg, bls.PartialSignature{Index: 2, Signature: badSig}, false,
			[]InvalidValue{{Hex(badSig[:]), "not a G2 point"}}},
		{"malformed_public_key", "share 2's signature against 48 bytes that are not a point of G1", bls.PublicShare{Index: 2, PublicKey: badPK}, msg, part2, false,
			[]InvalidValue{{Hex(badPK[:]), "not a G1 point"}}},
		{"zero_index", "index 0 on both the public share and the signature", bls.PublicShare{Index: 0, PublicKey: cl.Public[1].PublicKey}, msg, bls.PartialSignature{Index: 0, Signature: part2.Signature}, false, nil},
	} {
		got := bls.VerifyPartial(v.pub, v.msg, v.part)
		if got != v.want {
			panic(fmt.Sprintf("verify_partial/%s: spec says %v", v.name, got))
		}
		proves := "the implementation accepts a correct partial signature"
		if !v.want {
			proves = "the implementation rejects a partial signature that is not the share's signature of the message, before it could be combined"
		}
		suite := "invalid"
		if v.want {
			suite = "valid"
		}
		blsCase(w, "verify_partial", suite, v.name, Meta{
			Description: v.desc, Proves: proves,
			References: []string{blsRef, "SPEC.md section 5 (verification before combination)"}, Keys: cl.keysNode(),
			DeliberatelyInvalid: v.invalid,
		}, mapNode("public_share", publicShareNode(v.pub), "message", Hex(v.msg), "partial_signature", partialNode(v.part)), boolNode(v.want), "", nil)
	}
}

func genBLSRecover(w *Writer) {
	msg := blsMessage("recover")
	type rc struct {
		name, desc string
		v          uint64
		n          int
		use        []uint64 // share indices, in the order given
	}
	cases := []rc{
		{"n4_shares_123", "shares 1, 2, 3 of a 3-of-4 cluster", 0, 4, []uint64{1, 2, 3}},
		{"n4_shares_124", "shares 1, 2, 4 of a 3-of-4 cluster", 0, 4, []uint64{1, 2, 4}},
		{"n4_shares_134", "shares 1, 3, 4 of a 3-of-4 cluster", 0, 4, []uint64{1, 3, 4}},
		{"n4_shares_234", "shares 2, 3, 4 of a 3-of-4 cluster", 0, 4, []uint64{2, 3, 4}},
		{"n4_all_shares", "all four shares of a 3-of-4 cluster: the three smallest indices are used", 0, 4, []uint64{1, 2, 3, 4}},
		{"n4_unordered", "shares 4, 1, 3 in that order: the result does not depend on the order", 0, 4, []uint64{4, 1, 3}},
		{"n3_shares_13", "shares 1 and 3 of a 2-of-3 cluster (M = ceil(2N/3) = 2)", 3, 3, []uint64{1, 3}},
		{"n1", "the single share of a 1-of-1 cluster", 1, 1, []uint64{1}},
		{"n7_shares_23567", "shares 2, 3, 5, 6, 7 of a 5-of-7 cluster", 7, 7, []uint64{2, 3, 5, 6, 7}},
		{"n10_shares_1_to_10_reversed", "all ten shares of a 7-of-10 cluster, highest index first", 10, 10, []uint64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
	}
	for _, r := range cases {
		cl := newCluster(r.v, r.n)
		var parts []bls.PartialSignature
		var pubs []bls.PublicShare
		for _, i := range r.use {
			p, err := cl.Shares[i-1].Sign(msg)
			if err != nil {
				panic(err)
			}
			verified(cl.Public[i-1].PublicKey, msg, p.Signature)
			parts = append(parts, p)
			pubs = append(pubs, cl.Public[i-1])
		}
		sig, err := bls.RecoverSignature(parts, cl.M)
		if err == nil {
			verified(cl.Validator.Public, msg, sig)
		}
		meta := Meta{
			Description: r.desc + "; each partial signature signs the same 32-byte message",
			Proves:      "Lagrange recombination at 0 of the threshold shares with the smallest indices gives the validator's own signature (it verifies under public_key)",
			References:  []string{blsRef, "consensus-specs bls.Verify"},
			Keys:        cl.keysNode(),
		}
		partNodes := make([]*yaml.Node, len(parts))
		for i, p := range parts {
			partNodes[i] = partialNode(p)
		}
		blsCase(w, "recover_signature", "valid", r.name, meta,
			mapNode("threshold", cl.M, "message", Hex(msg), "public_key", cl.Validator.pub(), "partial_signatures", seqNode(partNodes...)),
			Hex(sig[:]), "", err)

		pk, err := bls.RecoverPublicKey(pubs, cl.M)
		if err == nil && pk != cl.Validator.Public {
			panic("recovered public key differs")
		}
		pubNodes := make([]*yaml.Node, len(pubs))
		for i, p := range pubs {
			pubNodes[i] = publicShareNode(p)
		}
		meta.Proves = "Lagrange recombination at 0 of the threshold public shares with the smallest indices gives the validator public key"
		meta.Description = r.desc + " (public shares)"
		blsCase(w, "recover_public_key", "valid", r.name, meta,
			mapNode("threshold", cl.M, "public_shares", seqNode(pubNodes...)), Hex(pk[:]), "", err)
	}

	// Failures, on the 3-of-4 cluster of validator 0.
	cl := newCluster(0, 4)
	part := func(i uint64) bls.PartialSignature {
		p, err := cl.Shares[i-1].Sign(msg)
		if err != nil {
			panic(err)
		}
		return bls.PartialSignature{Index: p.Index, Signature: verified(cl.Public[i-1].PublicKey, msg, p.Signature)}
	}
	badSig := malformedSignature()
	badPK := malformedPublicKey()
	type fc struct {
		name, desc, want string
		threshold        int
		parts            []bls.PartialSignature
		pubs             []bls.PublicShare
		invalid          []InvalidValue
	}
	for _, f := range []fc{
		{"too_few_shares", "two shares with threshold 3", "too_few_shares", 3,
			[]bls.PartialSignature{part(1), part(2)}, []bls.PublicShare{cl.Public[0], cl.Public[1]}, nil},
		{"duplicate_index", "shares 1, 1, 2 with threshold 3", "duplicate_index", 3,
			[]bls.PartialSignature{part(1), part(1), part(2)}, []bls.PublicShare{cl.Public[0], cl.Public[0], cl.Public[1]}, nil},
		{"duplicate_index_beyond_threshold", "shares 1, 2, 3, 3 with threshold 3: the duplicate is among the shares that would not be used, and is refused all the same", "duplicate_index", 3,
			[]bls.PartialSignature{part(1), part(2), part(3), part(3)}, []bls.PublicShare{cl.Public[0], cl.Public[1], cl.Public[2], cl.Public[2]}, nil},
		{"zero_index", "share 1's value tagged with index 0, with shares 2 and 3", "zero_index", 3,
			[]bls.PartialSignature{{Index: 0, Signature: part(1).Signature}, part(2), part(3)},
			[]bls.PublicShare{{Index: 0, PublicKey: cl.Public[0].PublicKey}, cl.Public[1], cl.Public[2]}, nil},
		{"threshold_zero", "three shares with threshold 0", "invalid_threshold", 0,
			[]bls.PartialSignature{part(1), part(2), part(3)}, []bls.PublicShare{cl.Public[0], cl.Public[1], cl.Public[2]}, nil},
		{"malformed_value", "shares 1, 2 and a fourth value that is not a curve point", "", 3,
			[]bls.PartialSignature{part(1), part(2), {Index: 4, Signature: badSig}}, []bls.PublicShare{cl.Public[0], cl.Public[1], {Index: 4, PublicKey: badPK}},
			[]InvalidValue{{Hex(badSig[:]), "not a G2 point"}, {Hex(badPK[:]), "not a G1 point"}}},
		{"malformed_unused_value", "shares 1, 2, 3 and a malformed fourth value that would not be used: every value is checked", "", 3,
			[]bls.PartialSignature{part(1), part(2), part(3), {Index: 4, Signature: badSig}}, []bls.PublicShare{cl.Public[0], cl.Public[1], cl.Public[2], {Index: 4, PublicKey: badPK}},
			[]InvalidValue{{Hex(badSig[:]), "not a G2 point"}, {Hex(badPK[:]), "not a G1 point"}}},
		{"infinity_share", "shares 1, 2 and the point at infinity as share 3", "", 3,
			[]bls.PartialSignature{part(1), part(2), {Index: 3, Signature: infinitySignature}}, nil, nil},
	} {
		_, err := bls.RecoverSignature(f.parts, f.threshold)
		want := f.want
		if want == "" {
			want = "invalid_signature"
		}
		partNodes := make([]*yaml.Node, len(f.parts))
		for i, p := range f.parts {
			partNodes[i] = partialNode(p)
		}
		blsCase(w, "recover_signature", "invalid", f.name, Meta{
			Description: f.desc, Proves: "the implementation refuses to recombine: " + want,
			References: []string{blsRef, "spec/bls.RecoverSignature (rules checked in order)"}, Keys: cl.keysNode(),
			DeliberatelyInvalid: f.invalid,
		}, mapNode("threshold", f.threshold, "message", Hex(msg), "public_key", cl.Validator.pub(), "partial_signatures", seqNode(partNodes...)), nil, want, err)
		if f.pubs == nil {
			continue
		}
		_, err = bls.RecoverPublicKey(f.pubs, f.threshold)
		want = f.want
		if want == "" {
			want = "invalid_public_key"
		}
		pubNodes := make([]*yaml.Node, len(f.pubs))
		for i, p := range f.pubs {
			pubNodes[i] = publicShareNode(p)
		}
		var inv []InvalidValue
		for _, v := range f.invalid {
			if len(v.Value) == 48 {
				inv = append(inv, v)
			}
		}
		blsCase(w, "recover_public_key", "invalid", f.name, Meta{
			Description: f.desc + " (public shares)", Proves: "the implementation refuses to recombine: " + want,
			References: []string{blsRef, "spec/bls.RecoverPublicKey"}, Keys: cl.keysNode(),
			DeliberatelyInvalid: inv,
		}, mapNode("threshold", f.threshold, "public_shares", seqNode(pubNodes...)), nil, want, err)
	}

	// Recombinations that succeed but do not give the validator's signature:
	// why the threshold must be right and every share verified first.
	p1, p2 := part(1), part(2)
	wrongT, err := bls.RecoverSignature([]bls.PartialSignature{p1, p2}, 2)
	if err != nil {
		panic(err)
	}
	blsCase(w, "recover_signature", "not_the_validator_signature", "threshold_too_low", Meta{
		Description: "shares 1 and 2 of a 3-of-4 cluster recombined with threshold 2 (the caller passes the wrong threshold)",
		Proves:      "recombination is plain interpolation: with a threshold below the polynomial's degree + 1 it still returns a point, and that point is not the validator's signature; the output is exact so an implementation's interpolation can be compared, and it must not verify under public_key",
		References:  []string{blsRef},
		Keys:        cl.keysNode(),
		DeliberatelyInvalid: []InvalidValue{mustInvalidSignature(cl.Validator.Public, msg, wrongT,
			"interpolation of 2 shares of a degree-2 polynomial: not the validator's signature")},
	}, mapNode("threshold", 2, "message", Hex(msg), "public_key", cl.Validator.pub(), "partial_signatures", seqNode(partialNode(p1), partialNode(p2))),
		Hex(wrongT[:]), "", nil)
	// A real signature by share 3's key of another message, tagged 3.
	other := blsMessage("recover/other")
	bad3, _ := cl.Shares[2].Sign(other)
	verified(cl.Public[2].PublicKey, other, bad3.Signature)
	mixed, err := bls.RecoverSignature([]bls.PartialSignature{p1, p2, bad3}, 3)
	if err != nil {
		panic(err)
	}
	blsCase(w, "recover_signature", "not_the_validator_signature", "unverified_share", Meta{
		Description: "shares 1 and 2 of the message, and share 3's signature of another message, recombined with threshold 3",
		Proves:      "recombination does not verify shares; one wrong share gives a signature that fails under public_key, which is why every share is verified (verify_partial) before it is combined",
		References:  []string{blsRef, "SPEC.md section 5 (verification before combination)"},
		Keys:        cl.keysNode(),
		DeliberatelyInvalid: []InvalidValue{mustInvalidSignature(cl.Validator.Public, msg, mixed,
			"recombined from two good shares and one share of another message")},
	}, mapNode("threshold", 3, "message", Hex(msg), "public_key", cl.Validator.pub(), "partial_signatures", seqNode(partialNode(p1), partialNode(p2), partialNode(bad3))),
		Hex(mixed[:]), "", nil)
}
