package beaconclient

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/impl/simbeacon/simtest"
)

// TestProduceBlockFromMiddlewareDecodesEveryFork cross-checks the plain
// JSON block request against go-eth2-client's own (ProduceBlock) on every
// fork: the same block, by hash tree root, for the same reveal.
func TestProduceBlockFromMiddlewareDecodesEveryFork(t *testing.T) {
	for _, tc := range forkCases {
		t.Run(tc.name, func(t *testing.T) {
			n, clock, url := simtest.Start(t, simbeacon.Config{Chain: builtin(t, tc.preset), Validators: 64, Forks: schedule(t, tc.preset, tc.through)})
			c := newClient(t, tc.json, url)
			slot := phase0.Slot(3)
			simtest.ToSlot(n, clock, slot)
			reveal := simtest.Signer{T: t, Node: n}.RandaoReveal(slot)
			want, err := c.ProduceBlock(ctxT(t), slot, reveal, [32]byte{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.ProduceBlockFromMiddleware(ctxT(t), slot, reveal, [32]byte{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != want.Version {
				t.Fatalf("version %s, want %s", got.Version, want.Version)
			}
			gr, err1 := got.BodyRoot()
			wr, err2 := want.BodyRoot()
			if err1 != nil || err2 != nil || gr != wr {
				t.Errorf("body root %#x (%v), go-eth2-client's %#x (%v)", gr, err1, wr, err2)
			}
			if gs, _ := got.Slot(); gs != slot {
				t.Errorf("slot %d", gs)
			}
		})
	}
}

// TestProduceBlockFromMiddlewareRefuses: a blinded block, a block for
// another slot and an unknown version are errors, not proposals.
func TestProduceBlockFromMiddlewareRefuses(t *testing.T) {
	n, clock, url := simtest.Start(t, simbeacon.Config{Validators: 64})
	simtest.ToSlot(n, clock, 3)
	reveal := simtest.Signer{T: t, Node: n}.RandaoReveal(3)
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/eth/v3/validator/blocks/3?randao_reveal=%#x", url, reveal[:]), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	slot3, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("block of slot 3: %d %v", resp.StatusCode, err)
	}
	for _, tc := range []struct {
		body, want string
	}{
		{`{"version":"electra","execution_payload_blinded":true,"data":{}}`, "blinded"},
		{string(slot3), "block for slot 3, asked for 4"},
		{`{"version":"gloas","execution_payload_blinded":false,"data":{}}`, "gloas"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(tc.body))
		}))
		c, err := New(Config{URLs: []string{srv.URL}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.ProduceBlockFromMiddleware(ctxT(t), 4, phase0.BLSSignature{}, [32]byte{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.40s: err %v, want one containing %q", tc.body, err, tc.want)
		}
		c.Close()
		srv.Close()
	}
}
