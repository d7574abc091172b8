package conformance

import "testing"

// FuzzParseBlock: any body is read or refused, never a panic.
func FuzzParseBlock(f *testing.F) {
	f.Add([]byte{100, 0, 0, 0}, true)
	f.Add([]byte(`{"signed_block":{"message":{"slot":"1"},"signature":"0x00"}}`), false)
	f.Fuzz(func(t *testing.T, body []byte, ssz bool) {
		ct := "application/json"
		if ssz {
			ct = "application/octet-stream"
		}
		parseBlock(body, ct)
	})
}

// FuzzParseScenario: any file is a valid scenario or an error, never a
// panic, and what parses validates.
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(`{"name":"x","slots":4,"faults":[{"node":1,"kind":"down"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := Parse(raw)
		if err == nil {
			if verr := s.Validate(0); verr != nil {
				t.Fatalf("parsed but invalid: %v", verr)
			}
		}
	})
}
