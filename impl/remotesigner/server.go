package remotesigner

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/cluster"
	"github.com/dvspec/go-dvspec/spec/signing"
	"github.com/dvspec/go-dvspec/spec/slashing"
)

// MaxRequestBody bounds the body of a signing request (a phase0 or altair
// BLOCK_V2 request carries a whole block).
const MaxRequestBody = 16 << 20

// Config configures the embedded signer.
type Config struct {
	// Keys are the secret keys (key shares) the signer holds.
	Keys []bls.SecretKey
	// Forks and SlotsPerEpoch describe the chain; every signing root is
	// computed with them (ethnode.SignRequest.SigningInput).
	Forks         signing.ForkSchedule
	SlotsPerEpoch uint64
	// ChainConfig sizes the containers the signer hashes (blocks, sync
	// contributions, Electra aggregates). The zero value means the mainnet
	// sizes with SlotsPerEpoch; when set, SlotsPerEpoch may be left zero
	// and is taken from it.
	ChainConfig spec.ChainConfig
	// GenesisValidatorsRoot is the chain the signer serves: fork_info must
	// carry it, and the slashing DB is kept for it.
	GenesisValidatorsRoot phase0.Root
	// Slashing persists the slashing-protection DB (nil: MemoryStore).
	Slashing SlashingStore
	// Logger receives one line per refused or failed request (nil: no
	// logging).
	Logger *slog.Logger
	// AuthToken, when set, is the bearer token every HTTP request but
	// GET /upcheck must carry ("Authorization: Bearer <token>"); others
	// get 401. Start refuses to serve TCP without one: a signer on
	// 127.0.0.1 is reachable by every local process, which could list the
	// keys, sign exits, or record a far-future attestation that makes the
	// slashing protection refuse every honest one.
	AuthToken string
}

// MinAuthTokenLength is the shortest accepted AuthToken.
const MinAuthTokenLength = 16

// ConfigFromCluster fills the chain fields of a Config from a cluster
// definition's network. A cluster definition has no chain config: set
// ChainConfig (from the beacon node) for a chain without mainnet sizes.
func ConfigFromCluster(def *cluster.Definition) (Config, error) {
	if def == nil || def.Network == nil {
		return Config{}, errors.New("remote signer: cluster definition without network")
	}
	chain, err := def.Network.Chain()
	if err != nil {
		return Config{}, err
	}
	return Config{Forks: chain.Forks, SlotsPerEpoch: chain.SlotsPerEpoch, GenesisValidatorsRoot: chain.GenesisValidatorsRoot}, nil
}

// Server is an embedded Web3Signer-compatible remote signer: it implements
// ethnode.RemoteSigner directly (in process) and serves the same over HTTP
// (Handler, Start). It is safe for concurrent use.
//
// Every request goes through the same steps, and a request refused at any
// step changes nothing:
//
//  1. parse (HTTP only): malformed JSON, wrong field types, an unknown
//     type, a missing payload or fork_info -> 400;
//  2. compute the signing root from the message and fork_info with
//     spec/signing (ethnode.SignRequest.SigningInput); a signingRoot in the
//     request that differs, a fork_info that disagrees with the fork
//     schedule, a message impossible on this chain -> 400;
//  3. look up the key: unknown (or malformed) public key -> 404;
//  4. the fork_info's genesis validators root must be this signer's:
//     otherwise 412 for ATTESTATION and BLOCK_V2 (as Web3Signer's slashing
//     protection answers) and 400 for the other types;
//  5. ATTESTATION and BLOCK_V2 only: the slashing-protection check
//     (EIP-3076 complete strategy, spec/slashing, keyed by the signing
//     public key) -> 412 when slashable; otherwise the record is stored and
//     persisted (SlashingStore) before anything is signed; a persistence
//     failure -> 500. Signing the identical message again is allowed.
//  6. sign the signing root -> 200.
type Server struct {
	keys    map[phase0.BLSPubKey]bls.SecretKey
	pubkeys []phase0.BLSPubKey
	chain   signing.Chain
	gvr     phase0.Root
	store   SlashingStore
	log     *slog.Logger
	token   string

	mu sync.Mutex // guards db
	db *slashing.SlashingDB
	// group batches the records of a BatchRecordStore.
	group groupCommit

	srvMu sync.Mutex
	srv   *http.Server
}

