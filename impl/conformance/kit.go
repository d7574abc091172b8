package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	eth2spec "github.com/attestantio/go-eth2-client/spec"
	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/impl/keys"
	"github.com/dvspec/go-dvspec/impl/simbeacon"
	"github.com/dvspec/go-dvspec/spec"
	"github.com/dvspec/go-dvspec/spec/bls"
	"github.com/dvspec/go-dvspec/spec/signing"
)

// Config describes one kit run.
type Config struct {
	// Nodes is the cluster size N (1..64); Validators the number of
	// distributed validators (interop keys 0..Validators-1).
	Nodes, Validators int
	Scenario          Scenario
	// BasePort is node 1's beacon endpoint port; node i listens on
	// BasePort+i-1 on 127.0.0.1 (0: a free range is chosen).
	BasePort int
	// GenesisDelay is how long from New until slot 0 (default 5 s): the
	// time the nodes have to start and connect.
	GenesisDelay time.Duration
	// Grace is how many slots after the last the kit waits for late
	// acceptances (default 2).
	Grace uint64
	// Clock is the chain's clock (default the system clock; tests drive
	// a manual one and call Judge directly).
	Clock simbeacon.Clock
}

// Kit is a running conformance harness: the chain and one endpoint per
// node.
type Kit struct {
	cfg     Config
	sb      *simbeacon.Node
	rec     *Record
	fronts  []*Front
	servers []*http.Server
	urls    []string
	genesis time.Time

	mu     sync.Mutex
	vcMode bool // scripted validator clients drive the nodes
}

// New validates cfg, builds the chain and starts serving the endpoints.
func New(cfg Config) (*Kit, error) {
	if cfg.Nodes < 1 || cfg.Nodes > 64 {
		return nil, fmt.Errorf("conformance: nodes %d, want 1..64", cfg.Nodes)
	}
	if cfg.Validators < 1 || cfg.Validators > 1024 {
		return nil, fmt.Errorf("conformance: validators %d, want 1..1024", cfg.Validators)
	}
	if err := cfg.Scenario.Validate(cfg.Nodes); err != nil {
		return nil, err
	}
	if cfg.BasePort < 0 || cfg.BasePort+cfg.Nodes-1 > 65535 {
		return nil, fmt.Errorf("conformance: base port %d: the %d endpoints do not fit below 65536", cfg.BasePort, cfg.Nodes)
	}
	if cfg.GenesisDelay <= 0 {
		cfg.GenesisDelay = 5 * time.Second
	}
	if cfg.Grace == 0 {
		cfg.Grace = 2
	}
	chainCfg, err := spec.MainnetConfig().WithSlotsPerEpoch(cfg.Scenario.slotsPerEpoch())
	if err != nil {
		return nil, fmt.Errorf("conformance: slots_per_epoch: %w", err)
	}
	clock := cfg.Clock
	if clock == nil {
		clock = simbeacon.SystemClock{}
	}
	// The beacon API reports genesis in whole seconds.
	genesis := clock.Now().Add(cfg.GenesisDelay).Truncate(time.Second).Add(time.Second)
	forks, err := cfg.Scenario.forkSchedule()
	if err != nil {
		return nil, err
	}
	sb, err := simbeacon.New(simbeacon.Config{
		Chain: chainCfg, Validators: uint64(cfg.Validators), SecondsPerSlot: cfg.Scenario.secondsPerSlot(),
		GenesisTime: genesis, Clock: clock, Forks: forks,
	})
	if err != nil {
		return nil, err
	}
	k := &Kit{cfg: cfg, sb: sb, rec: NewRecord(), genesis: genesis}
	ls, err := listen(cfg.BasePort, cfg.Nodes)
	if err != nil {
		sb.Close()
		return nil, err
	}
	for i := range ls {
		f := NewFront(uint64(i+1), sb, cfg.Scenario.Faults, k.rec)
		srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
		k.fronts = append(k.fronts, f)
		k.servers = append(k.servers, srv)
		k.urls = append(k.urls, "http://"+ls[i].Addr().String())
		go func(l net.Listener) { _ = srv.Serve(l) }(ls[i])
	}
	sb.StartSlotLoop()
	return k, nil
}

