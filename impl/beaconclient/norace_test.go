//go:build !race

package beaconclient

// raceEnabled: the race detector is on (race_test.go).
const raceEnabled = false
