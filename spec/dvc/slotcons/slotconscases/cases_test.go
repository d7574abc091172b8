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
