package ethnode

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// pythonFunctions are every beacon-node and validator-client function of
// eth_node_interface.py at HEAD and at c00dc1e.
var pythonFunctions = []string{
	"bn_get_genesis_validators_root", "bn_get_fork_version", "bn_get_attestation_duties_for_epoch",
	"bn_produce_attestation_data", "bn_submit_attestation", "bn_get_proposer_duties_for_epoch",
	"bn_produce_block", "bn_submit_block", "bn_get_sync_committee_duties_for_epoch",
	"bn_produce_sync_committee_contribution", "bn_submit_sync_committee_signature",
	"cache_attestation_data_for_vc", "cache_block_for_vc", "cache_sync_committee_contribution_for_vc",
	"capture_threshold_signed_attestation", "capture_threshold_signed_block",
	"capture_threshold_signed_sync_committee_signature",
}

var endpointRE = regexp.MustCompile(`(GET|POST) /eth/v[0-9]/[a-z_/{}]+`)

// TestInterfaceDocs: every method of the beacon-node and validator-client
// interfaces names the Python function it translates (or says it is new)
// and the beacon-API endpoint it uses, and every Python function is
// translated by some method.
func TestInterfaceDocs(t *testing.T) {
	fset := token.NewFileSet()
	translated := map[string]bool{}
	methods := 0
	for _, file := range []string{"beacon_node.go", "validator_client.go"} {
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			it, ok := ts.Type.(*ast.InterfaceType)
			if !ok {
				return true
			}
			for _, m := range it.Methods.List {
				if len(m.Names) == 0 {
					continue // embedded interface
				}
				methods++
				name := ts.Name.Name + "." + m.Names[0].Name
				doc := strings.Join(strings.Fields(m.Doc.Text()), " ")
				if !strings.HasPrefix(doc, m.Names[0].Name+" is ") {
					t.Errorf("%s: doc does not start with %q", name, m.Names[0].Name+" is ")
				}
				origin := false
				for _, py := range pythonFunctions {
					if strings.Contains(doc, py) {
						origin = true
						translated[py] = true
					}
				}
				if !origin && !strings.Contains(doc, " is new") {
					t.Errorf("%s: doc names no Python function and does not say it is new: %q", name, doc)
				}
				if !endpointRE.MatchString(doc) {
					t.Errorf("%s: doc names no beacon-API endpoint: %q", name, doc)
				}
			}
			return true
		})
	}
	for _, py := range pythonFunctions {
		if !translated[py] {
			t.Errorf("%s is translated by no method", py)
		}
	}
	if methods < 37 {
		t.Errorf("only %d interface methods found", methods)
	}
}

func TestSyncCommitteeSelectionJSON(t *testing.T) {
	s := &SyncCommitteeSelection{ValidatorIndex: 7, Slot: 123, SubcommitteeIndex: 2, SelectionProof: phase0.BLSSignature{0xab, 0xcd}}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"validator_index":"7","slot":"123","subcommittee_index":"2","selection_proof":"0xabcd` + strings.Repeat("00", 94) + `"}`
	if string(data) != want {
		t.Fatalf("marshal:\n got %s\nwant %s", data, want)
	}
	var back SyncCommitteeSelection
	if err := json.Unmarshal(data, &back); err != nil || back != *s {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	proof := `"0x` + strings.Repeat("11", 96) + `"`
	for name, in := range map[string]string{
		"number":          `{"validator_index":7,"slot":"1","subcommittee_index":"0","selection_proof":` + proof + `}`,
		"missing field":   `{"validator_index":"7","slot":"1","selection_proof":` + proof + `}`,
		"no 0x":           `{"validator_index":"7","slot":"1","subcommittee_index":"0","selection_proof":"` + strings.Repeat("11", 96) + `"}`,
		"short proof":     `{"validator_index":"7","slot":"1","subcommittee_index":"0","selection_proof":"0x11"}`,
		"negative":        `{"validator_index":"-7","slot":"1","subcommittee_index":"0","selection_proof":` + proof + `}`,
		"not an object":   `["7"]`,
		"overflow uint64": `{"validator_index":"18446744073709551616","slot":"1","subcommittee_index":"0","selection_proof":` + proof + `}`,
	} {
		var v SyncCommitteeSelection
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("%s: accepted %s", name, in)
		}
	}
}

func TestErrorMessageJSON(t *testing.T) {
	plain, _ := json.Marshal(&ErrorMessage{Code: 404, Message: "not found"})
	if string(plain) != `{"code":404,"message":"not found"}` {
		t.Fatalf("ErrorMessage: %s", plain)
	}
	indexed, _ := json.Marshal(&ErrorMessage{Code: 400, Message: "some failures", Failures: []IndexedFailure{{Index: 3, Message: "invalid signature"}}})
	if string(indexed) != `{"code":400,"message":"some failures","failures":[{"index":3,"message":"invalid signature"}]}` {
		t.Fatalf("IndexedErrorMessage: %s", indexed)
	}
	e := &ErrorMessage{Code: 400, Message: "m", Failures: []IndexedFailure{{Index: 0, Message: "a"}, {Index: 2, Message: "b"}}}
	if e.Error() != "400: m: [0] a; [2] b" {
		t.Fatalf("Error() = %q", e.Error())
	}
}
