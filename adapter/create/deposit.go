package create

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/attestantio/go-eth2-client/spec/bellatrix"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// DepositAmount is the amount of every deposit, in Gwei (32 ETH).
const DepositAmount = phase0.Gwei(32_000_000_000)

// DepositCLIVersion is the staking-deposit-cli version whose
// deposit_data-*.json format the deposit file follows.
const DepositCLIVersion = "2.7.0"

// DepositData is one entry of a staking-deposit-cli deposit_data-*.json
// file: hex without 0x, amount in Gwei as a JSON number.
type DepositData struct {
	Pubkey                string `json:"pubkey"`
	WithdrawalCredentials string `json:"withdrawal_credentials"`
	Amount                uint64 `json:"amount"`
	Signature             string `json:"signature"`
	DepositMessageRoot    string `json:"deposit_message_root"`
	DepositDataRoot       string `json:"deposit_data_root"`
	ForkVersion           string `json:"fork_version"`
	NetworkName           string `json:"network_name"`
	DepositCLIVersion     string `json:"deposit_cli_version"`
}

// WithdrawalCredentials are 0x01 execution withdrawal credentials:
// 0x01 || 11 zero bytes || address.
func WithdrawalCredentials(addr bellatrix.ExecutionAddress) []byte {
	wc := make([]byte, 32)
	wc[0] = 0x01
	copy(wc[12:], addr[:])
	return wc
}

// Deposit signs the deposit of sk for 32 ETH with 0x01 credentials to
// withdrawal (phase0 DepositMessage, DOMAIN_DEPOSIT with the chain's
// genesis fork version) and returns its deposit data entry.
func Deposit(chain signing.Chain, networkName string, sk bls.SecretKey, withdrawal bellatrix.ExecutionAddress) (*DepositData, error) {
	pk, err := sk.PublicKey()
	if err != nil {
		return nil, err
	}
	msg := &phase0.DepositMessage{PublicKey: pk, WithdrawalCredentials: WithdrawalCredentials(withdrawal), Amount: DepositAmount}
	in, err := chain.DepositMessage(msg)
	if err != nil {
		return nil, fmt.Errorf("deposit: %w", err)
	}
	sig, err := bls.Sign(sk, in.SigningRoot[:])
	if err != nil {
		return nil, fmt.Errorf("deposit: %w", err)
	}
	data := &phase0.DepositData{PublicKey: pk, WithdrawalCredentials: msg.WithdrawalCredentials, Amount: DepositAmount, Signature: sig}
	dataRoot, err := data.HashTreeRoot()
	if err != nil {
		return nil, fmt.Errorf("deposit: %w", err)
	}
	return &DepositData{
		Pubkey:                hex.EncodeToString(pk[:]),
		WithdrawalCredentials: hex.EncodeToString(msg.WithdrawalCredentials),
		Amount:                uint64(DepositAmount),
		Signature:             hex.EncodeToString(sig[:]),
		DepositMessageRoot:    hex.EncodeToString(in.ObjectRoot[:]),
		DepositDataRoot:       hex.EncodeToString(dataRoot[:]),
		ForkVersion:           hex.EncodeToString(in.ForkVersion[:]),
		NetworkName:           networkName,
		DepositCLIVersion:     DepositCLIVersion,
	}, nil
}

// MarshalDeposits encodes a deposit file as staking-deposit-cli does: one
// JSON array.
func MarshalDeposits(d []*DepositData) ([]byte, error) {
	return json.Marshal(d)
}
