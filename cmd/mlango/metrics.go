package main

import (
	"time"

	"github.com/mlango/mlango/gateway"
	"github.com/mlango/mlango/gateway/metrics"
	"github.com/mlango/mlango/publish"
)

// observed adds Prometheus metrics to o (docs/operations.md): every request
// observed, the store timed, /metrics served. The gauges read the NATS
// connection and, when spool is not nil, the durable spool.
func observed(o gateway.Options, store *publish.Store, spool func() (int, int64, time.Time)) gateway.Options {
	m := metrics.New(metrics.Options{
		NATSConnected: func() bool { return store.Conn().IsConnected() },
		Spool:         spool,
	})
	o.Store = m.Store(o.Store)
	o.Observer = m
	o.Metrics = m.Handler()
	return o
}
