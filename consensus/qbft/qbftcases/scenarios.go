package qbftcases

import (
	"fmt"

	"github.com/dvspec/go-dvspec/consensus/qbft"
)

// ClusterScenario is a whole cluster on a synchronous network: every node
// sets its own value (OwnValue) and starts; with LeaderDown the round-0
// leader is down, so round 0 times out and the round-1 leader proposes
// its fresh value. Every live node must decide the value of the leader of
// the deciding round (DecidingRound). Observed names the nodes whose
// traces the vectors keep, by role: "leader" (of the deciding round) and
// "non_leader" (of rounds 0 and 1).
type ClusterScenario struct {
	Name       string
	N          uint64
	LeaderDown bool
	Observed   []string
}

// ClusterScenarios are the cluster scenarios of the qbft vectors
// (handler scenarios).
func ClusterScenarios() []ClusterScenario {
	observed := []string{"leader", "non_leader"}
	return []ClusterScenario{
		{"happy_path_round0", 4, false, observed},
		{"happy_path_round0", 7, false, observed},
		{"leader_down_new_leader_fresh_value", 4, true, observed},
		{"leader_down_new_leader_fresh_value", 7, true, observed},
	}
}

// OwnValue is node i's own value in a cluster scenario.
func OwnValue(i uint64) []byte { return []byte(fmt.Sprintf("own-value-%d", i)) }

// DecidingRound is the round every live node decides in.
func (sc ClusterScenario) DecidingRound() uint64 {
	if sc.LeaderDown {
		return 1
	}
	return 0
}

// Down is the node that is down (0: none).
func (sc ClusterScenario) Down(c *Cluster) uint64 {
	if sc.LeaderDown {
		return c.Leader(0)
	}
	return 0
}

// Node is the node of a role ("leader" or "non_leader").
func (sc ClusterScenario) Node(c *Cluster, role string) uint64 {
	if role == "leader" {
		return c.Leader(sc.DecidingRound())
	}
	return c.NotLeader(0, 1)
}

// Apply gives an input to a node's instance; a caller that records a
// node's trace substitutes its own for that node.
type Apply func(node uint64, i *qbft.Instance, x Input) ([]qbft.Output, error)

// RunCluster runs every node but the scenario's down node until the live
// nodes decide: each sets its own value and starts; broadcasts reach every
// other live node in FIFO order; when nothing is in flight, every live
// undecided node times out in its current round. apply (nil: Input.Apply)
// gives each input to its node. It returns each live node's decision.
func RunCluster(sc ClusterScenario, c *Cluster, apply Apply) (map[uint64]*qbft.Decide, error) {
	if apply == nil {
		apply = func(_ uint64, i *qbft.Instance, x Input) ([]qbft.Output, error) { return x.Apply(i) }
	}
	down := sc.Down(c)
	type delivery struct {
		to  uint64
		msg *qbft.SignedMessage
	}
	insts := map[uint64]*qbft.Instance{}
	decided := map[uint64]*qbft.Decide{}
	var queue []delivery
	feed := func(node uint64, x Input) error {
		out, err := apply(node, insts[node], x)
		if err != nil {
			return fmt.Errorf("cluster node %d: %w", node, err)
		}
		for _, o := range out {
			switch o := o.(type) {
			case qbft.Broadcast:
				for to := uint64(1); to <= c.N; to++ {
					if to != node && to != down {
						queue = append(queue, delivery{to, o.Msg})
					}
				}
			case qbft.Decide:
				d := o
				decided[node] = &d
			}
		}
		return nil
	}
	var live []uint64
	for i := uint64(1); i <= c.N; i++ {
		if i == down {
			continue
		}
		inst, err := qbft.New(c.Config(i), c.ID, Validity(nil))
		if err != nil {
			return nil, err
		}
		insts[i] = inst
		live = append(live, i)
	}
	for _, i := range live {
		if err := feed(i, Input{Own: OwnValue(i)}); err != nil {
			return nil, err
		}
	}
	for _, i := range live {
		if err := feed(i, Input{Start: true}); err != nil {
			return nil, err
		}
	}
	for steps := 0; len(decided) < len(live); steps++ {
		if steps > 100000 {
			return nil, fmt.Errorf("%s n=%d: the cluster does not decide", sc.Name, sc.N)
		}
		if len(queue) == 0 {
			for _, i := range live {
				if decided[i] == nil {
					r := insts[i].Round()
					if err := feed(i, Input{Timeout: &r}); err != nil {
						return nil, err
					}
				}
			}
			continue
		}
		d := queue[0]
		queue = queue[1:]
		if err := feed(d.to, Input{Msg: d.msg}); err != nil {
			return nil, err
		}
	}
	return decided, nil
}

// CheckDecisions states the scenario's outcome: every live node decided
// the deciding round's leader's value in that round.
func (sc ClusterScenario) CheckDecisions(c *Cluster, decided map[uint64]*qbft.Decide) error {
	want, round := OwnValue(c.Leader(sc.DecidingRound())), sc.DecidingRound()
	for i := uint64(1); i <= c.N; i++ {
		if i == sc.Down(c) {
			continue
		}
		d := decided[i]
		if d == nil || string(d.Value) != string(want) || d.Round != round {
			return fmt.Errorf("%s n=%d: node %d decided %+v, want %s in round %d", sc.Name, sc.N, i, d, want, round)
		}
	}
	return nil
}