// listen opens n consecutive ports on 127.0.0.1 from base (0: any free
// range).
func listen(base, n int) ([]net.Listener, error) {
	try := func(b int) ([]net.Listener, error) {
		var ls []net.Listener
		for i := 0; i < n; i++ {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(b+i))
			if err != nil {
				for _, x := range ls {
					x.Close()
				}
				return nil, err
			}
			ls = append(ls, l)
		}
		return ls, nil
	}
	if base != 0 {
		ls, err := try(base)
		if err != nil {
			return nil, fmt.Errorf("conformance: --base-port %d: %w", base, err)
		}
		return ls, nil
	}
	for attempt := 0; attempt < 100; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		b := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if b+n-1 > 65535 {
			continue
		}
		if ls, err := try(b); err == nil {
			return ls, nil
		}
	}
	return nil, errors.New("conformance: no free range of ports on 127.0.0.1")
}

// URL returns node i's beacon endpoint (1-based).
func (k *Kit) URL(i uint64) string { return k.urls[i-1] }

// URLs returns every node's beacon endpoint, node 1 first.
func (k *Kit) URLs() []string { return append([]string(nil), k.urls...) }

// Chain returns the simulated chain's signing chain (its genesis
// validators root and fork schedule are what a cluster definition needs).
func (k *Kit) Chain() signing.Chain { return k.sb.SigningChain() }

// Beacon returns the simulated chain.
func (k *Kit) Beacon() *simbeacon.Node { return k.sb }

// Record returns what the kit saw so far.
func (k *Kit) Record() *Record { return k.rec }

// Genesis returns the start of slot 0.
func (k *Kit) Genesis() time.Time { return k.genesis }

// Close stops the endpoints and the chain.
func (k *Kit) Close() {
	for _, s := range k.servers {
		_ = s.Close()
	}
	_ = k.sb.Close()
}

// WriteKeystores writes the chain's validator keys of the cluster as
// EIP-2335 keystores into dir (one password, dir/password.txt), for the
// implementation's own split tool or `dvnode create cluster
// --split-existing-keys`.
func (k *Kit) WriteKeystores(dir string, kdf keys.KDF) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	const password = "conformance-kit"
	if err := os.WriteFile(filepath.Join(dir, "password.txt"), []byte(password), 0o600); err != nil {
		return err
	}
	for v := 0; v < k.cfg.Validators; v++ {
		sk, err := bls.InteropSecretKey(uint64(v))
		if err != nil {
			return err
		}
		ks, err := keys.EncryptKeystore(sk, password, kdf, nil, fmt.Sprintf("interop validator %d", v), "")
		if err != nil {
			return err
		}
		if err := keys.WriteKeystoreFile(filepath.Join(dir, fmt.Sprintf("keystore-%04d.json", v)), ks); err != nil {
			return err
		}
	}
	return nil
}

// WaitConnected waits until every node has made a request to its endpoint
// or ctx is done; it returns the nodes that never connected.
func (k *Kit) WaitConnected(ctx context.Context) []uint64 {
	for {
		var missing []uint64
		for i := range k.fronts {
			if k.rec.Requests(uint64(i+1)) == 0 {
				missing = append(missing, uint64(i+1))
			}
		}
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return missing
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Run waits for the scenario's slots and the grace period to pass, then
// judges the run.
func (k *Kit) Run(ctx context.Context) (*Report, error) {
	slotDur := time.Duration(k.cfg.Scenario.secondsPerSlot()) * time.Second
	end := k.genesis.Add(time.Duration(k.cfg.Scenario.Slots+k.cfg.Grace) * slotDur)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Until(end)):
	}
	return k.Judge(), nil
}

// Judge judges what the kit saw so far.
func (k *Kit) Judge() *Report {
	r := NewReport(k.cfg.Scenario, k.Input())
	for _, f := range k.fronts {
		r.Faults = append(r.Faults, f.Applied()...)
	}
	return r
}

