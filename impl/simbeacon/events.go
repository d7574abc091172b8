package simbeacon

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"
)

// eventHub fans server-sent events out to subscribers. A slow subscriber
// loses events rather than stalling the node (its buffer is bounded), as a
// real beacon node drops events for lagging streams.
type eventHub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	topics map[string]bool
	ch     chan sseEvent
}

type sseEvent struct {
	topic string
	data  []byte
}

func newEventHub() *eventHub { return &eventHub{subs: map[*subscriber]struct{}{}} }

func (h *eventHub) publish(topic string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if !s.topics[topic] {
			continue
		}
		select {
		case s.ch <- sseEvent{topic: topic, data: data}:
		default:
		}
	}
}

func (h *eventHub) add(topics map[string]bool) *subscriber {
	s := &subscriber{topics: topics, ch: make(chan sseEvent, 64)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

func (h *eventHub) remove(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// headEvent is the beacon-APIs head event, every field of the published
// example (go-eth2-client's HeadEvent lacks execution_optimistic).
type headEvent struct {
	Slot                      string `json:"slot"`
	Block                     string `json:"block"`
	State                     string `json:"state"`
	EpochTransition           bool   `json:"epoch_transition"`
	PreviousDutyDependentRoot string `json:"previous_duty_dependent_root"`
	CurrentDutyDependentRoot  string `json:"current_duty_dependent_root"`
	ExecutionOptimistic       bool   `json:"execution_optimistic"`
}

// blockEvent is the beacon-APIs block event.
type blockEvent struct {
	Slot                string `json:"slot"`
	Block               string `json:"block"`
	ExecutionOptimistic bool   `json:"execution_optimistic"`
}

// knownTopics are all topics of beacon-APIs v4.0.0. The node produces head
// and block; subscribing to another known topic is allowed and the stream
// simply carries none of it.
var knownTopics = map[string]bool{
	"head": true, "block": true, "block_gossip": true, "attestation": true, "single_attestation": true,
	"voluntary_exit": true, "bls_to_execution_change": true, "proposer_slashing": true,
	"attester_slashing": true, "finalized_checkpoint": true, "chain_reorg": true,
	"contribution_and_proof": true, "light_client_finality_update": true,
	"light_client_optimistic_update": true, "payload_attributes": true, "blob_sidecar": true,
	"data_column_sidecar": true,
}

func (n *Node) headEventFor(slot phase0.Slot) *headEvent {
	epoch := n.chain.epochOf(slot)
	return &headEvent{
		Slot:                      u64s(uint64(slot)),
		Block:                     hex0x(BlockRoot(slot)),
		State:                     hex0x(StateRoot(slot)),
		EpochTransition:           uint64(slot)%n.chain.slotsPerEpoch == 0,
		PreviousDutyDependentRoot: hex0x(n.chain.attesterDependentRoot(epoch)),
		CurrentDutyDependentRoot:  hex0x(n.chain.proposerDependentRoot(epoch)),
		ExecutionOptimistic:       false,
	}
}

// StartSlotLoop starts the goroutine that emits a head event at the start
// of every slot. Serve starts it; a test driving Handler() directly calls
// it itself. It runs until Close.
func (n *Node) StartSlotLoop() {
	n.loop.Do(func() {
		n.wg.Add(1)
		go n.slotLoop()
	})
}

func (n *Node) slotLoop() {
	defer n.wg.Done()
	for {
		now := n.cfg.Clock.Now()
		next := n.slotAt(now) + 1
		if now.Before(n.cfg.GenesisTime) {
			next = 0
		}
		select {
		case <-n.cfg.Clock.After(n.slotStart(next).Sub(now)):
			// Emit for the slot the clock is in now, which may be past next
			// when a manual clock jumps several slots at once.
			n.events.publish("head", n.headEventFor(n.CurrentSlot()))
		case <-n.stop:
			return
		}
	}
}

// handleEvents serves GET /eth/v1/events?topics=... as text/event-stream.
func (n *Node) handleEvents(w http.ResponseWriter, r *request) *apiError {
	raw := r.URL.Query()["topics"]
	topics := map[string]bool{}
	for _, v := range raw {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if !knownTopics[t] {
				return badRequest("invalid topic %q", t)
			}
			topics[t] = true
		}
	}
	if len(topics) == 0 {
		return badRequest("missing query parameter topics")
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		return &apiError{status: http.StatusInternalServerError, message: "streaming unsupported"}
	}
	sub := n.events.add(topics)
	defer n.events.remove(sub)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case ev := <-sub.ch:
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.topic, ev.data); err != nil {
				return nil
			}
			flusher.Flush()
		case <-keepalive.C:
			if _, err := fmt.Fprint(w, ":\n\n"); err != nil {
				return nil
			}
			flusher.Flush()
		case <-r.Context().Done():
			return nil
		case <-n.stop:
			return nil
		}
	}
}

// EventSubscribers is the number of open event streams; tests wait for a
// client's stream to be connected before moving the clock.
func (n *Node) EventSubscribers() int {
	n.events.mu.Lock()
	defer n.events.mu.Unlock()
	return len(n.events.subs)
}
