package remotesigner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/spec/bls"
)

// goldenRequests are the hand-written Web3Signer requests of
// testdata/golden: real examples of what a validator client sends.
func goldenRequests(t testing.TB) [][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/golden/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("golden requests: %v (%d files)", err, len(files))
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// fuzzSigner is node 1's embedded signer with a fresh in-memory slashing
// DB, driven through its HTTP handler without a socket.
func fuzzSigner(t testing.TB) (*Server, phase0.BLSPubKey) {
	t.Helper()
	dir, def := testDevnet(t)
	node := keys.NodeDir(dir, 1)
	sks, err := LoadKeystores(KeystoreConfig{Dir: filepath.Join(node, keys.KeystoresDir), PasswordFile: filepath.Join(node, keys.KeystorePasswordFile)})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ConfigFromCluster(def)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Keys = sks
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, def.Validators[0].PublicShares[0]
}

// FuzzServerSign sends arbitrary signing requests (body, key identifier,
// Accept header) to the embedded signer's HTTP handler. No panic; every
// refusal is a 4xx with the JSON error body; every 200 carries a signature
// that verifies under the requested key over the signing root the request
// itself determines. Seeds: the golden requests, to two keys.
func FuzzServerSign(f *testing.F) {
	for _, b := range goldenRequests(f) {
		f.Add(b, uint8(0), "application/json")
		f.Add(b, uint8(1), "")
	}
	srv, share := fuzzSigner(f)
	h := srv.Handler()
	chain := srv.chain
	f.Fuzz(func(t *testing.T, body []byte, which uint8, accept string) {
		ident := fmt.Sprintf("%#x", share[:])
		switch which % 4 {
		case 1: // a well-formed key the signer does not hold
			other := phase0.BLSPubKey{0xa0}
			ident = fmt.Sprintf("%#x", other[:])
		case 2: // garbage identifier
			ident = strings.Repeat("z", int(which))
		case 3: // upper-case hex, no prefix
			ident = strings.ToUpper(fmt.Sprintf("%x", share[:]))
		}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/eth2/sign/"+ident, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		resp := rec.Result()
		out, _ := io.ReadAll(resp.Body)
		switch {
		case resp.StatusCode == http.StatusOK:
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			if !bytes.Contains(out, []byte(`"message"`)) {
				t.Fatalf("refusal %d without an error body: %q", resp.StatusCode, out)
			}
			return
		default:
			t.Fatalf("status %d for a request from outside: %s", resp.StatusCode, out)
		}
		var sr ethnode.SignRequest
		if err := sr.UnmarshalJSON(body); err != nil {
			t.Fatalf("signed a request that does not decode: %v", err)
		}
		in, err := sr.SigningInput(chain)
		if err != nil {
			t.Fatalf("signed a request without a signing input: %v", err)
		}
		text := strings.TrimSpace(string(out))
		if strings.HasPrefix(text, "{") {
			var r ethnode.SignResponse
			if err := r.UnmarshalJSON([]byte(text)); err != nil {
				t.Fatalf("answer %q: %v", text, err)
			}
			text = fmt.Sprintf("%#x", r.Signature[:])
		}
		sig, err := ethnode.ParseSignature(text)
		if err != nil {
			t.Fatalf("answer %q: %v", text, err)
		}
		if !bls.Verify(share, in.SigningRoot[:], sig) {
			t.Fatalf("the signature does not verify under %#x over the request's signing root", share[:8])
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzClientAnswers gives the Web3Signer client arbitrary answers (status,
// content type, body) to sign, list keys and upcheck, through an in-process
// transport. No panic; a call succeeds only on a 200; a failure is a
// *SignerError. Seeds: the embedded signer's real answers.
func FuzzClientAnswers(f *testing.F) {
	srv, share := fuzzSigner(f)
	h := srv.Handler()
	golden := goldenRequests(f)
	record := func(method, path string, body []byte, accept string) {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		f.Add(uint16(rec.Code), rec.Header().Get("Content-Type"), rec.Body.Bytes())
	}
	signPath := fmt.Sprintf("/api/v1/eth2/sign/%#x", share[:])
	record(http.MethodPost, signPath, golden[0], "application/json")
	record(http.MethodPost, signPath, golden[0], "")
	record(http.MethodPost, signPath, []byte("{"), "application/json")
	record(http.MethodGet, "/api/v1/eth2/publicKeys", nil, "application/json")
	record(http.MethodGet, "/upcheck", nil, "")

	var sr ethnode.SignRequest
	if err := sr.UnmarshalJSON(golden[0]); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status uint16, contentType string, body []byte) {
		code := int(status%600) + 1
		if code < 100 {
			code += 100
		}
		c, err := NewClient("http://127.0.0.1:1", WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			hdr := http.Header{}
			hdr.Set("Content-Type", contentType)
			return &http.Response{StatusCode: code, Header: hdr, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
		})}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		check := func(what string, err error) {
			if err == nil {
				if code != http.StatusOK {
					t.Fatalf("%s succeeded on status %d", what, code)
				}
				return
			}
			var se *ethnode.SignerError
			if !errors.As(err, &se) {
				t.Fatalf("%s: error %T is not a SignerError: %v", what, err, err)
			}
		}
		_, err = c.Sign(ctx, share, &sr)
		check("sign", err)
		_, err = c.PublicKeys(ctx)
		check("public keys", err)
		check("upcheck", c.Upcheck(ctx))
	})
}