// Input is what the checks judge, from what the kit saw so far.
func (k *Kit) Input() Input {
	in := Input{
		Chain:           k.sb.SigningChain(),
		Offers:          k.rec.Offers(),
		Submissions:     k.rec.Submissions(),
		SigningRequests: k.rec.SigningRequests(),
		Duties:          k.duties(),
		Blocks:          map[phase0.Slot][]phase0.Root{},
		MinLiveness:     k.cfg.Scenario.minLiveness(),
		VCResults:       k.rec.VCResults(),
	}
	k.mu.Lock()
	in.VCMode = k.vcMode
	k.mu.Unlock()
	skip := map[string]bool{}
	for _, d := range k.cfg.Scenario.LivenessSkip {
		skip[d] = true
	}
	var kept []Duty
	for _, d := range in.Duties {
		if !skip[d.Type] {
			kept = append(kept, d)
		}
	}
	in.Duties = kept
	for _, a := range k.sb.AllAccepted() {
		if a.Kind == simbeacon.KindBlock {
			in.Blocks[a.Slot] = append(in.Blocks[a.Slot], a.SigningRoot)
		}
	}
	in.ChainOffences = len(k.sb.Offences())
	return in
}

// duties lists the cluster's duties in the judged slots with the time the
// chain accepted each.
func (k *Kit) duties() []Duty {
	sb := k.sb
	slots := k.cfg.Scenario.Slots
	slotDur := time.Duration(k.cfg.Scenario.secondsPerSlot()) * time.Second
	start := func(s phase0.Slot) time.Time { return k.genesis.Add(time.Duration(s) * slotDur) }
	third := slotDur / 3
	spe := sb.ChainConfig().SlotsPerEpoch
	done := map[simbeacon.Kind]map[[2]uint64]time.Time{}
	for _, a := range sb.AllAccepted() {
		m := done[a.Kind]
		if m == nil {
			m = map[[2]uint64]time.Time{}
			done[a.Kind] = m
		}
		key := [2]uint64{uint64(a.Validator), uint64(a.Slot)}
		if t, ok := m[key]; !ok || a.At.Before(t) {
			m[key] = a.At
		}
	}
	at := func(kind simbeacon.Kind, v phase0.ValidatorIndex, s phase0.Slot) time.Time {
		return done[kind][[2]uint64{uint64(v), uint64(s)}]
	}
	var out []Duty
	for v := 0; v < k.cfg.Validators; v++ {
		for e := phase0.Epoch(0); uint64(e) <= (slots-1)/spe; e++ {
			d := sb.AttesterDuty(phase0.ValidatorIndex(v), e)
			if d != nil && uint64(d.Slot) < slots {
				out = append(out, Duty{Type: DutyAttester, Validator: d.ValidatorIndex, Slot: d.Slot, Start: start(d.Slot).Add(third), Done: at(simbeacon.KindAttestation, d.ValidatorIndex, d.Slot)})
			}
		}
	}
	// Slot 0 is genesis: nobody proposes it.
	for s := phase0.Slot(1); uint64(s) < slots; s++ {
		if p := sb.Proposer(s); int(p) < k.cfg.Validators {
			out = append(out, Duty{Type: DutyProposer, Validator: p, Slot: s, Start: start(s), Done: at(simbeacon.KindBlock, p, s)})
		}
	}
	for s := phase0.Slot(0); uint64(s) < slots; s++ {
		if sb.Fork(s) < eth2spec.DataVersionAltair {
			continue
		}
		seen := map[phase0.ValidatorIndex]bool{}
		for _, v := range sb.SyncCommittee(s) {
			if int(v) < k.cfg.Validators && !seen[v] {
				seen[v] = true
				out = append(out, Duty{Type: DutySync, Validator: v, Slot: s, Start: start(s).Add(third), Done: at(simbeacon.KindSyncCommitteeMessage, v, s)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Slot < out[j].Slot })
	return out
}

// WriteTrace writes what the nodes submitted so far in the trace format
// (WriteTrace), for `dvnode diff`.
func (k *Kit) WriteTrace(path string) error { return WriteTraceFile(path, k.rec.Submissions()) }
