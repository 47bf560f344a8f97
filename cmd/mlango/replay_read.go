package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// readOptions selects stored events by stream, subject and stored time.
type readOptions struct {
	stream  string
	subject string
	since   time.Time // zero: from the stream's first message
	until   time.Time // zero: up to the stream's last message at the start
	follow  bool      // keep reading new messages until ctx is done
}

// stored is one message read from the stream, with the envelope fields
// replay and stats look at.
type stored struct {
	seq     uint64
	at      time.Time // when the stream stored it
	subject string
	header  nats.Header
	body    []byte
	ev      eventHead
}

// eventHead is the part of a canonical event the tools read.
type eventHead struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Provider string    `json:"provider"`
	Time     time.Time `json:"time"`
	Data     struct {
		Raw json.RawMessage `json:"raw"`
	} `json:"data"`
}

func (m stored) String() string {
	return fmt.Sprintf("seq %d %s %s %s", m.seq, m.at.UTC().Format(time.RFC3339), m.subject, m.ev.ID)
}

// fetchBatch is how many messages one pull asks for.
const fetchBatch = 256

// readStream hands every message of o's selection to fn, in stream order,
// through an ephemeral ordered consumer (nothing durable is left behind).
// Without follow it stops at the stream's last sequence as it was when it
// started, or sooner when nothing more matches. It returns the last
// message handed to fn, so a caller can say where it stopped.
func readStream(ctx context.Context, js jetstream.JetStream, o readOptions, fn func(context.Context, stored) error) (stored, error) {
	var last stored
	st, err := js.Stream(ctx, o.stream)
	if err != nil {
		return last, fmt.Errorf("stream %s: %w", o.stream, err)
	}
	end := st.CachedInfo().State.LastSeq
	cc := jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{o.subject},
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		InactiveThreshold: time.Minute,
	}
	if !o.since.IsZero() {
		cc.DeliverPolicy, cc.OptStartTime = jetstream.DeliverByStartTimePolicy, &o.since
	}
	cons, err := st.OrderedConsumer(ctx, cc)
	if err != nil {
		return last, fmt.Errorf("read %s from stream %s: %w", o.subject, o.stream, err)
	}
	defer removeConsumer(js, o.stream, cons)
	if o.follow {
		return followStream(ctx, cons, o, fn)
	}
	for end > 0 {
		batch, err := cons.FetchNoWait(fetchBatch)
		if err != nil {
			return last, fmt.Errorf("read %s from stream %s: %w", o.subject, o.stream, err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			m, err := storedOf(msg)
			if err != nil {
				return last, err
			}
			if m.seq > end || (!o.until.IsZero() && m.at.After(o.until)) {
				return last, nil
			}
			if err := fn(ctx, m); err != nil {
				return m, err
			}
			last = m
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return last, fmt.Errorf("read %s from stream %s: %w", o.subject, o.stream, err)
		}
		if n == 0 || ctx.Err() != nil {
			return last, ctx.Err()
		}
	}
	return last, nil
}

// followStream hands fn every message from the start of the selection on,
// until ctx is done.
func followStream(ctx context.Context, cons jetstream.Consumer, o readOptions, fn func(context.Context, stored) error) (stored, error) {
	var last stored
	it, err := cons.Messages()
	if err != nil {
		return last, fmt.Errorf("read %s from stream %s: %w", o.subject, o.stream, err)
	}
	defer it.Stop()
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return last, nil
			}
			return last, fmt.Errorf("read %s from stream %s: %w", o.subject, o.stream, err)
		}
		m, err := storedOf(msg)
		if err != nil {
			return last, err
		}
		if err := fn(ctx, m); err != nil {
			return m, err
		}
		last = m
	}
}

// removeConsumer deletes the ordered consumer's last server-side consumer
// now rather than when its inactivity threshold passes.
func removeConsumer(js jetstream.JetStream, stream string, cons jetstream.Consumer) {
	info := cons.CachedInfo()
	if info == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = js.DeleteConsumer(ctx, stream, info.Name) // it expires by itself anyway
}

func storedOf(msg jetstream.Msg) (stored, error) {
	meta, err := msg.Metadata()
	if err != nil {
		return stored{}, fmt.Errorf("message on %s: %w", msg.Subject(), err)
	}
	m := stored{seq: meta.Sequence.Stream, at: meta.Timestamp, subject: msg.Subject(), header: msg.Headers(), body: msg.Data()}
	if err := json.Unmarshal(m.body, &m.ev); err != nil {
		m.ev = eventHead{} // not a canonical event: filters see no type
	}
	return m, nil
}

// parseWhen reads a point in time: RFC 3339, or a duration before now
// ("2h", "90m", "1d"). "" is the zero time.
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2026-03-04T10:30:00Z) nor a duration ago (2h, 90m, 1d)", s)
	}
	return now.Add(-d), nil
}

// listFlag is a flag that takes a comma list and may be repeated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

func (l listFlag) set() map[string]bool {
	out := make(map[string]bool, len(l))
	for _, v := range l {
		out[v] = true
	}
	return out
}

// pairs reads NAME=VALUE entries; a value may be empty.
func (l listFlag) pairs() (map[string]string, error) {
	out := make(map[string]string, len(l))
	for i, v := range l {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("entry %d: want PROVIDER=SECRET", i+1) // never echo what may be a secret
		}
		out[name] = value
	}
	return out, nil
}
