package spec

// Threshold is the number M of signature shares needed to reconstruct a
// validator signature in a cluster of n co-validators: M = ceil(2n/3).
//
// This is the formula of the Python spec at HEAD (commit ee72097, "Use a less
// restrictive formula to calculate the required threshold size"). Together
// with QBFT's quorum it guarantees that every decided value gathers enough
// honest shares while at most Faulty(n) nodes fail. For n <= 0 it returns 0.
func Threshold(n int) int {
	if n <= 0 {
		return 0
	}
	return (2*n + 2) / 3
}

// LegacyThreshold is the threshold of the Python spec up to c00dc1e:
// M = floor(2n/3) + 1. It is kept so vectors and SPEC.md can show where the
// two formulas differ (every n divisible by 3, e.g. n=3: 3 versus 2).
func LegacyThreshold(n int) int {
	if n <= 0 {
		return 0
	}
	return 2*n/3 + 1
}

// Faulty is the number F of co-validators that may fail (crash or act
// arbitrarily) while the cluster stays safe and live: F = floor((n-1)/3).
func Faulty(n int) int {
	if n <= 0 {
		return 0
	}
	return (n - 1) / 3
}
