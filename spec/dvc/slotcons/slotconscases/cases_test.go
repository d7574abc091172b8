package slotconscases

import "testing"

func TestCases(t *testing.T) {
	env := &Env{}
	seen := map[string]bool{}
	for _, c := range Cases() {
		name := c.Handler + "/" + c.Name
		if seen[name] {
			t.Fatalf("case %s twice", name)
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			if msg := env.Check(c, env.Run(c)); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

// TestAgreementAcrossDutySets: nodes whose duty sets differ (every case is
// one node's view) give a validator they share the same value for the same
// slot value, fork and duty; here every case decides the same values.
func TestAgreementAcrossDutySets(t *testing.T) {
	env := &Env{}
	type key struct {
		fork  string
		pk    [48]byte
		duty  uint64
		value string
	}
	seen := map[key]string{}
	shared := 0
	for _, c := range Cases() {
		res := env.Run(c)
		for i, r := range res {
			if c.Steps[i].Op != OpDecide && c.Steps[i].Op != OpAdd {
				continue
			}
			slotValue := ""
			for j := 0; j <= i; j++ {
				if c.Steps[j].Op == OpDecide && res[j].Err == "" && res[j].Slot == r.Slot {
					slotValue = string(c.Steps[j].Value)
				}
			}
			for j, d := range r.Deliver {
				k := key{c.Fork.String(), d.Validator, r.Slot.DutyType, slotValue}
				if prev, ok := seen[k]; ok {
					shared++
					if prev != string(r.Values[j]) {
						t.Fatalf("%s/%s: validator %#x got another value than in an earlier case", c.Handler, c.Name, d.Validator[:6])
					}
				}
				seen[k] = string(r.Values[j])
			}
		}
	}
	if shared < 3 {
		t.Fatalf("only %d deliveries shared between cases: the test compares nothing", shared)
	}
}
