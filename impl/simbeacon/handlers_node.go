package simbeacon

import (
	"encoding/hex"
	"net/http"
	"strings"

	apiv1 "github.com/attestantio/go-eth2-client/api/v1"
	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	ethnode "github.com/dvspec/go-dvspec/eth_node_interface"
	"github.com/dvspec/go-dvspec/spec/signing"
)

func hex0x(b [32]byte) string { return "0x" + hex.EncodeToString(b[:]) }

func hexBytes(b []byte) string { return "0x" + hex.EncodeToString(b) }

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }

func (n *Node) buildRoutes() []route {
	g, p := http.MethodGet, http.MethodPost
	return []route{
		newRoute(g, ethnode.PathGenesis, n.handleGenesis),
		newRoute(g, ethnode.PathStateRoot, n.handleStateRoot),
		newRoute(g, ethnode.PathStateFork, n.handleStateFork),
		newRoute(g, ethnode.PathFinalityCheckpoints, n.handleFinality),
		newRoute(g, ethnode.PathStateValidators, n.handleValidatorsGet),
		newRoute(p, ethnode.PathStateValidators, n.handleValidatorsPost),
		newRoute(g, ethnode.PathStateValidator, n.handleValidator),
		newRoute(g, ethnode.PathStateCommittees, n.handleCommittees),
		newRoute(g, ethnode.PathStateSyncCommittees, n.handleSyncCommittees),
		newRoute(g, ethnode.PathBlockHeader, n.handleHeader),
		newRoute(g, ethnode.PathBlockRoot, n.handleBlockRoot),
		newRoute(p, ethnode.PathPublishBlockV2, n.handlePublishBlock),
		newRoute(g, ethnode.PathSignedBlockV2, n.handleSignedBlock),
		newRoute(p, ethnode.PathPoolAttestationsV2, n.handlePoolAttestations),
		newRoute(p, ethnode.PathPoolSyncCommittees, n.handlePoolSyncCommittees),
		newRoute(p, ethnode.PathPoolVoluntaryExits, n.handleVoluntaryExit),
		newRoute(g, ethnode.PathNodeIdentity, n.handleIdentity),
		newRoute(g, ethnode.PathNodeVersion, n.handleVersion),
		newRoute(g, ethnode.PathNodeSyncing, n.handleSyncing),
		newRoute(g, ethnode.PathNodeHealth, n.handleHealth),
		newRoute(g, ethnode.PathForkSchedule, n.handleForkSchedule),
		newRoute(g, ethnode.PathSpec, n.handleSpec),
		newRoute(g, ethnode.PathDepositContract, n.handleDepositContract),
		newRoute(p, ethnode.PathAttesterDuties, n.handleAttesterDuties),
		newRoute(g, ethnode.PathProposerDuties, n.handleProposerDuties),
		newRoute(p, ethnode.PathSyncCommitteeDuties, n.handleSyncDuties),
		newRoute(g, ethnode.PathProduceBlockV3, n.handleProduceBlock),
		newRoute(g, ethnode.PathAttestationData, n.handleAttestationData),
		newRoute(g, ethnode.PathAggregateAttestation, n.handleAggregateAttestation),
		newRoute(p, ethnode.PathAggregateAndProofs, n.handleAggregateAndProofs),
		newRoute(p, ethnode.PathBeaconCommitteeSubs, n.handleBeaconCommitteeSubscriptions),
		newRoute(p, ethnode.PathSyncCommitteeSubs, n.handleSyncCommitteeSubscriptions),
		newRoute(p, ethnode.PathBeaconCommitteeSel, n.handleBeaconCommitteeSelections),
		newRoute(p, ethnode.PathSyncCommitteeSel, n.handleSyncCommitteeSelections),
		newRoute(g, ethnode.PathSyncContribution, n.handleSyncContribution),
		newRoute(p, ethnode.PathContributionAndProof, n.handleContributionAndProofs),
		newRoute(p, ethnode.PathPrepareBeaconProp, n.handlePrepareBeaconProposer),
		newRoute(p, ethnode.PathRegisterValidator, n.handleRegisterValidator),
		newRoute(p, ethnode.PathLiveness, n.handleLiveness),
		newRoute(g, ethnode.PathEvents, n.handleEvents),
	}
}