var _ ethnode.RemoteSigner = (*Server)(nil)

// NewServer builds a signer from cfg, loading its slashing DB from the
// store.
func NewServer(cfg Config) (*Server, error) {
	if cc := cfg.ChainConfig; cc.SlotsPerEpoch != 0 {
		if cfg.SlotsPerEpoch != 0 && cfg.SlotsPerEpoch != cc.SlotsPerEpoch {
			return nil, fmt.Errorf("remote signer: SlotsPerEpoch %d, ChainConfig SLOTS_PER_EPOCH %d", cfg.SlotsPerEpoch, cc.SlotsPerEpoch)
		}
		cfg.SlotsPerEpoch = cc.SlotsPerEpoch
	}
	if cfg.SlotsPerEpoch == 0 {
		return nil, errors.New("remote signer: slots per epoch is zero")
	}
	if _, err := cfg.Forks.Genesis(); err != nil {
		return nil, fmt.Errorf("remote signer: %w", err)
	}
	if cfg.AuthToken != "" && (len(cfg.AuthToken) < MinAuthTokenLength || strings.ContainsAny(cfg.AuthToken, " \t\r\n")) {
		return nil, fmt.Errorf("remote signer: Config.AuthToken must be at least %d characters without white space", MinAuthTokenLength)
	}
	chain := signing.Chain{Forks: cfg.Forks, SlotsPerEpoch: cfg.SlotsPerEpoch}
	if cfg.ChainConfig.SlotsPerEpoch != 0 {
		var err error
		if chain, err = signing.NewChain(cfg.Forks, cfg.GenesisValidatorsRoot, cfg.ChainConfig); err != nil {
			return nil, fmt.Errorf("remote signer: %w", err)
		}
	}
	s := &Server{
		keys:  make(map[phase0.BLSPubKey]bls.SecretKey, len(cfg.Keys)),
		chain: chain,
		gvr:   cfg.GenesisValidatorsRoot,
		store: cfg.Slashing,
		log:   cfg.Logger,
		token: cfg.AuthToken,
	}
	if s.store == nil {
		s.store = MemoryStore{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, sk := range cfg.Keys {
		pk, err := sk.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("remote signer: %w", err)
		}
		if _, dup := s.keys[pk]; dup {
			return nil, fmt.Errorf("remote signer: key %#x given twice", pk[:])
		}
		s.keys[pk] = sk
		s.pubkeys = append(s.pubkeys, pk)
	}
	sort.Slice(s.pubkeys, func(i, j int) bool { return string(s.pubkeys[i][:]) < string(s.pubkeys[j][:]) })
	db, err := s.store.Load(s.gvr)
	if err != nil {
		return nil, fmt.Errorf("remote signer: loading the slashing DB: %w", err)
	}
	if db.GenesisValidatorsRoot != s.gvr {
		return nil, fmt.Errorf("remote signer: slashing DB is for genesis validators root %#x, the signer's is %#x", db.GenesisValidatorsRoot[:], s.gvr[:])
	}
	s.db = db
	return s, nil
}

// Sign implements ethnode.RemoteSigner in process, with exactly the checks
// and errors of the HTTP endpoint (POST /api/v1/eth2/sign/{pubkey}).
func (s *Server) Sign(_ context.Context, pubkey phase0.BLSPubKey, req *ethnode.SignRequest) (phase0.BLSSignature, error) {
	in, err := req.SigningInput(s.chain)
	if err != nil {
		return phase0.BLSSignature{}, err
	}
	sk, ok := s.keys[pubkey]
	if !ok {
		return phase0.BLSSignature{}, ethnode.NewSignerError(http.StatusNotFound, "no key for %#x", pubkey[:])
	}
	if req.Type.NeedsForkInfo() && req.ForkInfo.GenesisValidatorsRoot != s.gvr {
		status := http.StatusBadRequest
		if req.Type.Slashable() {
			status = http.StatusPreconditionFailed
		}
		return phase0.BLSSignature{}, ethnode.NewSignerError(status, "fork_info genesis validators root %#x is not this signer's (%#x)",
			req.ForkInfo.GenesisValidatorsRoot[:], s.gvr[:])
	}
	if req.Type.Slashable() {
		if err := s.protect(pubkey, req, in.SigningRoot); err != nil {
			return phase0.BLSSignature{}, err
		}
	}
	sig, err := bls.Sign(sk, in.SigningRoot[:])
	if err != nil {
		return phase0.BLSSignature{}, ethnode.NewSignerError(http.StatusInternalServerError, "signing: %v", err)
	}
	return sig, nil
}

// recordError is the answer to a RecordStore that did not store a record.
// The store checks again (another writer may have recorded meanwhile); its
// refusal is a refusal to sign (412, final), not a server failure that a
// client would retry.
func recordError(err error) error {
	var conflict *slashing.ConflictError
	if errors.As(err, &conflict) || errors.Is(err, slashing.ErrHistoryFull) {
		return ethnode.NewSignerError(http.StatusPreconditionFailed, "%v", err)
	}
	return ethnode.NewSignerError(http.StatusInternalServerError, "persisting the slashing record: %v", err)
}

// protect runs the slashing check for an ATTESTATION or BLOCK_V2 request
// and, when it passes, records and persists it. The in-memory check runs
// once: Insert* checks and records in one step (a separate Check* before it
// doubled the cost of every signature). The record is in memory before it
// is persisted; when persisting fails nothing is signed, and the in-memory
// DB only stays stricter than the stored one. A RecordStore checks again in
// its transaction, against its own records (another writer may have
// recorded meanwhile). A BatchRecordStore is written outside the lock, by
// group commit (groupCommit): requests that arrive while a transaction
// commits share the next one, so a slot's burst of attestations costs a
// few fsyncs rather than one each, and none waits for a timer.
func (s *Server) protect(pubkey phase0.BLSPubKey, req *ethnode.SignRequest, root phase0.Root) error {
	s.mu.Lock()
	var rec slashingstoreRecord
	rec.pubkey = pubkey
	if req.Type == ethnode.SignTypeAttestation {
		src, tgt := req.Attestation.Source.Epoch, req.Attestation.Target.Epoch
		if err := s.db.InsertAttestation(pubkey, src, tgt, &root); err != nil {
			s.mu.Unlock()
			return insertError(err)
		}
		rec.att = &slashing.SlashingDBAttestation{SourceEpoch: src, TargetEpoch: tgt, SigningRoot: &root}
	} else {
		slot := blockSlot(req.BeaconBlock)
		if err := s.db.InsertBlock(pubkey, slot, &root); err != nil {
			s.mu.Unlock()
			return insertError(err)
		}
		rec.block = &slashing.SlashingDBBlock{Slot: slot, SigningRoot: &root}
	}
	if bs, ok := s.store.(BatchRecordStore); ok {
		s.mu.Unlock()
		if err := s.group.record(bs, rec); err != nil {
			return recordError(err)
		}
		return nil
	}
	defer s.mu.Unlock()
	if rs, ok := s.store.(RecordStore); ok {
		var err error
		if rec.att != nil {
			err = rs.RecordAttestation(pubkey, rec.att)
		} else {
			err = rs.RecordBlock(pubkey, rec.block)
		}
		if err != nil {
			return recordError(err)
		}
		return nil
	}
	if err := s.store.Save(s.db); err != nil {
		return ethnode.NewSignerError(http.StatusInternalServerError, "persisting the slashing DB: %v", err)
	}
	return nil
}

// insertError is the answer to an in-memory Insert* that refused: a
// slashing conflict or a full history is a final refusal to sign (412, as
// recordError answers for a RecordStore); anything else a server failure.
func insertError(err error) error {
	var conflict *slashing.ConflictError
	if errors.As(err, &conflict) || errors.Is(err, slashing.ErrHistoryFull) {
		return ethnode.NewSignerError(http.StatusPreconditionFailed, "%v", err)
	}
	return ethnode.NewSignerError(http.StatusInternalServerError, "recording: %v", err)
}

func blockSlot(b *ethnode.BeaconBlockRequest) phase0.Slot {
	if b.BlockHeader != nil {
		return b.BlockHeader.Slot
	}
	slot, _ := b.Block.Slot() // SigningInput has checked the block
	return slot
}

// PublicKeys implements ethnode.RemoteSigner: the held public keys, sorted.
func (s *Server) PublicKeys(context.Context) ([]phase0.BLSPubKey, error) {
	return append([]phase0.BLSPubKey(nil), s.pubkeys...), nil
}

// Upcheck implements ethnode.RemoteSigner; the embedded signer is always up.
func (s *Server) Upcheck(context.Context) error { return nil }

// SlashingDB returns a copy of the slashing-protection DB.
func (s *Server) SlashingDB() *slashing.SlashingDB {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Clone()
}

// ExportInterchange returns the EIP-3076 interchange export of the DB.
func (s *Server) ExportInterchange() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.ExportInterchange()
}

