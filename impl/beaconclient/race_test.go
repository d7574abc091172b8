//go:build race

package beaconclient

// raceEnabled: the race detector is on. Tests that bound what the whole
// process allocates read it: instrumented code runs several times slower,
// so the simulated beacon node and the proxy, in the same process, allocate
// more during a call (their work scales with elapsed time).
const raceEnabled = true
