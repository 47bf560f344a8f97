package publish

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/mlango/mlango/normalize"
	"github.com/mlango/mlango/publish/spool"
)

// Durable is the EventStore the gateway answers from. It keeps the promise
// behind a 2xx: every event is either acknowledged by JetStream or written
// and fsynced to the local spool, from which a forwarder moves it to
// JetStream, in order and with the same Nats-Msg-Id, once JetStream
// acknowledges again. A publish that did land before its deadline is then
// sent twice and stored once: the stream's duplicate window drops the copy.
//
// While anything is spooled, new events are spooled behind it rather than
// published directly, so events reach the stream in the order they were
// accepted and a backlog cannot be overtaken (and starved) by live traffic.
// The order can still break in one case: JetStream refusing one publish of
// a pipelined batch while accepting the ones after it (a leader change in
// the middle of a batch); the refused event then lands after them, once.
type Durable struct {
	store *Store
	spool *spool.Spool
	log   zerolog.Logger
	o     DurableOptions
	// fwdOpts are the forwarder's publish options.
	fwdOpts []jetstream.PublishOpt

	spooling  atomic.Bool // logged once per outage, not once per request
	full      atomic.Bool // the last append was refused for space; cleared by forwarding
	forwarded atomic.Uint64
	skipped   atomic.Uint64          // records that rotted on disk and could not be forwarded
	lastErr   atomic.Pointer[string] // the forwarder's last failure, for /readyz
	probe     atomic.Pointer[string] // the last writability probe's error, "" when writable

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// DurableOptions tunes the forwarder. Zero values take the defaults.
type DurableOptions struct {
	// Batch is how many spooled events are published before waiting for
	// their acks. Default 256.
	Batch int
	// BatchBytes caps a batch's payload. Default 4 MiB.
	BatchBytes int64
	// MinBackoff and MaxBackoff bound the pause after a failed forwarding
	// attempt; it doubles from one to the other. Defaults 50ms and 2s.
	MinBackoff, MaxBackoff time.Duration
}

func (o DurableOptions) withDefaults() DurableOptions {
	if o.Batch <= 0 {
		o.Batch = 256
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 4 << 20
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 50 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(2*time.Second, o.MinBackoff)
	}
	return o
}

// NewDurable puts sp behind store and starts the forwarder, which first
// drains whatever an earlier run left in sp. Close stops it; the store and
// the spool stay open and are the caller's to close, after Close.
func NewDurable(store *Store, sp *spool.Spool, o DurableOptions, log zerolog.Logger) *Durable {
	d := &Durable{
		// No retries inside nats.go: a retry scheduled there outlives the
		// attempt that made it and could land after the record before it.
		fwdOpts: append(slices.Clip(store.pubOpts), jetstream.WithRetryAttempts(0)),
		store:   store,
		spool:   sp,
		log:     log,
		o:       o.withDefaults(),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if n := sp.Len(); n > 0 {
		st := sp.Stats()
		log.Warn().Int("records", n).Int64("bytes", st.Bytes).Time("oldest", st.Oldest).
			Msg("spool holds events from an earlier run; forwarding them to JetStream")
		d.spooling.Store(true)
	}
	go d.forward()
	return d
}

// Store keeps events: JetStream when it acknowledges within the publish
// deadline, the spool otherwise. An error means nothing can be promised
// (an invalid event, or JetStream down and the spool full or unwritable).
// Spooled events count no duplicates: that is learnt only when forwarded.
func (d *Durable) Store(ctx context.Context, events []normalize.Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	var cause error
	if broken := d.store.Healthy(); broken != nil {
		cause = broken // JetStream would only time out: do not make the caller wait
	} else if d.spool.Len() == 0 && d.store.up.Load() {
		dups, err := d.store.Store(ctx, events)
		if err == nil || errors.Is(err, ErrInvalidEvent) {
			return dups, err
		}
		cause = err
	} else if !d.store.up.Load() {
		cause = fmt.Errorf("NATS connection is %s", d.store.nc.Status())
	} else {
		cause = errors.New("older events are still spooled")
	}
	return 0, d.spoolEvents(events, cause)
}

func (d *Durable) spoolEvents(events []normalize.Event, cause error) error {
	var stack [4][]byte
	recs := stack[:0]
	for i := range events {
		rec, err := d.encode(&events[i])
		if err != nil {
			return err
		}
		recs = append(recs, rec)
	}
	if _, err := d.spool.Append(recs...); err != nil {
		if errors.Is(err, spool.ErrFull) {
			d.full.Store(true)
			return fmt.Errorf("JetStream cannot take %s event %s (%v) and the spool is full: %w",
				events[0].Type, events[0].ID, cause, err)
		}
		return fmt.Errorf("JetStream cannot take %s event %s (%v) and the spool cannot be written: %w",
			events[0].Type, events[0].ID, cause, err)
	}
	if d.spooling.CompareAndSwap(false, true) {
		d.log.Warn().Err(cause).Msg("JetStream is not acknowledging; spooling events to disk until it does")
	}
	return nil
}

// A spool record is a version byte, the subject and the message id, each
// with a uvarint length, then the event's JSON: everything the forwarder
// needs to publish it exactly as Store would have, even if the subject
// prefix changes across a restart.
const recordVersion = 1

func (d *Durable) encode(ev *normalize.Event) ([]byte, error) {
	if ev.ID == "" || ev.Provider == "" || ev.Type == "" {
		return nil, fmt.Errorf("not spooling event %q: it needs an id, a provider and a type: %w", ev.ID, ErrInvalidEvent)
	}
	body, err := ev.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode %s event %s: %w (%w)", ev.Type, ev.ID, ErrInvalidEvent, err)
	}
	subject := Subject(d.store.prefix, ev.Provider, ev.Type)
	rec := make([]byte, 0, 1+2*binary.MaxVarintLen16+len(subject)+len(ev.ID)+len(body))
	rec = append(rec, recordVersion)
	rec = binary.AppendUvarint(rec, uint64(len(subject)))
	rec = append(rec, subject...)
	rec = binary.AppendUvarint(rec, uint64(len(ev.ID)))
	rec = append(rec, ev.ID...)
	return append(rec, body...), nil
}

// spooledMsg is a decoded spool record.
type spooledMsg struct {
	subject, id string
	body        []byte
}

func decodeRecord(rec []byte) (spooledMsg, error) {
	var m spooledMsg
	if len(rec) == 0 || rec[0] != recordVersion {
		return m, errors.New("unknown spool record version")
	}
	rest := rec[1:]
	field := func() (string, bool) {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return "", false
		}
		s := string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
		return s, true
	}
	var ok1, ok2 bool
	m.subject, ok1 = field()
	m.id, ok2 = field()
	if !ok1 || !ok2 || m.subject == "" || m.id == "" {
		return m, errors.New("malformed spool record")
	}
	m.body = rest
	return m, nil
}

