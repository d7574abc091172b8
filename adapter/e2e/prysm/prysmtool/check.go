package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/spec/cluster"
)

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prysmtool check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("beacon-node-url", "", "beacon node REST API")
	clusterFile := fs.String("cluster", "", "cluster.json of the DV")
	from := fs.Uint64("from-epoch", 1, "first epoch checked")
	to := fs.Uint64("to-epoch", 0, "last epoch checked (the head must have passed the end of the next epoch)")
	baseContrib := fs.String("baseline-contributions", "", "the baseline validator client's log: its 'Submitted new sync contribution and proof' lines say which subcommittees it contributed for (Prysm's format)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "prysmtool check: %v\n", err); return 2 }
	switch {
	case *url == "":
		return fail(errors.New("--beacon-node-url is required"))
	case *clusterFile == "":
		return fail(errors.New("--cluster is required"))
	case *to < *from:
		return fail(fmt.Errorf("--to-epoch (%d) before --from-epoch (%d)", *to, *from))
	}
	def, err := keys.LoadClusterDefinition(*clusterFile)
	if err != nil {
		return fail(fmt.Errorf("--cluster: %w", err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	bn := newBeacon(*url)
	d, dv, err := readChain(ctx, bn, def.Validators, *from, *to)
	if err != nil {
		return fail(err)
	}
	if *baseContrib != "" {
		b, err := os.ReadFile(*baseContrib)
		if err != nil {
			return fail(fmt.Errorf("--baseline-contributions: %w", err))
		}
		if d.baseContrib, err = parseContributions(string(b)); err != nil {
			return fail(fmt.Errorf("--baseline-contributions: %w", err))
		}
	}
	fig, err := compute(d, dv, *from, *to)
	if err != nil {
		return fail(err)
	}
	// Every other active validator is Prysm's own validator client: the
	// baseline of what this chain allows.
	others := map[uint64][]byte{}
	for _, byIndex := range d.committees {
		for _, members := range byIndex {
			for _, v := range members {
				if _, ok := dv[v]; !ok {
					others[v] = nil
				}
			}
		}
	}
	base, err := compute(d, others, *from, *to)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "ONCHAIN epochs=%d..%d slots_per_epoch=%d dv_validators=%d prysm_validators=%d\n", *from, *to, d.slotsPerEpoch, len(dv), len(others))
	report(stdout, "dv", fig)
	report(stdout, "prysm", base)
	if d.baseContrib != nil {
		reportOthers(stdout, "dv", fig)
	}
	var problems []string
	if fig.attExpected == 0 || fig.attIncluded != fig.attExpected {
		problems = append(problems, fmt.Sprintf("attestations %d/%d included (missed %s)", fig.attIncluded, fig.attExpected, strings.Join(fig.attMissed, " ")))
	}
	if fig.propProduced != fig.propExpected {
		problems = append(problems, fmt.Sprintf("proposals %d/%d produced (missed %s)", fig.propProduced, fig.propExpected, strings.Join(fig.propMissed, " ")))
	}
	if fig.propFeeOK != fig.propProduced {
		problems = append(problems, fmt.Sprintf("%d of %d proposals pay another fee recipient", fig.propProduced-fig.propFeeOK, fig.propProduced))
	}
	if fig.syncSeats > 0 && fig.syncSetCarried != fig.syncSeatsCarried {
		problems = append(problems, fmt.Sprintf("sync bits %d/%d set in blocks carrying their subcommittee", fig.syncSetCarried, fig.syncSeatsCarried))
	}
	if fig.syncSeats > 0 && fig.syncSeatsCarried == 0 {
		problems = append(problems, "no block carried a contribution of the DV's sync subcommittees")
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(stdout, "ONCHAIN FAIL %s\n", p)
		}
		fmt.Fprintln(stdout, "ONCHAIN result=fail")
		return 1
	}
	fmt.Fprintln(stdout, "ONCHAIN result=pass")
	return 0
}

func report(w io.Writer, who string, f *figures) {
	fmt.Fprintf(w, "ONCHAIN %s attestations included=%d expected=%d inclusion_distance=%s\n", who, f.attIncluded, f.attExpected, f.distanceString())
	fmt.Fprintf(w, "ONCHAIN %s proposals produced=%d expected=%d fee_recipient_ok=%d\n", who, f.propProduced, f.propExpected, f.propFeeOK)
	fmt.Fprintf(w, "ONCHAIN %s sync bits_set=%d seats=%d set_where_subcommittee_carried=%d of=%d\n", who, f.syncSet, f.syncSeats, f.syncSetCarried, f.syncSeatsCarried)
}

// reportOthers is the sync figure where the baseline validator client
// contributed nothing for the subcommittee a block carries.
func reportOthers(w io.Writer, who string, f *figures) {
	fmt.Fprintf(w, "ONCHAIN %s sync without_baseline_contribution subcommittees=%d bits_set=%d of=%d\n", who, f.syncSubOthers, f.syncSetOthers, f.syncSeatsOthers)
}

// parseContributions reads the (slot, subcommittee) pairs of Prysm's
// validator client log lines "Submitted new sync contribution and proof
// ... slot=S ... subcommitteeIndex=I". A line without both is an error:
// the log format is not the one this was written for.
func parseContributions(log string) (map[[2]uint64]bool, error) {
	out := map[[2]uint64]bool{}
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, "Submitted new sync contribution and proof") {
			continue
		}
		var slot, sub uint64
		var haveSlot, haveSub bool
		for _, f := range strings.Fields(line) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(v, 10, 64)
			switch {
			case k == "slot" && err == nil:
				slot, haveSlot = n, true
			case k == "subcommitteeIndex" && err == nil:
				sub, haveSub = n, true
			}
		}
		if !haveSlot || !haveSub {
			return nil, fmt.Errorf("no slot= and subcommitteeIndex= in %q", line)
		}
		out[[2]uint64{slot, sub}] = true
	}
	return out, nil
}

