package p2p

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

func benchPair(b *testing.B) (*Transport, *Transport) {
	b.Helper()
	def, sks := testCluster(b, 2)
	n1, n2 := newNode(b, testConfig(def, sks, 1)), newNode(b, testConfig(def, sks, 2))
	for _, n := range []*Transport{n1, n2} {
		if err := n.Start(); err != nil {
			b.Fatal(err)
		}
	}
	waitConnected(b, 10*time.Second, n1, n2)
	return n1, n2
}

var benchSizes = []int{1 << 10, 200 << 10}

func sizeName(n int) string { return fmt.Sprintf("%dKiB", n>>10) }

// BenchmarkThroughput: one node streams messages to another as fast as the
// queue and the stream allow; msgs/s is delivered messages per second.
func BenchmarkThroughput(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			n1, n2 := benchPair(b)
			var got atomic.Int64
			done := make(chan struct{})
			want := int64(b.N)
			if err := n2.Handle("qbft", func(uint64, []byte) {
				if got.Add(1) == want {
					close(done)
				}
			}); err != nil {
				b.Fatal(err)
			}
			payload := make([]byte, size)
			b.SetBytes(int64(size))
			b.ResetTimer()
			start := time.Now()
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				if err := n1.Send(ctx, 2, "qbft", payload); err != nil {
					b.Fatal(err)
				}
			}
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				b.Fatalf("delivered %d of %d", got.Load(), b.N)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkRoundTrip: one message out and its echo back, one at a time;
// ns/op is the round-trip time, one-way-µs half of it.
func BenchmarkRoundTrip(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			n1, n2 := benchPair(b)
			echoed := make(chan struct{}, 1)
			ctx := context.Background()
			if err := n2.Handle("qbft", func(from uint64, payload []byte) {
				_ = n2.Send(ctx, from, "qbft/echo", payload)
			}); err != nil {
				b.Fatal(err)
			}
			if err := n1.Handle("qbft/echo", func(uint64, []byte) { echoed <- struct{}{} }); err != nil {
				b.Fatal(err)
			}
			payload := make([]byte, size)
			b.SetBytes(int64(2 * size))
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := n1.Send(ctx, 2, "qbft", payload); err != nil {
					b.Fatal(err)
				}
				select {
				case <-echoed:
				case <-time.After(10 * time.Second):
					b.Fatal("no echo")
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/2, "one-way-µs")
		})
	}
}
