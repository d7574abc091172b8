// Package signing computes signature domains and signing roots for every
// message an Ethereum validator signs, for every fork from phase0 to fulu.
//
// It translates the DV spec's utils/helpers/signing.py and fixes it: the
// Python helpers pass an epoch where compute_domain expects a fork version,
// call compute_domain with three positional domain arguments, and never pass
// the genesis validators root. Here the fork version always comes from a
// ForkSchedule by the epoch that consensus-specs prescribes for the message,
// and the genesis validators root is always part of the domain (SPEC.md,
// "Deviations and amendments").
package signing
