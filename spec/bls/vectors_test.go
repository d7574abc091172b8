package bls

import (
	"testing"
)

// Interop keys 0..9 and their public keys: ethereum/eth2.0-pm
// interop/mocked_start/keygen_10_validators.yaml (the same pairs appear in the
// interop tests of Lighthouse, Teku and Nimbus).
var interopVectors = []struct{ sk, pk string }{
	{"25295f0d1d592a90b333e26e85149708208e9f8e8bc18f6c77bd62f8ad7a6866", "a99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c"},
	{"51d0b65185db6989ab0b560d6deed19c7ead0e24b9b6372cbecb1f26bdfad000", "b89bebc699769726a318c8e9971bd3171297c61aea4a6578a7a4f94b547dcba5bac16a89108b6b6a1fe3695d1a874a0b"},
	{"315ed405fafe339603932eebe8dbfd650ce5dafa561f6928664c75db85f97857", "a3a32b0f8b4ddb83f1a0a853d81dd725dfe577d4f4c3db8ece52ce2b026eca84815c1a7e8e92a4de3d755733bf7e4a9b"},
	{"25b1166a43c109cb330af8945d364722757c65ed2bfed5444b5a2f057f82d391", "88c141df77cd9d8d7a71a75c826c41a9c9f03c6ee1b180f3e7852f6a280099ded351b58d66e653af8e42816a4d8f532e"},
	{"3f5615898238c4c4f906b507ee917e9ea1bb69b93f1dbd11a34d229c3b06784b", "81283b7a20e1ca460ebd9bbd77005d557370cabb1f9a44f530c4c4c66230f675f8df8b4c2818851aa7d77a80ca5a4a5e"},
	{"055794614bc85ed5436c1f5cab586aab6ca84835788621091f4f3b813761e7a8", "ab0bdda0f85f842f431beaccf1250bf1fd7ba51b4100fd64364b6401fda85bb0069b3e715b58819684e7fc0b10a72a34"},
	{"1023c68852075965e0f7352dee3f76a84a83e7582c181c10179936c6d6348893", "9977f1c8b731a8d5558146bfb86caea26434f3c5878b589bf280a42c9159e700e9df0e4086296c20b011d2e78c27d373"},
	{"3a941600dc41e5d20e818473b817a28507c23cdfdb4b659c15461ee5c71e41f5", "a8d4c7c27795a725961317ef5953a7032ed6d83739db8b0e8a72353d1b8b4439427f7efa2c89caa03cc9f28f8cbab8ac"},
	{"066e3bdc0415530e5c7fed6382d5c822c192b620203cf669903e1810a8c67d06", "a6d310dbbfab9a22450f59993f87a4ce5db6223f3b5f1f30d2c4ec718922d400e0b3c7741de8e59960f72411a0ee10a7"},
	{"2b3b88a041168a1c4cd04bdd8de7964fd35238f95442dc678514f9dadb81ec34", "9893413c00283a3f9ed9fd9845dda1cea38228d22567f9541dccc357e54a2d6a6e204103c92564cbc05f4905ac7c493a"},
}

func TestInteropKeys(t *testing.T) {
	for i, v := range interopVectors {
		sk, err := InteropSecretKey(uint64(i))
		if err != nil {
			t.Fatalf("InteropSecretKey(%d): %v", i, err)
		}
		if want := hexSK(t, v.sk); sk != want {
			t.Errorf("InteropSecretKey(%d) differs from the published key", i)
		}
		pk, err := sk.PublicKey()
		if err != nil {
			t.Fatalf("PublicKey(%d): %v", i, err)
		}
		if want := hexPK(t, v.pk); pk != want {
			t.Errorf("interop public key %d = %#x, want %s", i, pk[:], v.pk)
		}
	}
}

