package remotesigner

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// TestClientReusesConnectionsOfABurst: a burst of concurrent requests to
// the signer leaves its connections idle for the next burst, which dials
// none (with Go's default of two idle connections per host the second
// burst dialled all but two again).
func TestClientReusesConnectionsOfABurst(t *testing.T) {
	const burst = 16
	var (
		dialled atomic.Int32
		arrived sync.WaitGroup
		release = make(chan struct{})
		mu      sync.Mutex
		round   int
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gate := release
		mu.Unlock()
		arrived.Done()
		<-gate // every request of the burst is in flight at once
		w.WriteHeader(http.StatusOK)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for round = 0; round < 2; round++ {
		arrived.Add(burst)
		errs := make(chan error, burst)
		for i := 0; i < burst; i++ {
			go func() { errs <- c.Upcheck(context.Background()) }()
		}
		arrived.Wait()
		mu.Lock()
		close(release)
		release = make(chan struct{})
		mu.Unlock()
		for i := 0; i < burst; i++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if round == 0 && dialled.Load() != burst {
			t.Fatalf("first burst dialled %d connections, want %d", dialled.Load(), burst)
		}
	}
	if got := dialled.Load(); got != burst {
		t.Errorf("two bursts of %d dialled %d connections; the second should reuse the first's", burst, got)
	}
}
