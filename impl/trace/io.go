package trace

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/attestantio/go-eth2-client/spec/phase0"

	"github.com/dvspec/go-dvspec/spec/dvc"
	"github.com/dvspec/go-dvspec/spec/dvc/aggduty"
)

// Writer writes a trace. It is safe for concurrent use (the nodes of an
// in-process devnet share one). Encoding errors do not stop the node: the
// first one is kept and reported by Close.
type Writer struct {
	// StateRoots, when true (the default of NewWriter), records the hash
	// tree root of the state after every step.
	StateRoots bool

	path string

	mu     sync.Mutex
	out    *bufio.Writer
	closer io.Closer
	seq    uint64
	err    error
	now    func() time.Time
	dirty  bool
	stop   chan struct{}
	done   chan struct{}
}

// maxNumbered bounds the numbered files Create tries.
const maxNumbered = 10000

// Create creates a new trace file: path if no file of that name exists,
// otherwise the first free path.1, path.2, ... An existing trace is never
// truncated or appended to: a node restarted with the same flags keeps
// its pre-crash trace intact (appending is not safe either, since a
// killed writer may have left half a record at the end). Path tells which
// file was created.
func Create(path string) (*Writer, error) {
	name := path
	for i := 1; ; i++ {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			w := NewWriter(f)
			w.closer = f
			w.path = name
			return w, nil
		}
		if !errors.Is(err, os.ErrExist) || i > maxNumbered {
			return nil, fmt.Errorf("trace: %w", err)
		}
		name = fmt.Sprintf("%s.%d", path, i)
	}
}

// Path is the file Create created ("" for NewWriter).
func (w *Writer) Path() string { return w.path }

// NewWriter writes a trace to out. It flushes at least once a second.
func NewWriter(out io.Writer) *Writer {
	w := &Writer{StateRoots: true, out: bufio.NewWriterSize(out, 1<<20), now: time.Now, stop: make(chan struct{}), done: make(chan struct{})}
	go w.flusher()
	return w
}

func (w *Writer) flusher() {
	defer close(w.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.mu.Lock()
			if w.dirty {
				if err := w.out.Flush(); err != nil && w.err == nil {
					w.err = err
				}
				w.dirty = false
			}
			w.mu.Unlock()
		}
	}
}

func (w *Writer) write(r *Record) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	r.Seq = w.seq
	r.Time = w.now().UTC().Format(time.RFC3339Nano)
	b, err := json.Marshal(r)
	if err == nil {
		b = append(b, '\n')
		_, err = w.out.Write(b)
	}
	if err != nil && w.err == nil {
		w.err = err
	}
	w.dirty = true
}

func (w *Writer) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// Init records the start (or restart) of node's state machine for cfg's
// validator in state st.
func (w *Writer) Init(node uint64, cfg *dvc.Config, st *dvc.State) {
	snap, err := st.Snapshot().MarshalSSZ()
	if err != nil {
		w.fail(fmt.Errorf("trace: snapshot: %w", err))
		return
	}
	r := &Record{Record: KindConfig, Node: node, Validator: Hex(cfg.Validator.Pubkey[:]), Version: Version, Config: EncodeConfig(cfg), State: snap}
	if root, err := st.HashTreeRoot(); err == nil {
		r.StateRoot = Hex(root[:])
	}
	w.write(r)
}

// Step records one transition: ev, and either its outputs and the state
// after it, or the error it was rejected with.
func (w *Writer) Step(node uint64, cfg *dvc.Config, ev dvc.Event, outs []dvc.Output, stepErr error, post *dvc.State) {
	e, err := EncodeEvent(cfg.Chain, ev)
	if err != nil {
		w.fail(err)
		return
	}
	r := &Record{Record: KindStep, Node: node, Validator: Hex(cfg.Validator.Pubkey[:]), Event: e}
	if stepErr != nil {
		r.Error, r.Cause = ErrorNames(stepErr)
		r.ErrorMessage = stepErr.Error()
	} else if r.Outputs, err = EncodeOutputs(cfg.Chain, outs); err != nil {
		w.fail(err)
		return
	}
	if w.StateRoots && post != nil {
		root, err := post.HashTreeRoot()
		if err != nil {
			w.fail(fmt.Errorf("trace: state root: %w", err))
			return
		}
		r.StateRoot = Hex(root[:])
	}
	w.write(r)
}

// AggInit records the start of node's aggregation state machine for cfg's
// validator (from aggduty.NewState).
func (w *Writer) AggInit(node uint64, cfg *dvc.Config) {
	w.write(&Record{Record: KindAggConfig, Node: node, Validator: Hex(cfg.Validator.Pubkey[:]), Version: Version, Config: EncodeConfig(cfg)})
}

// AggStep records one transition of the aggregation state machine: ev,
// and its outputs or the error it was rejected with.
func (w *Writer) AggStep(node uint64, cfg *dvc.Config, ev aggduty.Event, outs []aggduty.Output, stepErr error) {
	e, err := EncodeAggEvent(ev)
	if err != nil {
		w.fail(err)
		return
	}
	r := &Record{Record: KindAggStep, Node: node, Validator: Hex(cfg.Validator.Pubkey[:]), Event: e}
	if stepErr != nil {
		r.Error, r.Cause = ErrorNames(stepErr)
		r.ErrorMessage = stepErr.Error()
	} else if r.Outputs, err = EncodeAggOutputs(cfg.Chain, outs); err != nil {
		w.fail(err)
		return
	}
	w.write(r)
}

// Flush writes buffered records.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.out.Flush(); err != nil && w.err == nil {
		w.err = err
	}
	w.dirty = false
	return w.err
}

// Close flushes and closes the file; it returns the first error met.
func (w *Writer) Close() error {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
	err := w.Flush()
	if w.closer != nil {
		if cerr := w.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// MaxLine bounds one record (a block step carries the block three times).
const MaxLine = 64 << 20

// Read calls fn for every record of r, in order.
func Read(r io.Reader, fn func(*Record) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	line := 0
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			if len(b) > MaxLine {
				return fmt.Errorf("trace: line %d longer than %d bytes", line, MaxLine)
			}
			rec := new(Record)
			if jerr := json.Unmarshal(b, rec); jerr != nil {
				return fmt.Errorf("trace: line %d: %w", line, jerr)
			}
			switch rec.Record {
			case KindConfig, KindStep, KindAggConfig, KindAggStep:
			default:
				return fmt.Errorf("trace: line %d: unknown record %q", line, rec.Record)
			}
			if ferr := fn(rec); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("trace: %w", err)
		}
	}
}

// ReadFile reads a trace file.
func ReadFile(path string, fn func(*Record) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	defer f.Close()
	return Read(f, fn)
}

// ValidatorKey returns the record's validator public key.
func (r *Record) ValidatorKey() (phase0.BLSPubKey, error) {
	return pubkey(r.Validator, "validator")
}
