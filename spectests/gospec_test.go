package spectests

import "testing"

const vectorsRoot = "../vectors"

func TestGoSpecPassesEveryVector(t *testing.T) {
	RunAll(t, vectorsRoot, GoSpec{})
}
