package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/impl/remotesigner"
)

// SigningRequest is one attestation or block signing request a node sent
// to its recording signer.
type SigningRequest struct {
	Node   uint64
	Pubkey phase0.BLSPubKey
	// Kind is KindAttestation or KindBlock.
	Kind        string
	Data        *phase0.AttestationData
	Slot        phase0.Slot
	SigningRoot phase0.Root
	// Signed is whether the signer answered with a signature.
	Signed bool
	At     time.Time
}

// StartSigner serves a Web3Signer-API signer for node on 127.0.0.1 that
// holds cfg.Keys (the node's key shares) and records every attestation
// and block signing request, so that safety can be judged under the share
// keys. cfg's chain fields are filled from the kit's chain. It returns the
// signer's URL.
func (k *Kit) StartSigner(node uint64, cfg remotesigner.Config) (string, error) {
	if node < 1 || node > uint64(k.cfg.Nodes) {
		return "", fmt.Errorf("conformance: signer for node %d: no such node", node)
	}
	chain := k.sb.SigningChain()
	cfg.Forks, cfg.ChainConfig, cfg.GenesisValidatorsRoot = chain.Forks, chain.Config, chain.GenesisValidatorsRoot
	srv, err := remotesigner.NewServer(cfg)
	if err != nil {
		return "", err
	}
	inner := srv.Handler()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/api/v1/eth2/sign/") {
			inner.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, remotesigner.MaxRequestBody))
		if err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		tw := &teeWriter{ResponseWriter: w, status: http.StatusOK}
		inner.ServeHTTP(tw, r)
		var req ethnode.SignRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		pk, err := ethnode.ParsePubKey(strings.TrimPrefix(r.URL.Path, "/api/v1/eth2/sign/"))
		if err != nil {
			return
		}
		in, err := req.SigningInput(chain)
		if err != nil {
			return
		}
		sr := SigningRequest{Node: node, Pubkey: pk, SigningRoot: in.SigningRoot, Signed: tw.status == http.StatusOK, At: time.Now()}
		switch {
		case req.Attestation != nil:
			sr.Kind, sr.Data, sr.Slot = KindAttestation, req.Attestation, req.Attestation.Slot
		case req.BeaconBlock != nil:
			sr.Kind, sr.Slot = KindBlock, blockRequestSlot(req.BeaconBlock)
		default:
			return
		}
		k.rec.addSigning(sr)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	k.servers = append(k.servers, hs)
	go func() { _ = hs.Serve(l) }()
	return "http://" + l.Addr().String(), nil
}

func blockRequestSlot(b *ethnode.BeaconBlockRequest) phase0.Slot {
	if b.BlockHeader != nil {
		return b.BlockHeader.Slot
	}
	if b.Block != nil {
		if slot, err := b.Block.Slot(); err == nil {
			return slot
		}
	}
	return 0
}
