package main

import (
	"context"
	"fmt"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/publish"
	"github.com/mlango/mlango/publish/spool"
	"github.com/rs/zerolog"
)

// keeper is what the gateway stores events through and reports readiness
// from: the Durable store (JetStream, spool behind it) when the spool is
// enabled, the bare JetStream store otherwise.
type keeper struct {
	store  handlers.EventStore
	ready  func(context.Context) error
	detail func() any
	// healthy reports a fault only a restart clears (for /healthz).
	healthy func() error
	// spoolStats is nil without a spool (metrics skip the gauges then).
	spoolStats func() (records int, bytes int64, oldest time.Time)
	close      func()
}

func openKeeper(cfg config.Config, store *publish.Store, log zerolog.Logger) (*keeper, error) {
	if !cfg.Spool.Enabled {
		log.Warn().Msg("spool disabled: a JetStream outage answers 503 and relies on provider retries")
		return &keeper{
			store:   store,
			ready:   store.Ready,
			healthy: store.Healthy,
			detail: func() any {
				return map[string]any{"nats": store.Conn().Status().String(), "spool": "disabled"}
			},
			close: func() {},
		}, nil
	}
	dir := cfg.SpoolDir()
	sp, rec, err := spool.Open(spool.Options{Dir: dir, MaxBytes: int64(cfg.Spool.MaxBytes)})
	if err != nil {
		return nil, fmt.Errorf("opening the spool in %s: %w", dir, err)
	}
	if rec.TornBytes > 0 || len(rec.CorruptSegments) > 0 {
		log.Warn().Int64("torn_bytes", rec.TornBytes).Strs("corrupt_segments", rec.CorruptSegments).
			Msg("spool recovered from an unclean stop: a torn last write was cut off (it was never acknowledged)")
	}
	d := publish.NewDurable(store, sp, publish.DurableOptions{}, log)
	return &keeper{
		store:   d,
		ready:   d.Ready,
		healthy: store.Healthy,
		detail: func() any {
			nats, st := d.Status()
			return map[string]any{"nats": nats, "spool": st}
		},
		spoolStats: d.SpoolStats,
		close: func() {
			d.Close()
			if err := sp.Close(); err != nil {
				log.Error().Err(err).Msg("closing the spool")
			}
		},
	}, nil
}