func (n *Node) genesisFork() signing.Fork {
	f, _ := n.cfg.Forks.Genesis()
	return f
}

func (n *Node) handleGenesis(w http.ResponseWriter, _ *request) *apiError {
	gv := n.genesisFork().Version
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: &apiv1.Genesis{
		GenesisTime:           n.cfg.GenesisTime,
		GenesisValidatorsRoot: n.reg.gvr,
		GenesisForkVersion:    gv,
	}})
	return nil
}

func (n *Node) handleVersion(w http.ResponseWriter, _ *request) *apiError {
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: map[string]string{"version": n.cfg.NodeVersion}})
	return nil
}

// syncingData is the v4.0.0 syncing body; go-eth2-client's SyncState lacks
// el_offline, which the schema requires.
type syncingData struct {
	HeadSlot     string `json:"head_slot"`
	SyncDistance string `json:"sync_distance"`
	IsSyncing    bool   `json:"is_syncing"`
	IsOptimistic bool   `json:"is_optimistic"`
	ELOffline    bool   `json:"el_offline"`
}

func (n *Node) handleSyncing(w http.ResponseWriter, _ *request) *apiError {
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: &syncingData{
		HeadSlot: u64s(uint64(n.CurrentSlot())), SyncDistance: "0",
	}})
	return nil
}

func (n *Node) handleHealth(w http.ResponseWriter, r *request) *apiError {
	// syncing_status only customises the answer while syncing, which this
	// node never is; it is still validated.
	v, given, aerr := queryUint(r, "syncing_status", false)
	if aerr != nil {
		return aerr
	}
	if given && (v < 100 || v > 599) {
		return badRequest("invalid syncing_status %d", v)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

type identityMetadata struct {
	SeqNumber         string `json:"seq_number"`
	Attnets           string `json:"attnets"`
	Syncnets          string `json:"syncnets"`
	CustodyGroupCount string `json:"custody_group_count,omitempty"`
}

type identityData struct {
	PeerID             string           `json:"peer_id"`
	ENR                string           `json:"enr"`
	P2PAddresses       []string         `json:"p2p_addresses"`
	DiscoveryAddresses []string         `json:"discovery_addresses"`
	Metadata           identityMetadata `json:"metadata"`
}

func (n *Node) handleIdentity(w http.ResponseWriter, _ *request) *apiError {
	md := identityMetadata{SeqNumber: "0", Attnets: "0x0000000000000000", Syncnets: "0x00"}
	if n.chain.fork(n.CurrentEpoch()).Name >= eth2spec.DataVersionFulu {
		md.CustodyGroupCount = u64s(n.table["CUSTODY_REQUIREMENT"])
	}
	// The simulated node has no network; the identity is a fixed
	// placeholder that parses as the schema's types.
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: &identityData{
		PeerID:             "16Uiu2HAmSimBeaconDvspecNoNetwork",
		ENR:                "enr:-simbeacon-no-network",
		P2PAddresses:       []string{},
		DiscoveryAddresses: []string{},
		Metadata:           md,
	}})
	return nil
}

// forkSchedule lists the scheduled forks as beacon-state Fork objects.
func (n *Node) forkSchedule() []*phase0.Fork {
	var out []*phase0.Fork
	forks := n.cfg.Forks.Forks()
	for i, f := range forks {
		if f.Epoch == signing.FarFutureEpoch {
			break
		}
		prev := f.Version
		if i > 0 {
			prev = forks[i-1].Version
		}
		out = append(out, &phase0.Fork{PreviousVersion: prev, CurrentVersion: f.Version, Epoch: f.Epoch})
	}
	return out
}

