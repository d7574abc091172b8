package conformance

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// signedBlockMessageOffset is the SSZ offset of the message in a
// SignedBeaconBlock: 4 bytes of offset, then the 96-byte signature.
const signedBlockMessageOffset = 100

// parseBlock reads the slot and the signature of a published block, SSZ
// (a SignedBeaconBlock, or from Deneb a SignedBlockContents whose first
// field is one) or JSON; it returns the SHA-256 of the signature as the
// block's identity.
func parseBlock(body []byte, contentType string) (phase0.Slot, [32]byte, bool) {
	if strings.HasPrefix(contentType, "application/octet-stream") {
		return parseBlockSSZ(body)
	}
	var j struct {
		Message     *jsonBlock `json:"message"`
		Signature   string     `json:"signature"`
		SignedBlock *struct {
			Message   *jsonBlock `json:"message"`
			Signature string     `json:"signature"`
		} `json:"signed_block"`
	}
	if json.Unmarshal(body, &j) != nil {
		return 0, [32]byte{}, false
	}
	msg, sig := j.Message, j.Signature
	if j.SignedBlock != nil {
		msg, sig = j.SignedBlock.Message, j.SignedBlock.Signature
	}
	if msg == nil {
		return 0, [32]byte{}, false
	}
	slot, err := strconv.ParseUint(msg.Slot, 10, 64)
	raw, herr := hex.DecodeString(strings.TrimPrefix(sig, "0x"))
	if err != nil || herr != nil || len(raw) != 96 {
		return 0, [32]byte{}, false
	}
	return phase0.Slot(slot), sha256.Sum256(raw), true
}

type jsonBlock struct {
	Slot string `json:"slot"`
}

func parseBlockSSZ(b []byte) (phase0.Slot, [32]byte, bool) {
	at := 0
	if len(b) >= 4 && binary.LittleEndian.Uint32(b) != signedBlockMessageOffset {
		// Block contents: the first offset points at the signed block.
		at = int(binary.LittleEndian.Uint32(b))
	}
	if at < 0 || at+signedBlockMessageOffset+8 > len(b) || binary.LittleEndian.Uint32(b[at:]) != signedBlockMessageOffset {
		return 0, [32]byte{}, false
	}
	sig := b[at+4 : at+signedBlockMessageOffset]
	slot := binary.LittleEndian.Uint64(b[at+signedBlockMessageOffset:])
	return phase0.Slot(slot), sha256.Sum256(sig), true
}