// ImportInterchange merges an EIP-3076 interchange file into the DB and
// persists the result (whole-DB Save, also for a RecordStore). On any error
// the DB is unchanged.
func (s *Server) ImportInterchange(data []byte) (slashing.ImportReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.db.Clone()
	rep, err := next.ImportInterchange(data)
	if err != nil {
		return rep, err
	}
	if err := s.store.Save(next); err != nil {
		return rep, err
	}
	s.db = next
	return rep, nil
}

// ---- HTTP ----

// Handler returns the HTTP API:
//
//	POST /api/v1/eth2/sign/{identifier}  200 {"signature"} (JSON if Accept allows application/json or */*,
//	                                     else text/plain), 400, 404, 412, 500
//	GET  /api/v1/eth2/publicKeys         200 ["0x...", ...]
//	GET  /upcheck                        200 "OK" (text/plain; charset=utf-8)
//
// Errors have a JSON body {"code": <status>, "message": "..."}. Other
// methods on these paths get 405, other paths 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/eth2/sign/{identifier}", s.authorized(s.handleSign))
	mux.HandleFunc("GET /api/v1/eth2/publicKeys", s.authorized(s.handlePublicKeys))
	mux.HandleFunc("GET /upcheck", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "OK")
	})
	return mux
}

// authorized refuses, with 401, a request without the bearer token when
// the server has one. The comparison takes the same time however much of
// the token matches.
func (s *Server) authorized(h http.HandlerFunc) http.HandlerFunc {
	if s.token == "" {
		return h
	}
	want := sha256.Sum256([]byte("Bearer " + s.token))
	return func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			s.log.Warn("remote signer: request refused", "status", http.StatusUnauthorized, "path", r.URL.Path, "remote", r.RemoteAddr, "error", "missing or wrong bearer token")
			w.Header().Set("WWW-Authenticate", "Bearer")
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(&errorBody{Code: http.StatusUnauthorized, Message: "missing or wrong bearer token"})
			return
		}
		h(w, r)
	}
}

