package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBitlistLen(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want int
		ok   bool
	}{
		{[]byte{0x01}, 0, true},        // empty list: the delimiter alone
		{[]byte{0x02}, 1, true},        // one bit, clear
		{[]byte{0xff, 0x01}, 8, true},  // eight bits, all set
		{[]byte{0x00, 0x80}, 15, true}, // fifteen bits
		{[]byte{}, 0, false},           // no delimiter byte
		{[]byte{0xff, 0x00}, 0, false}, // last byte without delimiter
		{[]byte{0x00, 0x00, 0x04}, 18, true},
	} {
		got, err := bitlistLen(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("bitlistLen(%x) = %d, %v; want %d, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

// bitsOf builds a bitlist (with delimiter) with the given positions set.
func bitsOf(n int, set ...int) []byte {
	b := make([]byte, n/8+1)
	for _, i := range set {
		b[i/8] |= 1 << (i % 8)
	}
	b[n/8] |= 1 << (n % 8)
	return b
}

// A two-epoch chain of 4-slot epochs, one committee per slot except slot 5
// which has two; the DV is validators {1, 6}. Each case names what it
// proves and sets the expectations from the construction.
func TestComputeElectraAttestations(t *testing.T) {
	d := &chainData{
		slotsPerEpoch: 4,
		committees: map[uint64]map[uint64][]uint64{
			4: {0: {3, 1}},
			5: {0: {0, 2}, 1: {6, 5}},
			6: {0: {4}},
			7: {0: {7}},
		},
		blocks:        map[uint64]*blockJSON{},
		syncCommittee: map[uint64][]uint64{},
		proposers:     map[uint64]uint64{},
	}
	att := func(slot uint64, committeeBits byte, agg []byte) attestationJSON {
		var a attestationJSON
		a.Data.Slot = uintStr(slot)
		a.CommitteeBits = []byte{committeeBits, 0, 0, 0, 0, 0, 0, 0}
		a.AggregationBits = agg
		return a
	}
	blk := func(slot uint64, atts ...attestationJSON) *blockJSON {
		b := &blockJSON{Slot: uintStr(slot)}
		b.Body.Attestations = atts
		return b
	}
	// Validator 1 (slot 4, position 1) first at distance 2, again at 3.
	d.blocks[6] = blk(6, att(4, 0x01, bitsOf(2, 1)))
	d.blocks[7] = blk(7, att(4, 0x01, bitsOf(2, 0, 1)))
	// Validator 6 is in committee 1 of slot 5: with committees 0 and 1 both
	// named, its bit is at offset len(committee 0) + 0 = 2. Bit 0 of the
	// aggregation belongs to validator 0, not to the DV.
	d.blocks[8] = blk(8, att(5, 0x03, bitsOf(4, 0, 2)))
	vals := map[uint64][]byte{1: nil, 6: nil}
	f, err := compute(d, vals, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if f.attExpected != 2 || f.attIncluded != 2 {
		t.Fatalf("attestations %d/%d, want 2/2 (missed %v)", f.attIncluded, f.attExpected, f.attMissed)
	}
	if f.distances[2] != 1 || f.distances[3] != 1 || len(f.distances) != 2 {
		t.Fatalf("distances %v, want validator 1 at 2 and validator 6 at 3", f.distances)
	}

	// An aggregate naming only committee 0 does not include validator 6,
	// whatever its bits.
	d.blocks[8] = blk(8, att(5, 0x01, bitsOf(2, 0, 1)))
	f, err = compute(d, vals, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if f.attIncluded != 1 || len(f.attMissed) != 1 || !strings.HasPrefix(f.attMissed[0], "v6@5") {
		t.Fatalf("included %d missed %v, want validator 6 missed", f.attIncluded, f.attMissed)
	}

	// An aggregation whose length is not the named committees' is refused.
	d.blocks[8] = blk(8, att(5, 0x03, bitsOf(3, 2)))
	if _, err := compute(d, vals, 1, 1); err == nil {
		t.Fatal("aggregation bits of the wrong length accepted")
	}
}

func TestComputeProposalsAndSync(t *testing.T) {
	fee := []byte{0xfe, 0xe5}
	d := &chainData{
		slotsPerEpoch: 4,
		committees:    map[uint64]map[uint64][]uint64{},
		blocks:        map[uint64]*blockJSON{},
		syncCommittee: map[uint64][]uint64{},
		syncSubnets:   2,
		proposers:     map[uint64]uint64{4: 1, 5: 2, 6: 1, 7: 1},
	}
	mk := func(slot, proposer uint64, feeTo []byte, syncBits byte) *blockJSON {
		b := &blockJSON{Slot: uintStr(slot), ProposerIndex: uintStr(proposer)}
		b.Body.ExecutionPayload = &struct {
			FeeRecipient hexBytes `json:"fee_recipient"`
		}{feeTo}
		b.Body.SyncAggregate = &struct {
			SyncCommitteeBits hexBytes `json:"sync_committee_bits"`
		}{[]byte{syncBits}}
		return b
	}
	// Seats: subcommittee 0 = {1, 2}, subcommittee 1 = {3, 1}.
	for s := uint64(4); s < 8; s++ {
		d.syncCommittee[s] = []uint64{1, 2, 3, 1}
	}
	d.blocks[4] = mk(4, 1, fee, 0b0011)               // ours, right fee; both seats of subcommittee 0 set, 1 absent
	d.blocks[5] = mk(5, 2, []byte{0xba, 0xd}, 0b1010) // not ours; validator 1's seat 3 set, seat 0 clear with its subcommittee carried by seat 1
	d.blocks[6] = mk(6, 1, []byte{0xba, 0xd}, 0)      // ours, wrong fee; no sync bits
	// slot 7: empty, a missed proposal of validator 1.
	f, err := compute(d, map[uint64][]byte{1: fee}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if f.propExpected != 3 || f.propProduced != 2 || f.propFeeOK != 1 {
		t.Fatalf("proposals produced %d expected %d fee ok %d, want 2, 3, 1", f.propProduced, f.propExpected, f.propFeeOK)
	}
	// Validator 1 has 2 seats in each of blocks 4, 5, 6.
	if f.syncSeats != 6 || f.syncSet != 2 {
		t.Fatalf("sync %d/%d, want 2/6", f.syncSet, f.syncSeats)
	}
	// Carried: block 4 subcommittee 0 (seat 0, set); block 5 both
	// subcommittees (seat 0 clear, seat 3 set); block 6 none.
	if f.syncSeatsCarried != 3 || f.syncSetCarried != 2 {
		t.Fatalf("sync where carried %d/%d, want 2/3", f.syncSetCarried, f.syncSeatsCarried)
	}
	if f.syncSubOthers != 0 || f.syncSeatsOthers != 0 {
		t.Fatalf("without a baseline log, counted %d subcommittees without its contribution", f.syncSubOthers)
	}
	// The baseline client contributed for subcommittee 0 of slot 3 (block
	// 4) and subcommittee 1 of slot 4 (block 5); block 5's subcommittee 0
	// (seat 0 of validator 1, clear) came from another contribution only.
	// Subcommittee 1 of slot 3 is not carried by block 4: not counted.
	d.baseContrib = map[[2]uint64]bool{{3, 0}: true, {4, 1}: true}
	f, err = compute(d, map[uint64][]byte{1: fee}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if f.syncSubOthers != 1 || f.syncSeatsOthers != 1 || f.syncSetOthers != 0 {
		t.Fatalf("without the baseline's contribution: %d subcommittees, %d/%d seats set; want 1, 0/1", f.syncSubOthers, f.syncSetOthers, f.syncSeatsOthers)
	}
	// Contributed for block 5's subcommittee 0 instead: validator 1's seat
	// 3 (set) is now the only seat where the baseline did not contribute.
	d.baseContrib = map[[2]uint64]bool{{3, 0}: true, {4, 0}: true}
	if f, err = compute(d, map[uint64][]byte{1: fee}, 1, 1); err != nil {
		t.Fatal(err)
	}
	if f.syncSubOthers != 1 || f.syncSeatsOthers != 1 || f.syncSetOthers != 1 {
		t.Fatalf("without the baseline's contribution: %d subcommittees, %d/%d seats set; want 1, 1/1", f.syncSubOthers, f.syncSetOthers, f.syncSeatsOthers)
	}
}

func TestParseContributions(t *testing.T) {
	log := `time="2026-12-06 10:37:54" level=info msg="Submitted new sync message" slot=0 validatorIndex=1
time="2026-12-06 10:37:54" level=info msg="Submitted new sync contribution and proof" aggregatorIndex=3 bitsCount=128 blockRoot=0x8c3f prefix=client slot=7 slotStartTime=2026-12-06 10:37:52 +0000 UTC subcommitteeIndex=3 timeSinceSlotStart=2.7s
time="2026-12-06 10:37:55" level=info msg="Submitted new sync contribution and proof" aggregatorIndex=2 bitsCount=128 blockRoot=0x8c3f prefix=client slot=7 slotStartTime=2026-12-06 10:37:52 +0000 UTC subcommitteeIndex=1 timeSinceSlotStart=2.7s
`
	got, err := parseContributions(log)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[[2]uint64{7, 3}] || !got[[2]uint64{7, 1}] {
		t.Fatalf("parsed %v, want slot 7 subcommittees 1 and 3", got)
	}
	// The slot start time is not the slot.
	if _, err := parseContributions(`msg="Submitted new sync contribution and proof" slotStartTime=2026 subcommitteeIndex=1`); err == nil {
		t.Fatal("a line without slot= was accepted")
	}
}

func TestPatchAlloc(t *testing.T) {
	src := ""
	for i, n := range pragueSystemContracts {
		src += "\t" + n + "Address = common.HexToAddress(\"0x000F3df6D732807Ef1319fB7B8bB8522d0Beac0" + string(rune('0'+i)) + "\")\n"
		src += "\t" + n + "Code = common.FromHex(\"60" + string(rune('0'+i)) + "0\")\n"
	}
	contracts, err := systemContracts(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(contracts) != 4 || contracts["0x000f3df6d732807ef1319fb7b8bb8522d0beac02"] != "0x6020" {
		t.Fatalf("contracts %v", contracts)
	}
	if _, err := systemContracts(strings.Replace(src, "HistoryStorageCode", "Other", 1)); err == nil {
		t.Fatal("a missing contract was not reported")
	}
	out, err := patchAlloc([]byte(`{"config":{"chainId":1337},"alloc":{"aa00000000000000000000000000000000000000":{"balance":"0x1"}}}`), contracts)
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Config map[string]any               `json:"config"`
		Alloc  map[string]map[string]string `json:"alloc"`
	}
	if err := json.Unmarshal(out, &g); err != nil {
		t.Fatal(err)
	}
	if g.Config["chainId"] != float64(1337) || g.Alloc["aa00000000000000000000000000000000000000"]["balance"] != "0x1" || len(g.Alloc) != 5 {
		t.Fatalf("patched genesis lost or missed fields: %s", out)
	}
	if _, err := patchAlloc([]byte(`{"alloc":[1]}`), contracts); err == nil {
		t.Fatal("a malformed alloc was accepted")
	}
}
