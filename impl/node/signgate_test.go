package node

import (
	"context"
	"testing"
)

// TestSignGate: a low request passes when no high request is in flight,
// waits while one is (shown by a cancelled wait returning false), and
// passes once every high request has left.
func TestSignGate(t *testing.T) {
	var g signGate
	if !g.waitLow(context.Background()) {
		t.Fatal("a low request waited with no high request in flight")
	}
	leave1, leave2 := g.enterHigh(), g.enterHigh()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if g.waitLow(cancelled) {
		t.Fatal("a low request passed while two high requests were in flight")
	}
	leave1()
	if g.waitLow(cancelled) {
		t.Fatal("a low request passed while one high request was in flight")
	}
	done := make(chan bool)
	go func() { done <- g.waitLow(context.Background()) }()
	leave2()
	if !<-done {
		t.Fatal("the waiting low request did not pass after the last high request left")
	}
	leave3 := g.enterHigh()
	if g.waitLow(cancelled) {
		t.Fatal("the gate stayed open after a new high request")
	}
	leave3()
}
