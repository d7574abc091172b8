package beaconclient

import (
	"errors"
	"fmt"

	"github.com/attestantio/go-eth2-client/api"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
)

// ProposalBlock is the beacon block of a produced proposal. Blinded
// proposals are refused: the DV spec agrees on full blocks only, and the
// builder flow is out of scope (adapter/README.md).
func ProposalBlock(p *api.VersionedProposal) (*eth2spec.VersionedBeaconBlock, error) {
	if p == nil {
		return nil, errors.New("no proposal")
	}
	if p.Blinded {
		return nil, errors.New("the beacon node produced a blinded block; only full blocks are signed")
	}
	b := &eth2spec.VersionedBeaconBlock{Version: p.Version}
	switch p.Version {
	case eth2spec.DataVersionPhase0:
		b.Phase0 = p.Phase0
	case eth2spec.DataVersionAltair:
		b.Altair = p.Altair
	case eth2spec.DataVersionBellatrix:
		b.Bellatrix = p.Bellatrix
	case eth2spec.DataVersionCapella:
		b.Capella = p.Capella
	case eth2spec.DataVersionDeneb:
		if p.Deneb != nil {
			b.Deneb = p.Deneb.Block
		}
	case eth2spec.DataVersionElectra:
		if p.Electra != nil {
			b.Electra = p.Electra.Block
		}
	case eth2spec.DataVersionFulu:
		if p.Fulu != nil {
			b.Fulu = p.Fulu.Block
		}
	default:
		return nil, fmt.Errorf("unsupported proposal version %s", p.Version)
	}
	if b.IsEmpty() {
		return nil, fmt.Errorf("empty %s proposal", p.Version)
	}
	return b, nil
}