func (n *Node) handleForkSchedule(w http.ResponseWriter, _ *request) *apiError {
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: n.forkSchedule()})
	return nil
}

func (n *Node) handleDepositContract(w http.ResponseWriter, _ *request) *apiError {
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: &apiv1.DepositContract{ChainID: n.cfg.DepositChainID, Address: n.cfg.DepositContract[:]}})
	return nil
}

func (n *Node) handleSpec(w http.ResponseWriter, _ *request) *apiError {
	writeJSON(w, http.StatusOK, &dataEnvelope{Data: n.specMap})
	return nil
}

// buildSpec assembles /eth/v1/config/spec: every preset value, the
// constants, the fork versions and epochs, and the chain's configuration,
// formatted as the endpoint requires (decimal strings, 0x hex).
func (n *Node) buildSpec() map[string]any {
	m := map[string]any{}
	for k, v := range n.table {
		m[k] = u64s(v)
	}
	for k, v := range hexConstants {
		m[k] = v
	}
	m["PRESET_BASE"] = n.cfg.Chain.PresetBase
	m["CONFIG_NAME"] = "simbeacon-" + n.cfg.Chain.PresetBase
	m["TERMINAL_TOTAL_DIFFICULTY"] = "0"
	m["SLOT_DURATION_MS"] = u64s(n.cfg.SecondsPerSlot * 1000)
	m["MIN_GENESIS_TIME"] = u64s(uint64(n.cfg.GenesisTime.Unix()))
	m["MIN_GENESIS_ACTIVE_VALIDATOR_COUNT"] = u64s(n.cfg.Validators)
	m["DEPOSIT_CHAIN_ID"] = u64s(n.cfg.DepositChainID)
	m["DEPOSIT_NETWORK_ID"] = u64s(n.cfg.DepositChainID)
	m["DEPOSIT_CONTRACT_ADDRESS"] = hexBytes(n.cfg.DepositContract[:])
	names := []string{"GENESIS", "ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"}
	var blobSchedule []map[string]string
	for i, f := range n.cfg.Forks.Forks() {
		m[names[i]+"_FORK_VERSION"] = hexBytes(f.Version[:])
		if i > 0 {
			m[names[i]+"_FORK_EPOCH"] = u64s(uint64(f.Epoch))
		}
		if f.Epoch == signing.FarFutureEpoch {
			continue
		}
		switch f.Name {
		case eth2spec.DataVersionDeneb:
			blobSchedule = append(blobSchedule, map[string]string{"EPOCH": u64s(uint64(f.Epoch)), "MAX_BLOBS_PER_BLOCK": u64s(n.table["MAX_BLOBS_PER_BLOCK"])})
		case eth2spec.DataVersionElectra:
			blobSchedule = append(blobSchedule, map[string]string{"EPOCH": u64s(uint64(f.Epoch)), "MAX_BLOBS_PER_BLOCK": u64s(n.table["MAX_BLOBS_PER_BLOCK_ELECTRA"])})
		}
	}
	if blobSchedule == nil {
		blobSchedule = []map[string]string{}
	}
	m["BLOB_SCHEDULE"] = blobSchedule
	return m
}

// versionName is the Eth-Consensus-Version value of a fork.
func versionName(v eth2spec.DataVersion) string { return v.String() }

// parseVersionHeader parses a required Eth-Consensus-Version header.
func parseVersionHeader(r *request) (eth2spec.DataVersion, *apiError) {
	h := r.Header.Get(ethnode.HeaderConsensusVersion)
	if h == "" {
		return 0, badRequest("missing %s header", ethnode.HeaderConsensusVersion)
	}
	for v := eth2spec.DataVersionPhase0; v <= signing.LatestName; v++ {
		if h == v.String() {
			return v, nil
		}
	}
	return 0, badRequest("unsupported %s %q", ethnode.HeaderConsensusVersion, strings.TrimSpace(h))
}