func (s *Server) handleSign(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		s.fail(w, r, ethnode.NewSignerError(http.StatusBadRequest, "reading the body: %v", err))
		return
	}
	var req ethnode.SignRequest
	if err := json.Unmarshal(body, &req); err != nil {
		var se *ethnode.SignerError
		if !errors.As(err, &se) {
			err = ethnode.NewSignerError(http.StatusBadRequest, "malformed request: %v", err)
		}
		s.fail(w, r, err)
		return
	}
	if _, err := req.SigningInput(s.chain); err != nil {
		s.fail(w, r, err)
		return
	}
	pk, err := ethnode.ParsePubKey(r.PathValue("identifier"))
	if err != nil {
		s.fail(w, r, ethnode.NewSignerError(http.StatusNotFound, "identifier %q: %v", r.PathValue("identifier"), err))
		return
	}
	sig, err := s.Sign(r.Context(), pk, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hexSig := fmt.Sprintf("%#x", sig[:])
	if acceptsJSON(r.Header.Values("Accept")) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(&ethnode.SignResponse{Signature: sig})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, hexSig)
}

// acceptsJSON reports whether an Accept header lists application/json or
// */* (parameters and q-values ignored): Web3Signer's rule for answering
// {"signature"} rather than the bare hex signature. No Accept header means
// text/plain, as in Web3Signer.
func acceptsJSON(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if mt == "application/json" || mt == "*/*" {
				return true
			}
		}
	}
	return false
}

