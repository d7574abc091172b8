// Package vc is a small, honest validator client over the standard beacon
// API (go-eth2-client's HTTP client, through impl/beaconclient). It exists
// so that the devnet and the tests exercise a beacon API, simbeacon's or
// dvnode's validator-facing one, exactly as a real validator client does:
// it fetches duties, attests and sends sync committee messages at a third
// of the slot, proposes at the slot start, aggregates at two thirds, and
// keeps its own EIP-3076 slashing protection over the keys it signs with.
//
// In VC-middleware mode (Config.Distributed) those keys are key shares:
// every signature the client makes is a partial one, selection proofs go
// through the DVT selection endpoints and the combined proofs returned are
// used, and the client never checks its own signatures against a validator
// public key (the DV node combines and verifies).
//
// How requests are batched is a Pattern, so the request shapes of other
// validator clients (Prysm sends one sync committee selection per request)
// can be reproduced.
package vc