// EIP-2333 "Test Cases" 0-3 (ethereum/EIPs, EIPS/eip-2333.md).
var eip2333Vectors = []struct {
	seed          string
	master        string
	childIndex    uint32
	child         string
	masterDecimal bool
}{
	{
		seed:       "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
		master:     "6083874454709270928345386274498605044986640685124978867557563392430687146096",
		childIndex: 0,
		child:      "20397789859736650942317412262472558107875392172444076792671091975210932703118",
	},
	{
		seed:       "3141592653589793238462643383279502884197169399375105820974944592",
		master:     "29757020647961307431480504535336562678282505419141012933316116377660817309383",
		childIndex: 3141592653,
		child:      "25457201688850691947727629385191704516744796114925897962676248250929345014287",
	},
	{
		seed:       "0099FF991111002299DD7744EE3355BBDD8844115566CC55663355668888CC00",
		master:     "27580842291869792442942448775674722299803720648445448686099262467207037398656",
		childIndex: 4294967295,
		child:      "29358610794459428860402234341874281240803786294062035874021252734817515685787",
	},
	{
		seed:       "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3",
		master:     "19022158461524446591288038168518313374041767046816487870552872741050760015818",
		childIndex: 42,
		child:      "31372231650479070279774297061823572166496564838472787488249775572789064611981",
	},
}

func TestEIP2333(t *testing.T) {
	for i, v := range eip2333Vectors {
		master, err := DeriveMasterSK(mustHex(t, v.seed))
		if err != nil {
			t.Fatalf("case %d: DeriveMasterSK: %v", i, err)
		}
		if want := decSK(t, v.master); master != want {
			t.Errorf("case %d: master_SK = %s, want %s", i, skBig(master), v.master)
		}
		child, err := DeriveChildSK(master, v.childIndex)
		if err != nil {
			t.Fatalf("case %d: DeriveChildSK: %v", i, err)
		}
		if want := decSK(t, v.child); child != want {
			t.Errorf("case %d: child_SK = %s, want %s", i, skBig(child), v.child)
		}
	}
}

// Ethereum BLS test vectors, ethereum/bls12-381-tests (v0.1.x), sign/*.yaml.
// The secret keys are the consensus-specs test PRIVKEYS; their public keys are
// the ones the verify/*.yaml cases use.
var signVectors = []struct{ sk, pk, msg, sig string }{
	{"263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3", "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a",
		"0000000000000000000000000000000000000000000000000000000000000000", "b6ed936746e01f8ecf281f020953fbf1f01debd5657c4a383940b020b26507f6076334f91e2366c96e9ab279fb5158090352ea1c5b0c9274504f4f0e7053af24802e51e4568d164fe986834f41e55c8e850ce1f98458c0cfc9ab380b55285a55"},
	{"263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3", "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a",
		"5656565656565656565656565656565656565656565656565656565656565656", "882730e5d03f6b42c3abc26d3372625034e1d871b65a8a6b900a56dae22da98abbe1b68f85e49fe7652a55ec3d0591c20767677e33e5cbb1207315c41a9ac03be39c2e7668edc043d6cb1d9fd93033caa8a1c5b0e84bedaeb6c64972503a43eb"},
	{"263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3", "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a",
		"abababababababababababababababababababababababababababababababab", "91347bccf740d859038fcdcaf233eeceb2a436bcaaee9b2aa3bfb70efe29dfb2677562ccbea1c8e061fb9971b0753c240622fab78489ce96768259fc01360346da5b9f579e5da0d941e4c6ba18a0e64906082375394f337fa1af2b7127b0d121"},
	{"47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138", "b301803f8b5ac4a1133581fc676dfedc60d891dd5fa99028805e5ea5b08d3491af75d0707adab3b70c6a6a580217bf81",
		"0000000000000000000000000000000000000000000000000000000000000000", "b23c46be3a001c63ca711f87a005c200cc550b9429d5f4eb38d74322144f1b63926da3388979e5321012fb1a0526bcd100b5ef5fe72628ce4cd5e904aeaa3279527843fae5ca9ca675f4f51ed8f83bbf7155da9ecc9663100a885d5dc6df96d9"},
	{"47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138", "b301803f8b5ac4a1133581fc676dfedc60d891dd5fa99028805e5ea5b08d3491af75d0707adab3b70c6a6a580217bf81",
		"5656565656565656565656565656565656565656565656565656565656565656", "af1390c3c47acdb37131a51216da683c509fce0e954328a59f93aebda7e4ff974ba208d9a4a2a2389f892a9d418d618418dd7f7a6bc7aa0da999a9d3a5b815bc085e14fd001f6a1948768a3f4afefc8b8240dda329f984cb345c6363272ba4fe"},
	{"47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138", "b301803f8b5ac4a1133581fc676dfedc60d891dd5fa99028805e5ea5b08d3491af75d0707adab3b70c6a6a580217bf81",
		"abababababababababababababababababababababababababababababababab", "9674e2228034527f4c083206032b020310face156d4a4685e2fcaec2f6f3665aa635d90347b6ce124eb879266b1e801d185de36a0a289b85e9039662634f2eea1e02e670bc7ab849d006a70b2f93b84597558a05b879c8d445f387a5d5b653df"},
	{"328388aff0d4a5b7dc9205abd374e7e98f3cd9f3418edb4eafda5fb16473d216", "b53d21a4cfd562c469cc81514d4ce5a6b577d8403d32a394dc265dd190b47fa9f829fdd7963afdf972e5e77854051f6f",
		"0000000000000000000000000000000000000000000000000000000000000000", "948a7cb99f76d616c2c564ce9bf4a519f1bea6b0a624a02276443c245854219fabb8d4ce061d255af5330b078d5380681751aa7053da2c98bae898edc218c75f07e24d8802a17cd1f6833b71e58f5eb5b94208b4d0bb3848cecb075ea21be115"},
	{"328388aff0d4a5b7dc9205abd374e7e98f3cd9f3418edb4eafda5fb16473d216", "b53d21a4cfd562c469cc81514d4ce5a6b577d8403d32a394dc265dd190b47fa9f829fdd7963afdf972e5e77854051f6f",
		"5656565656565656565656565656565656565656565656565656565656565656", "a4efa926610b8bd1c8330c918b7a5e9bf374e53435ef8b7ec186abf62e1b1f65aeaaeb365677ac1d1172a1f5b44b4e6d022c252c58486c0a759fbdc7de15a756acc4d343064035667a594b4c2a6f0b0b421975977f297dba63ee2f63ffe47bb6"},
	{"328388aff0d4a5b7dc9205abd374e7e98f3cd9f3418edb4eafda5fb16473d216", "b53d21a4cfd562c469cc81514d4ce5a6b577d8403d32a394dc265dd190b47fa9f829fdd7963afdf972e5e77854051f6f",
		"abababababababababababababababababababababababababababababababab", "ae82747ddeefe4fd64cf9cedb9b04ae3e8a43420cd255e3c7cd06a8d88b7c7f8638543719981c5d16fa3527c468c25f0026704a6951bde891360c7e8d12ddee0559004ccdbe6046b55bae1b257ee97f7cdb955773d7cf29adf3ccbb9975e4eb9"},
}

