package remotesigner

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
)

// TestUnauthenticatedRequestsRefused: what issue 17 did to the embedded
// signer on 127.0.0.1 without credentials — list the keys, sign a
// voluntary exit, record a far-future attestation — is refused with 401
// without a token and with a wrong one, and changes nothing.
func TestUnauthenticatedRequestsRefused(t *testing.T) {
	f := newSigner(t, nil)
	before := f.dbRoot(t)
	exit := []byte(`{"type":"VOLUNTARY_EXIT","fork_info":{},"voluntary_exit":{"epoch":"0","validator_index":"1"}}`)
	att := []byte(`{"type":"ATTESTATION"}`)
	for _, auth := range []string{"", "Bearer wrong-token-0123456789", "Bearer " + testToken + "x", "Basic " + testToken, testToken} {
		for _, rq := range []struct {
			method, path string
			body         []byte
		}{
			{http.MethodGet, "/api/v1/eth2/publicKeys", nil},
			{http.MethodPost, "/api/v1/eth2/sign/" + hexKey(f.share), exit},
			{http.MethodPost, "/api/v1/eth2/sign/" + hexKey(f.share), att},
		} {
			var body io.Reader
			if rq.body != nil {
				body = strings.NewReader(string(rq.body))
			}
			req, err := http.NewRequestWithContext(context.Background(), rq.method, f.url+rq.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%q %s %s: status %d (%s), want 401", auth, rq.method, rq.path, resp.StatusCode, data)
			}
			var e errorBody
			if json.Unmarshal(data, &e) != nil || e.Code != 401 || !strings.Contains(e.Message, "token") {
				t.Fatalf("error body %s", data)
			}
		}
	}
	if f.dbRoot(t) != before {
		t.Fatal("an unauthenticated request changed the slashing DB")
	}
	// Upcheck stays open (it reveals nothing), and the client with the
	// token works.
	resp, err := http.Get(f.url + "/upcheck")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upcheck: %d", resp.StatusCode)
	}
	if keys, err := f.client.PublicKeys(context.Background()); err != nil || len(keys) == 0 {
		t.Fatalf("client with the token: %v, %v", keys, err)
	}
	noToken, err := NewClient(f.url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noToken.PublicKeys(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("client without the token: %v", err)
	}
}

func hexKey(pk phase0.BLSPubKey) string { return fmt.Sprintf("%#x", pk[:]) }

// bareServer is a signer without keys.
func bareServer(t *testing.T, token string) *Server {
	t.Helper()
	_, def := testDevnet(t)
	cfg, err := ConfigFromCluster(def)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AuthToken = token
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// serveLocal serves srv on 127.0.0.1 until the test ends.
func serveLocal(t *testing.T, srv *http.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func TestStartRefusesTCPWithoutToken(t *testing.T) {
	srv := bareServer(t, "")
	if _, err := srv.Start("127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "AuthToken") {
		t.Fatalf("Start without a token: %v", err)
	}
	_, def := testDevnet(t)
	cfg, _ := ConfigFromCluster(def)
	cfg.AuthToken = "short"
	if _, err := NewServer(cfg); err == nil || !strings.Contains(err.Error(), "AuthToken") {
		t.Fatalf("short token: %v", err)
	}
}

// TestUnixSocket: a signer on a Unix socket needs no token, and its socket
// is for its owner only.
func TestUnixSocket(t *testing.T) {
	srv := bareServer(t, "")
	path := filepath.Join(t.TempDir(), "signer.sock")
	if _, err := srv.Start("unix:" + path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket mode %v, want 0600 socket", fi.Mode())
	}
	c, err := NewClient("unix:" + path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Upcheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PublicKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A regular file in the way is not replaced.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := bareServer(t, "").Start("unix:" + file); err == nil {
		t.Fatal("Start replaced a regular file with a socket")
	}
}

// TestClientRefusesHugeAnswers: a signer answering more than an endpoint's
// limit fails the call without the client reading on (endless body).
func TestClientRefusesHugeAnswers(t *testing.T) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})}
	url := serveLocal(t, srv)
	c, err := NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Upcheck(context.Background())
	var se *ethnode.SignerError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("endless answer: %v", err)
	}
}

// TestClientTLSAndToken: an external signer over https with a private CA
// and a bearer token.
func TestClientTLSAndToken(t *testing.T) {
	srv := bareServer(t, testToken)
	ts := httptest.NewTLSServer(srv.Handler())
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	c, err := NewClient(ts.URL, WithTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}), WithBearerToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PublicKeys(context.Background()); err != nil {
		t.Fatalf("https with the CA and the token: %v", err)
	}
	untrusted, err := NewClient(ts.URL, WithBearerToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := untrusted.PublicKeys(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("https without the CA: %v", err)
	}
	if _, err := NewClient(ts.URL, WithBearerToken("a\nb")); err == nil {
		t.Fatal("a token with a line break was accepted")
	}
}