// readChain reads the blocks of epochs [from, to+1] (attestations of epoch
// to may be included until the end of to+1), the committees and proposer
// duties of [from, to] and the sync committee of every block slot.
func readChain(ctx context.Context, bn *beacon, vals []*cluster.Validator, from, to uint64) (*chainData, map[uint64][]byte, error) {
	spe, err := bn.specUint(ctx, "SLOTS_PER_EPOCH")
	if err != nil {
		return nil, nil, err
	}
	subnets, err := bn.specUint(ctx, "SYNC_COMMITTEE_SUBNET_COUNT")
	if err != nil {
		return nil, nil, err
	}
	head, err := bn.headSlot(ctx)
	if err != nil {
		return nil, nil, err
	}
	if last := (to+2)*spe - 1; head < last {
		return nil, nil, fmt.Errorf("head slot %d: epoch %d's attestations may be included until slot %d", head, to, last)
	}
	dv := map[uint64][]byte{}
	for _, v := range vals {
		idx, err := bn.validatorIndex(ctx, v.PublicKey[:])
		if err != nil {
			return nil, nil, fmt.Errorf("validator 0x%x: %w", v.PublicKey[:], err)
		}
		fee := make([]byte, len(v.FeeRecipient))
		copy(fee, v.FeeRecipient[:])
		dv[idx] = fee
	}
	d := &chainData{
		slotsPerEpoch: spe,
		syncSubnets:   subnets,
		committees:    map[uint64]map[uint64][]uint64{},
		blocks:        map[uint64]*blockJSON{},
		syncCommittee: map[uint64][]uint64{},
		proposers:     map[uint64]uint64{},
	}
	for e := from; e <= to; e++ {
		cs, err := bn.committees(ctx, e, spe)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range cs {
			s := uint64(c.Slot)
			if d.committees[s] == nil {
				d.committees[s] = map[uint64][]uint64{}
			}
			members := make([]uint64, len(c.Validators))
			for i, v := range c.Validators {
				members[i] = uint64(v)
			}
			d.committees[s][uint64(c.Index)] = members
		}
		duties, err := bn.proposerDuties(ctx, e)
		if err != nil {
			return nil, nil, err
		}
		for _, du := range duties {
			d.proposers[uint64(du.Slot)] = uint64(du.ValidatorIndex)
		}
	}
	for slot := from * spe; slot < (to+2)*spe; slot++ {
		blk, _, err := bn.block(ctx, slot)
		if err != nil {
			return nil, nil, err
		}
		d.blocks[slot] = blk
		if slot < (to+1)*spe && blk != nil && slot > 0 {
			sc, err := bn.syncCommittee(ctx, slot)
			if err != nil {
				return nil, nil, err
			}
			d.syncCommittee[slot] = sc
		}
	}
	return d, dv, nil
}