func TestSignVerifyVectors(t *testing.T) {
	for i, v := range signVectors {
		sk := hexSK(t, v.sk)
		msg := mustHex(t, v.msg)
		pk, err := sk.PublicKey()
		if err != nil {
			t.Fatalf("case %d: PublicKey: %v", i, err)
		}
		if want := hexPK(t, v.pk); pk != want {
			t.Errorf("case %d: public key %#x, want %s", i, pk[:], v.pk)
		}
		sig, err := Sign(sk, msg)
		if err != nil {
			t.Fatalf("case %d: Sign: %v", i, err)
		}
		want := hexSig(t, v.sig)
		if sig != want {
			t.Errorf("case %d: signature %#x, want %s", i, sig[:], v.sig)
		}
		if !Verify(pk, msg, want) {
			t.Errorf("case %d: Verify rejects the published signature", i)
		}
		// verify/*_tampered_signature_*: last four bytes replaced by ff.
		tampered := want
		copy(tampered[92:], []byte{0xff, 0xff, 0xff, 0xff})
		if Verify(pk, msg, tampered) {
			t.Errorf("case %d: Verify accepts a tampered signature", i)
		}
		other := msg[:len(msg)-1]
		if Verify(pk, other, want) {
			t.Errorf("case %d: Verify accepts the signature for another message", i)
		}
	}
	// verify/verify_wrong_pubkey_*: a valid signature under another key.
	if Verify(hexPK(t, signVectors[3].pk), mustHex(t, signVectors[0].msg), hexSig(t, signVectors[0].sig)) {
		t.Error("Verify accepts a signature under the wrong public key")
	}
	// sign/sign_case_zero_privkey: signing with the zero key fails.
	if _, err := Sign(SecretKey{}, mustHex(t, signVectors[2].msg)); err == nil {
		t.Error("Sign with the zero secret key succeeded")
	}
	// verify/verify_infinity_pubkey_and_infinity_signature: false.
	var infPK PublicKey
	var infSig Signature
	infPK[0], infSig[0] = 0xc0, 0xc0
	if Verify(infPK, mustHex(t, "1212121212121212121212121212121212121212121212121212121212121212"), infSig) {
		t.Error("Verify accepts infinity public key and infinity signature")
	}
}

