// Package freeports finds ranges of free TCP ports on 127.0.0.1 for
// clusters whose nodes must know each other's addresses before they bind
// (a cluster definition names every operator's address).
//
// A probed port is free only until someone else binds it. The ranges are
// drawn below Linux's default ephemeral range (32768-60999), from which the
// kernel hands out the source ports of outgoing connections and port-0
// listeners: a range drawn there was taken between probe and bind whenever
// another test or node of the same machine connected somewhere (seen as
// "address already in use" in parallel end-to-end tests).
package freeports

import (
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
)

// Lowest port drawn and the end of the range (exclusive): below the
// ephemeral range and above the well-known and most registered services.
const (
	low  = 10000
	high = 32768
)

// Consecutive returns the first of n consecutive ports on 127.0.0.1 that
// were free when probed.
func Consecutive(n int) (int, error) {
	if n < 1 || n > high-low {
		return 0, errors.New("freeports: want between 1 and " + strconv.Itoa(high-low) + " ports")
	}
	for attempt := 0; attempt < 200; attempt++ {
		base := low + rand.IntN(high-low-n+1)
		if free(base, n) {
			return base, nil
		}
	}
	return 0, errors.New("freeports: no free range of " + strconv.Itoa(n) + " ports on 127.0.0.1")
}

// free probes ports base..base+n-1 by binding them all at once.
func free(base, n int) bool {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+i))
		if err != nil {
			return false
		}
		ls = append(ls, l)
	}
	return true
}
