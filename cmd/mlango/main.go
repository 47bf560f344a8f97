// Command mlango runs the Mlango callback gateway.
//
//	mlango [-config PATH]            serve (the default)
//	mlango -check-config             validate the config and exit
//	mlango tail [-from-start] [SUBJECT]  print events as JSON lines
//
// This file is the only place concrete types are wired together: config
// into publish and gateway, and the provider list into the router.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/gateway"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/publish"
	"github.com/rs/zerolog"
)

// defaultGCPercent trades memory for CPU: the gateway process hosts the
// embedded nats-server too, and every callback allocates its event twice
// over (data and the raw copy). GOGC in the environment overrides it.
const defaultGCPercent = 200

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// providers is the explicit list of every provider the gateway serves:
// Africa's Talking behind its guard, then the configured webhook providers.
// One Sources is shared, so a guesser's failures count on every route.
func providers(cfg config.Config, log zerolog.Logger) ([]handlers.Provider, error) {
	w := cfg.Webhooks
	sources := handlers.NewSources(handlers.SourcesOptions{
		TrustedProxies: config.Prefixes(w.TrustedProxies),
		FailureLimit:   w.AuthFailures,
		FailureWindow:  time.Duration(w.AuthFailureWindow),
	})
	at := handlers.Guard{Tokens: w.AfricasTalking.Tokens, Allow: config.Prefixes(w.AfricasTalking.AllowCIDRs), Sources: sources}
	if len(at.Tokens) == 0 {
		log.Info().Str("provider", "africastalking").Msg("Africa's Talking routes take requests without a token; set " + config.TokenEnv + " to guard them")
	}
	hooks, err := webhookProviders(w, sources, log)
	if err != nil {
		return nil, err
	}
	return append([]handlers.Provider{handlers.Guarded(handlers.AfricasTalking(), at)}, hooks...), nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	if len(args) > 0 && args[0] == "tail" {
		return tailCmd(ctx, args[1:], stdout, stderr, getenv)
	}
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("mlango", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default mlango.yaml if present; env MLANGO_CONFIG)")
	check := fs.Bool("check-config", false, "validate the configuration, print it (secrets redacted) and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	path, explicit := config.ConfigPath(*cfgPath, getenv)
	cfg, err := config.Load(path, explicit, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mlango: invalid configuration:\n%v\n", err)
		return 1
	}
	if *check {
		fmt.Fprintf(stdout, "configuration OK: %v\n", cfg.Redacted())
		return 0
	}
	lw := newLogWriter(stdout, 100*time.Millisecond)
	defer lw.Close()
	log := newLogger(cfg.Log, lw)
	if err := serve(ctx, cfg, log); err != nil {
		log.Error().Err(err).Msg("mlango stopped")
		return 1
	}
	return 0
}

func newLogger(c config.LogConfig, w io.Writer) zerolog.Logger {
	if c.Format == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	}
	level, err := zerolog.ParseLevel(c.Level)
	if err != nil {
		level = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// serve runs the gateway until ctx is cancelled, then shuts down in order:
// HTTP first (in-flight callbacks finish with their acks), then NATS.
func serve(ctx context.Context, cfg config.Config, log zerolog.Logger) error {
	log.Info().Interface("config", cfg.Redacted()).Msg("mlango starting")
	store, err := publish.Open(ctx, publishOptions(cfg), log)
	if err != nil {
		return fmt.Errorf("connecting to NATS: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Duration(cfg.HTTP.ShutdownTimeout))
		defer cancel()
		if err := store.Close(cctx); err != nil {
			log.Error().Err(err).Msg("closing NATS")
		}
	}()
	provs, err := providers(cfg, log)
	if err != nil {
		return err
	}
	e, err := gateway.New(gateway.Options{
		Providers: provs,
		Store:     store,
		Ready:     store.Ready,
		BodyLimit: int64(cfg.HTTP.BodyLimit),
		Log:       log,
	})
	if err != nil {
		return err
	}
	err = gateway.Serve(ctx, e, gateway.ServerOptions{
		Addr:            cfg.HTTP.Addr,
		ReadTimeout:     time.Duration(cfg.HTTP.ReadTimeout),
		WriteTimeout:    time.Duration(cfg.HTTP.WriteTimeout),
		IdleTimeout:     time.Duration(cfg.HTTP.IdleTimeout),
		ShutdownTimeout: time.Duration(cfg.HTTP.ShutdownTimeout),
		Listening: func(a net.Addr) {
			log.Info().Str("addr", a.String()).Msg("mlango serving HTTP")
		},
	})
	if err != nil {
		return fmt.Errorf("HTTP server on %s: %w", cfg.HTTP.Addr, err)
	}
	log.Info().Msg("mlango stopped accepting; draining NATS")
	return nil
}

func publishOptions(cfg config.Config) publish.Options {
	listen := cfg.NATS.Listen
	if listen == config.ListenNone {
		listen = ""
	}
	return publish.Options{
		URLs: cfg.NATSURLs(),
		Embedded: publish.EmbeddedOptions{
			Listen:     listen,
			StoreDir:   cfg.DataDir, // nats-server keeps its files in <dir>/jetstream
			ServerName: "mlango",
		},
		Name:            cfg.NATS.Name,
		Stream:          cfg.Stream.Name,
		SubjectPrefix:   cfg.SubjectPrefix,
		Replicas:        cfg.Stream.Replicas,
		DuplicateWindow: time.Duration(cfg.Stream.DuplicateWindow),
		MaxAge:          time.Duration(cfg.Stream.MaxAge),
		MaxBytes:        int64(cfg.Stream.MaxBytes),
		PublishTimeout:  time.Duration(cfg.Publish.Timeout),
	}
}