// forward drains the spool to JetStream until Close.
func (d *Durable) forward() {
	defer close(d.done)
	backoff := d.o.MinBackoff
	var timer *time.Timer
	// After a failure, one record at a time until JetStream acknowledges
	// again: with a pipelined batch, a publish refused while its successors
	// are accepted (the stream coming back mid-batch) would reorder them.
	careful := false
	for {
		wake := d.spool.Wait() // taken before Len, so an Append in between still wakes us
		if d.spool.Len() == 0 {
			select {
			case <-wake:
				continue
			case <-d.stop:
				return
			}
		}
		batch := d.o.Batch
		if careful {
			batch = 1
		}
		err := d.forwardBatch(batch)
		careful = err != nil
		if err == nil {
			backoff = d.o.MinBackoff
			if d.spool.Len() == 0 && d.spooling.CompareAndSwap(true, false) {
				d.lastErr.Store(nil)
				d.log.Info().Uint64("forwarded", d.forwarded.Load()).Msg("spool drained to JetStream")
			}
			select {
			case <-d.stop:
				return
			default:
				continue
			}
		}
		msg := err.Error()
		if prev := d.lastErr.Swap(&msg); prev == nil || *prev != msg {
			d.log.Warn().Err(err).Int("spooled", d.spool.Len()).Dur("retry_in", backoff).Msg("cannot forward spooled events yet")
		}
		if timer == nil {
			timer = time.NewTimer(backoff)
		} else {
			timer.Reset(backoff)
		}
		select {
		case <-timer.C:
		case <-d.stop:
			timer.Stop()
			return
		}
		backoff = min(2*backoff, d.o.MaxBackoff)
	}
}

