package freeports

import (
	"net"
	"strconv"
	"testing"
)

func TestConsecutiveAreFreeAndBelowEphemeral(t *testing.T) {
	base, err := Consecutive(4)
	if err != nil {
		t.Fatal(err)
	}
	if base < low || base+4 > high {
		t.Fatalf("range %d..%d outside [%d, %d)", base, base+3, low, high)
	}
	for i := 0; i < 4; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+i))
		if err != nil {
			t.Fatalf("port %d of the range is not free: %v", base+i, err)
		}
		defer l.Close()
	}
}

func TestBusyPortIsNotFree(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if free(l.Addr().(*net.TCPAddr).Port, 1) {
		t.Fatal("a bound port was reported free")
	}
}

func TestBadCount(t *testing.T) {
	for _, n := range []int{0, -1, high} {
		if _, err := Consecutive(n); err == nil {
			t.Errorf("Consecutive(%d): no error", n)
		}
	}
}
