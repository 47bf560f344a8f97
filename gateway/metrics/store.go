package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
)

// Store returns next timed: every Store call's latency, from the call to
// the store's answer (JetStream's ack, or the spool's write), lands in
// mlango_publish_duration_seconds by outcome.
func (m *Metrics) Store(next handlers.EventStore) handlers.EventStore {
	return timedStore{next: next, m: m}
}

type timedStore struct {
	next handlers.EventStore
	m    *Metrics
}

func (s timedStore) Store(ctx context.Context, events []normalize.Event) (int, error) {
	if len(events) == 0 {
		return s.next.Store(ctx, events)
	}
	start := time.Now()
	dups, err := s.next.Store(ctx, events)
	took := time.Since(start).Seconds()
	switch {
	case err == nil:
		s.m.publishOK.Observe(took)
	case errors.Is(err, context.DeadlineExceeded):
		s.m.publishTimeout.Observe(took)
	default:
		s.m.publishError.Observe(took)
	}
	return dups, err
}