func (s *Server) handlePublicKeys(w http.ResponseWriter, _ *http.Request) {
	out := make([]string, len(s.pubkeys))
	for i, pk := range s.pubkeys {
		out[i] = fmt.Sprintf("%#x", pk[:])
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(out)
}

type errorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := ethnode.StatusCode(err)
	level := slog.LevelInfo
	if status == http.StatusPreconditionFailed || status == http.StatusInternalServerError {
		level = slog.LevelWarn
	}
	s.log.Log(r.Context(), level, "remote signer: request refused", "status", status, "path", r.URL.Path, "error", err)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&errorBody{Code: status, Message: err.Error()})
}

// Start listens on addr and serves the HTTP API in the background until
// Close. addr is host:port (use 127.0.0.1:0 for an ephemeral port), which
// needs Config.AuthToken, or unix:PATH, a Unix socket only its owner may
// use (mode 0600; the token, if set, is required too). It logs how
// requests are authenticated and returns the bound address.
func (s *Server) Start(addr string) (net.Addr, error) {
	var ln net.Listener
	var auth string
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if path == "" {
			return nil, errors.New("remote signer: unix: address without a socket path")
		}
		var err error
		if ln, err = listenUnix(path); err != nil {
			return nil, err
		}
		auth = "unix socket, owner only (mode 0600)"
		if s.token != "" {
			auth += ", and bearer token"
		}
	} else {
		if s.token == "" {
			return nil, fmt.Errorf("remote signer: serving on %s needs Config.AuthToken: any local process could use the keys", addr)
		}
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return nil, err
		}
		auth = "bearer token"
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	s.srvMu.Lock()
	if s.srv != nil {
		s.srvMu.Unlock()
		ln.Close()
		return nil, errors.New("remote signer: already started")
	}
	s.srv = srv
	s.srvMu.Unlock()
	s.log.Info("remote signer serving", "addr", ln.Addr().String(), "authentication", auth, "keys", len(s.pubkeys))
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("remote signer: server stopped", "error", err)
		}
	}()
	return ln.Addr(), nil
}

// listenUnix listens on a Unix socket at path that only its owner can
// connect to. The socket is created inside a fresh private directory and
// then moved into place, so it is never reachable with looser
// permissions. A stale socket at path is replaced; any other file is not.
func listenUnix(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("remote signer: %s exists and is not a socket", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remote signer: removing the stale socket: %w", err)
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(path), ".signer-sock-")
	if err != nil {
		return nil, fmt.Errorf("remote signer: %w", err)
	}
	defer os.RemoveAll(tmp)
	inner := filepath.Join(tmp, "s")
	ln, err := net.Listen("unix", inner)
	if err != nil {
		return nil, fmt.Errorf("remote signer: %w", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := os.Chmod(inner, 0o600); err == nil {
		err = os.Rename(inner, path)
	}
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("remote signer: %w", err)
	}
	return &unixListener{Listener: ln, path: path}, nil
}

// unixListener removes its socket file when closed.
type unixListener struct {
	net.Listener
	path string
}

func (l *unixListener) Close() error {
	err := l.Listener.Close()
	_ = os.Remove(l.path)
	return err
}

// Close stops the HTTP server started by Start, waiting up to five seconds
// for requests in flight.
func (s *Server) Close() error {
	s.srvMu.Lock()
	srv := s.srv
	s.srv = nil
	s.srvMu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}
