package simbeacon

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// PublishedBlock is a POST /eth/v2/beacon/blocks body as this node reads
// it, for a harness in front of the node (the conformance kit writes what
// a DV node submitted in the trace format).
type PublishedBlock struct {
	// Fork is the consensus version the request named.
	Fork string
	// Slot and Signature are the signed block's.
	Slot      phase0.Slot
	Signature phase0.BLSSignature
	// Message is the SSZ of the fork's BeaconBlock, in this node's chain
	// sizes.
	Message []byte
}

// DecodePublishedBlock decodes a publish request (its Eth-Consensus-Version
// and Content-Type headers and body) exactly as the node's handler does,
// without judging the block.
func (n *Node) DecodePublishedBlock(h http.Header, body []byte) (*PublishedBlock, error) {
	r := &request{Request: &http.Request{Header: h}, body: body}
	version, aerr := parseVersionHeader(r)
	if aerr != nil {
		return nil, errors.New(aerr.message)
	}
	ssz, aerr := bodyIsSSZ(r, true)
	if aerr != nil {
		return nil, errors.New(aerr.message)
	}
	container := newSignedContainer(version)
	if ssz {
		if err := n.decodeSSZ(body, container); err != nil {
			return nil, fmt.Errorf("invalid %s signed block: %w", version, err)
		}
	} else if aerr := decodeStrict(body, container); aerr != nil {
		return nil, errors.New(aerr.message)
	}
	b, err := unpackSigned(container)
	if err != nil {
		return nil, err
	}
	msg, err := n.ssz.MarshalSSZ(b.message)
	if err != nil {
		return nil, fmt.Errorf("block message: %w", err)
	}
	return &PublishedBlock{Fork: versionName(version), Slot: b.slot, Signature: b.signature, Message: msg}, nil
}