// forwardBatch publishes the oldest spooled records and acknowledges in the
// spool the longest prefix JetStream acknowledged.
func (d *Durable) forwardBatch(batch int) error {
	if err := d.store.Healthy(); err != nil {
		return err
	}
	if !d.store.nc.IsConnected() {
		return fmt.Errorf("NATS connection is %s", d.store.nc.Status())
	}
	recs, err := d.spool.Peek(batch, d.o.BatchBytes)
	var corrupt *spool.CorruptRecordError
	switch {
	case errors.As(err, &corrupt) && len(recs) == 0:
		// A record that rotted on disk after its fsync (a failing disk)
		// cannot be forwarded by waiting; say so loudly and move on, or
		// everything behind it would wait forever.
		d.log.Error().Err(err).Uint64("seq", corrupt.Seq).Str("file", corrupt.Path).
			Msg("skipping a spooled event that changed on disk; it is lost: check the disk")
		if err := d.spool.Ack(corrupt.Seq); err != nil {
			return fmt.Errorf("skip corrupt spool record %d: %w", corrupt.Seq, err)
		}
		d.skipped.Add(1)
		return nil
	case errors.As(err, &corrupt):
		// Forward the good records before it; the next batch meets it.
	case err != nil:
		return fmt.Errorf("read spool: %w", err)
	}
	if len(recs) == 0 {
		return nil
	}
	futs := make([]jetstream.PubAckFuture, 0, len(recs))
	var pubErr error
	for _, r := range recs {
		m, err := decodeRecord(r.Data)
		if err != nil {
			// The spool checksums records, so this is a bug or a record
			// from a newer Mlango: skipping it is losing it, so stop.
			pubErr = fmt.Errorf("spool record %d: %w; leaving it in place (downgraded Mlango?)", r.Seq, err)
			break
		}
		h := make(nats.Header, 3)
		h[jetstream.MsgIDHeader] = []string{m.id}
		h[contentTypeHeader] = contentTypeValue
		f, err := d.store.js.PublishMsgAsync(&nats.Msg{Subject: m.subject, Data: m.body, Header: h}, d.fwdOpts...)
		if err != nil {
			pubErr = fmt.Errorf("publish spooled event %s: %w", m.id, err)
			break
		}
		futs = append(futs, f)
	}
	timer := getTimer(d.store.timeout)
	defer putTimer(timer)
	acked, settled := 0, 0 // settled: futures whose outcome was read
wait:
	for _, f := range futs {
		select {
		case <-f.Ok():
			acked++
			settled++
		case err := <-f.Err():
			settled++
			if pubErr == nil {
				pubErr = fmt.Errorf("JetStream refused a spooled event: %w", err)
			}
			break wait
		case <-timer.C:
			if pubErr == nil {
				pubErr = fmt.Errorf("JetStream did not acknowledge spooled events within %s", d.store.timeout)
			}
			break wait
		case <-d.stop:
			if pubErr == nil {
				pubErr = errors.New("stopping")
			}
			break wait
		}
	}
	if settled < len(futs) {
		// Let the rest of the batch resolve before the next attempt, so no
		// publish from this one is still in flight (and able to land after
		// a retried predecessor) when the forwarder tries again.
		settle := getTimer(d.store.timeout)
	drain:
		for _, f := range futs[settled:] {
			select {
			case <-f.Ok():
			case <-f.Err():
			case <-settle.C:
				break drain
			case <-d.stop:
				break drain
			}
		}
		putTimer(settle)
	}
	if acked > 0 {
		if err := d.spool.Ack(recs[acked-1].Seq); err != nil {
			return fmt.Errorf("record forwarded events in the spool: %w", err)
		}
		d.forwarded.Add(uint64(acked))
		d.full.Store(false)
	}
	return pubErr
}

// SpoolStatus is what /readyz shows of the spool.
type SpoolStatus struct {
	Records   int    `json:"records"`
	Bytes     int64  `json:"bytes"`
	OldestAge string `json:"oldest_age,omitempty"`
	Forwarded uint64 `json:"forwarded"`
	Skipped   uint64 `json:"skipped_corrupt,omitempty"`
	Writable  bool   `json:"writable"`
	Error     string `json:"error,omitempty"`
	Forwarder string `json:"forwarder_error,omitempty"`
}

// Status reports the NATS connection and the spool. Writability is the
// probe the last Ready made (/readyz runs Ready, then Status: one probe
// write and fsync per call, not two), or a probe now if none ran yet.
func (d *Durable) Status() (nats string, sp SpoolStatus) {
	st := d.spool.Stats()
	sp = SpoolStatus{Records: st.Records, Bytes: st.Bytes, Forwarded: d.forwarded.Load(), Skipped: d.skipped.Load(), Writable: true}
	if !st.Oldest.IsZero() {
		sp.OldestAge = time.Since(st.Oldest).Round(time.Millisecond).String()
	}
	probe := d.probe.Load()
	if probe == nil {
		probe = d.check()
	}
	if *probe != "" {
		sp.Writable, sp.Error = false, *probe
	}
	if e := d.lastErr.Load(); e != nil && st.Records > 0 {
		sp.Forwarder = *e
	}
	return d.store.nc.Status().String(), sp
}

// Ready says whether a callback accepted now can be kept: the spool must be
// writable (it is the fallback for every event) and JetStream reachable or
// the spool able to hold more. A gateway whose NATS is down but whose spool
// works stays ready: it keeps what it accepts.
func (d *Durable) Ready(ctx context.Context) error {
	if msg := *d.check(); msg != "" {
		return fmt.Errorf("spool cannot be written: %s", msg)
	}
	if d.store.nc.IsConnected() {
		if err := d.store.Ready(ctx); err == nil {
			return nil
		}
	}
	if d.full.Load() {
		return errors.New("JetStream unavailable and the spool is full")
	}
	return nil
}

// check probes the spool's writability and remembers the outcome ("" when
// writable) for Status.
func (d *Durable) check() *string {
	msg := ""
	if err := d.spool.Check(); err != nil {
		msg = err.Error()
	}
	d.probe.Store(&msg)
	return &msg
}

// SpoolStats is the spool's depth and oldest record, for metrics.
func (d *Durable) SpoolStats() (records int, bytes int64, oldest time.Time) {
	st := d.spool.Stats()
	return st.Records, st.Bytes, st.Oldest
}

// Close stops the forwarder. What is still spooled stays on disk and is
// forwarded by the next run.
func (d *Durable) Close() {
	d.closeOnce.Do(func() {
		close(d.stop)
		<-d.done
		if n := d.spool.Len(); n > 0 {
			d.log.Warn().Int("records", n).Msg("stopping with events spooled; the next start forwards them")
		}
	})
}