// bls12-381-tests aggregate/*.yaml and fast_aggregate_verify/*.yaml.
func TestAggregateVectors(t *testing.T) {
	cases := []struct {
		msg string
		agg string
	}{
		{"0000000000000000000000000000000000000000000000000000000000000000", "9683b3e6701f9a4b706709577963110043af78a5b41991b998475a3d3fd62abf35ce03b33908418efc95a058494a8ae504354b9f626231f6b3f3c849dfdeaf5017c4780e2aee1850ceaf4b4d9ce70971a3d2cfcd97b7e5ecf6759f8da5f76d31"},
		{"5656565656565656565656565656565656565656565656565656565656565656", "ad38fc73846583b08d110d16ab1d026c6ea77ac2071e8ae832f56ac0cbcdeb9f5678ba5ce42bd8dce334cc47b5abcba40a58f7f1f80ab304193eb98836cc14d8183ec14cc77de0f80c4ffd49e168927a968b5cdaa4cf46b9805be84ad7efa77b"},
		{"abababababababababababababababababababababababababababababababab", "9712c3edd73a209c742b8250759db12549b3eaf43b5ca61376d9f30e2747dbcf842d8b2ac0901d2a093713e20284a7670fcf6954e9ab93de991bb9b313e664785a075fc285806fa5224c82bde146561b446ccfc706a64b8579513cfc4ff1d930"},
	}
	for i, c := range cases {
		var sigs []Signature
		var pks []PublicKey
		for _, v := range signVectors {
			if v.msg == c.msg {
				sigs = append(sigs, hexSig(t, v.sig))
				pks = append(pks, hexPK(t, v.pk))
			}
		}
		if len(sigs) != 3 {
			t.Fatalf("case %d: %d signatures", i, len(sigs))
		}
		agg, err := AggregateSignatures(sigs)
		if err != nil {
			t.Fatalf("case %d: AggregateSignatures: %v", i, err)
		}
		if want := hexSig(t, c.agg); agg != want {
			t.Errorf("case %d: aggregate %#x, want %s", i, agg[:], c.agg)
		}
		msg := mustHex(t, c.msg)
		if !FastAggregateVerify(pks, msg, agg) {
			t.Errorf("case %d: FastAggregateVerify rejects the aggregate", i)
		}
		// fast_aggregate_verify_extra_pubkey_*: one key too many.
		if FastAggregateVerify(append(pks[:2:2], pks[2], pks[2]), msg, agg) {
			t.Errorf("case %d: FastAggregateVerify accepts an extra public key", i)
		}
		// The aggregate public key verifies the aggregate signature.
		aggPK, err := AggregatePublicKeys(pks)
		if err != nil {
			t.Fatalf("case %d: AggregatePublicKeys: %v", i, err)
		}
		if !Verify(aggPK, msg, agg) {
			t.Errorf("case %d: Verify(aggregate key) rejects the aggregate", i)
		}
	}
	// aggregate_single_signature.
	single := hexSig(t, signVectors[0].sig)
	if agg, err := AggregateSignatures([]Signature{single}); err != nil || agg != single {
		t.Errorf("aggregate of one signature = %#x, %v", agg[:], err)
	}
	// aggregate_infinity_signature: infinity in, infinity out.
	var inf Signature
	inf[0] = 0xc0
	if agg, err := AggregateSignatures([]Signature{inf}); err != nil || agg != inf {
		t.Errorf("aggregate of the infinity signature = %#x, %v", agg[:], err)
	}
	// aggregate_na_signatures: the empty list is an error.
	if _, err := AggregateSignatures(nil); err == nil {
		t.Error("aggregate of no signatures succeeded")
	}
	// fast_aggregate_verify_na_pubkeys_and_infinity_signature: false.
	if FastAggregateVerify(nil, mustHex(t, cases[2].msg), inf) {
		t.Error("FastAggregateVerify accepts no keys with the infinity signature")
	}
	// fast_aggregate_verify_infinity_pubkey: false.
	var infPK PublicKey
	infPK[0] = 0xc0
	pks := []PublicKey{hexPK(t, signVectors[0].pk), hexPK(t, signVectors[3].pk), hexPK(t, signVectors[6].pk), infPK}
	if FastAggregateVerify(pks, mustHex(t, "1212121212121212121212121212121212121212121212121212121212121212"),
		hexSig(t, "afcb4d980f079265caa61aee3e26bf48bebc5dc3e7f2d7346834d76cbc812f636c937b6b44a9323d8bc4b1cdf71d6811035ddc2634017faab2845308f568f2b9a0356140727356eae9eded8b87fd8cb8024b440c57aee06076128bb32921f584")) {
		t.Error("FastAggregateVerify accepts a list containing the infinity public key")
	}
}

