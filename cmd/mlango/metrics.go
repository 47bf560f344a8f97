package main

import (
	"net"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/gateway"
	"github.com/mlango/mlango/gateway/metrics"
	"github.com/mlango/mlango/publish"
	"github.com/rs/zerolog"
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

// serverOptions is the listener: timeouts and limits from the config, and
// HTTPS from the certificate files when they are set.
func serverOptions(cfg config.Config, log zerolog.Logger) (gateway.ServerOptions, error) {
	h := cfg.HTTP
	o := gateway.ServerOptions{
		Addr:              h.Addr,
		ReadHeaderTimeout: time.Duration(h.ReadHeaderTimeout),
		ReadTimeout:       time.Duration(h.ReadTimeout),
		WriteTimeout:      time.Duration(h.WriteTimeout),
		IdleTimeout:       time.Duration(h.IdleTimeout),
		MaxHeaderBytes:    int(h.MaxHeaderBytes),
		ShutdownTimeout:   time.Duration(h.ShutdownTimeout),
	}
	scheme := "HTTP"
	if h.TLS.Enabled() {
		r, err := gateway.NewCertReloader(gateway.CertOptions{CertFile: h.TLS.CertFile, KeyFile: h.TLS.KeyFile, Log: log})
		if err != nil {
			return o, err
		}
		o.TLS, scheme = r, "HTTPS"
	}
	o.Listening = func(a net.Addr) {
		log.Info().Str("addr", a.String()).Msg("mlango serving " + scheme)
	}
	return o, nil
}