// bls12-381-tests deserialization_G1/*.yaml and deserialization_G2/*.yaml.
// KeyValidate additionally rejects the G1 infinity point, which decodes.
func TestDeserializationVectors(t *testing.T) {
	g1 := []struct {
		name, in string
		ok       bool
	}{
		{"infinity_with_false_b_flag", "800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false},
		{"infinity_with_true_b_flag_nonzero_x", "c01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false},
		{"not_in_G1", "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false},
		{"not_in_curve", "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde0", false},
		{"b_flag_and_a_flag_true", "e00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false},
		{"b_flag_and_x_nonzero", "c123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false},
		{"wrong_c_flag", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false},
		{"x_equal_to_modulus", "9a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", false},
		{"x_greater_than_modulus", "9a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaac", false},
		{"correct_point", "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a", true},
		{"infinity (decodes, but KeyValidate rejects it)", "c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false},
	}
	for _, c := range g1 {
		if err := KeyValidate(hexPK(t, c.in)); (err == nil) != c.ok {
			t.Errorf("G1 %s: KeyValidate = %v, want ok=%v", c.name, err, c.ok)
		}
	}
	g2 := []struct {
		name, in string
		ok       bool
	}{
		{"infinity_with_false_b_flag", "800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false},
		{"infinity_with_true_b_flag_nonzero_x", "c01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false},
		{"not_in_G2", "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false},
		{"not_in_curve", "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde0", false},
		{"b_flag_and_a_flag_true", "e00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false},
		{"b_flag_and_x_nonzero", "c123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false},
		{"wrong_c_flag", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false},
		{"xim_equal_to_modulus", "9a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false},
		{"xim_greater_than_modulus", "9a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaac000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false},
		{"xre_equal_to_modulus", "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", false},
		{"xre_greater_than_modulus", "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaac", false},
		{"correct_point", "b2cc74bc9f089ed9764bbceac5edba416bef5e73701288977b9cac1ccb6964269d4ebf78b4e8aa7792ba09d3e49c8e6a1351bdf582971f796bbaf6320e81251c9d28f674d720cca07ed14596b96697cf18238e0e03ebd7fc1353d885a39407e0", true},
		{"infinity_with_true_b_flag", "c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", true},
	}
	for _, c := range g2 {
		if err := ValidateSignature(hexSig(t, c.in)); (err == nil) != c.ok {
			t.Errorf("G2 %s: ValidateSignature = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

// Known answers for PolynomialFromSeed and Split, produced by the independent
// Python implementation testdata/polynomial_vectors.py (hashlib/hmac only).
var polynomialVectors = []struct {
	name      string
	secret    int // interop key index
	threshold int
	seed      string
	coeffs    []string
	shares    []string
}{
	{
		name: "interop0_m3_n4", secret: 0, threshold: 3,
		seed: "676f2d64767370656320706f6c796e6f6d69616c20766563746f72", // "go-dvspec polynomial vector"
		coeffs: []string{
			"25295f0d1d592a90b333e26e85149708208e9f8e8bc18f6c77bd62f8ad7a6866",
			"6c28bb892a032b9d03ae7cf85cedbd593f8510496714458669c823a8420fe24f",
			"4eff608fac70f8ea9b6d774e65cb5b112ddea1150cde376b5dce5adcbcee09f6",
		},
		shares: []string{
			"6c63d3d2ca2fd1d01f15fead3e2bd76d3a34ace9ffb5b05f3f53e17eac7854aa",
			"69c1bb117cad70545b5f5978af961dea081cb4698d69882ac28715c0255254d8",
			"1d4314c934d2061d680ff2d0d9536a7e8a46b60d34dd16cf0156ffbd180868f0",
			"6ec32fa045d88dbbab9b7ac5cea76d35682df9daf60d1449fbc39f73849a90f4",
		},
	},
	{
		name: "interop1_m7_n10_empty_seed", secret: 1, threshold: 7, seed: "",
		coeffs: []string{
			"51d0b65185db6989ab0b560d6deed19c7ead0e24b9b6372cbecb1f26bdfad000",
			"31feccb7e6d9c80755e2cac83c22fd908ec44a7ec28b74f9ec1e1fe53717774f",
			"41cd37bff13411a90cca863826ca876d1c3a11673a00938e8db2304b6f728333",
			"5ce0ae4acec21ffe53a7a34874432105032d57497d70fed430df6aa192b2fa1b",
			"60c5610d60f05c211f4c1a1320f9cae6d4ea1d04b4a992a0b0f61ebef1d54ed1",
			"415ce3eb3fe98fc34b56d7d564a49f3d203bae0e2e8b7786c53d6ec22431ca14",
			"4bc25184b01b30f0b152b4892de0d6ed74a22573e407b8e435a352408c331b14",
		},
		shares: []string{
			"40ab6244d72a8aecb06e90a7d217589b47aa21cefaf691991551b9be9971f892",
			"3682508b2364986e3fc0d25120653a4e7ead651c30d5e64074afc9d52fe0907f",
			"58803b2d16b9c1b272549300b1e0262aab0b8faafcdb38e59b3e89cee4710ddd",
			"41cebc8a5914579c304cd38aa3f5791c8eea0b4429cb6df3a33f29e70c67ba62",
			"5a5e3071064ff936fb6f6f3ae8f9e5f964ffced0db495f1c9c0115e3adcfcc8b",
			"3e62146fe877f60bffcba8476e7817da1e04f5ab163c87abfe5f92308de4a726",
			"1993669c910c428d0424e781d68446a6de72676fa1e8f47ffc96b0548f373f4c",
			"6ef0798db12619c339df3ef863c24d9d7729283341c8dfb3ad6f9acb5f8fa8c1",
			"4cfa3d89b07c4c41ec6daf86181e43d2d901511b4827f7fa12c43843758ac8ba",
			"456e2575c9e4164fdd6c01c28d1166fa179fa98381695b9bfb5a26325df42f17",
		},
	},
	{
		name: "interop2_m1_n2", secret: 2, threshold: 1,
		seed:   "0000000000000000000000000000000000000000000000000000000000000000",
		coeffs: []string{"315ed405fafe339603932eebe8dbfd650ce5dafa561f6928664c75db85f97857"},
		shares: []string{
			"315ed405fafe339603932eebe8dbfd650ce5dafa561f6928664c75db85f97857",
			"315ed405fafe339603932eebe8dbfd650ce5dafa561f6928664c75db85f97857",
		},
	},
}

func TestPolynomialVectors(t *testing.T) {
	for _, v := range polynomialVectors {
		t.Run(v.name, func(t *testing.T) {
			secret := hexSK(t, interopVectors[v.secret].sk)
			seed := mustHex(t, v.seed)
			coeffs, err := PolynomialFromSeed(secret, v.threshold, seed)
			if err != nil {
				t.Fatalf("PolynomialFromSeed: %v", err)
			}
			if len(coeffs) != len(v.coeffs) {
				t.Fatalf("%d coefficients, want %d", len(coeffs), len(v.coeffs))
			}
			for j := range coeffs {
				if coeffs[j] != hexSK(t, v.coeffs[j]) {
					t.Errorf("a_%d = %x, want %s", j, skBig(coeffs[j]), v.coeffs[j])
				}
			}
			shares, err := Split(secret, v.threshold, len(v.shares), seed)
			if err != nil {
				t.Fatalf("Split: %v", err)
			}
			for i := range shares {
				if shares[i].Index != uint64(i+1) {
					t.Errorf("share %d has index %d", i, shares[i].Index)
				}
				if shares[i].SecretKey != hexSK(t, v.shares[i]) {
					t.Errorf("f(%d) = %x, want %s", i+1, skBig(shares[i].SecretKey), v.shares[i])
				}
			}
		})
	}
}
