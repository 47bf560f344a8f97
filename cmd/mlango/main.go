// Command mlango runs the Mlango callback gateway.
//
//	mlango [-config PATH]            serve (the default)
//	mlango -check-config             validate the config and exit
//	mlango tail [-from-start] [SUBJECT]  print events as JSON lines
//	mlango voice-sim [-digits 1,2]   play a call against a running gateway as Africa's Talking does
//	mlango ussd graph [FLOW | FILE]  draw a USSD flow as a Mermaid flowchart
//	mlango ussd demo                 print the built-in USSD menu
//	mlango ussd-sim [-inputs 1,1]    dial a running gateway as Africa's Talking does
//	mlango replay [-since 2h] (-to-subject S | -to-url URL | -raw -to-url BASE)  re-deliver stored events
//	mlango stats [-last 15m] [-subject S]  summarise recent events; flag failing operators
//
// This file is the only place concrete types are wired together: config
// into publish and gateway, and the provider list into the router.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
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
// The airtime validation's decider is asked through decider.
func providers(cfg config.Config, log zerolog.Logger, decider handlers.Requester, ussdRoutes []handlers.Route) ([]handlers.Provider, error) {
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
	africasTalking := handlers.AfricasTalking()
	africasTalking.Routes = handlers.ReplaceRoutes(africasTalking.Routes, ussdRoutes...) // voice's instruct replaces the fixed one
	airtime, err := airtimeRoutes(cfg.Airtime, decider, log)
	if err != nil {
		return nil, err
	}
	africasTalking.Routes = append(africasTalking.Routes, airtime...)
	return append([]handlers.Provider{handlers.Guarded(africasTalking, at)}, hooks...), nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	if len(args) > 0 && args[0] == "tail" {
		return tailCmd(ctx, args[1:], stdout, stderr, getenv)
	}
	if len(args) > 0 && args[0] == "voice-sim" {
		return voiceSimCmd(ctx, args[1:], os.Stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "ussd" {
		return ussdCmd(args[1:], stdout, stderr, getenv)
	}
	if len(args) > 0 && args[0] == "ussd-sim" {
		return ussdSimCmd(ctx, args[1:], os.Stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "replay" {
		return replayCmd(ctx, args[1:], stdout, stderr, getenv)
	}
	if len(args) > 0 && args[0] == "stats" {
		return statsCmd(ctx, args[1:], stdout, stderr, getenv)
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
		return checkConfig(cfg, stdout, stderr)
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
	keep, err := openKeeper(cfg, store, log)
	if err != nil {
		return err
	}
	defer keep.close() // after HTTP and the background events, before NATS
	us, err := startUSSD(ctx, cfg, store, log)
	if err != nil {
		return err
	}
	defer waitAsync(us.async, cfg, log) // before NATS closes: hop events in flight
	vs, err := startVoice(ctx, cfg, store, log)
	if err != nil {
		return err
	}
	stopReload := onSIGHUP(func() { us.reload(cfg, log); vs.reload(cfg, log) })
	defer stopReload()
	provs, err := providers(cfg, log, store, append(us.routes, vs.routes...))
	if err != nil {
		return err
	}
	e, err := gateway.New(observed(gateway.Options{
		Providers:   provs,
		Store:       keep.store,
		Ready:       keep.ready,
		ReadyDetail: keep.detail,
		Healthy:     keep.healthy,
		BodyLimit:   int64(cfg.HTTP.BodyLimit),
		Log:         log,
	}, store, keep.spoolStats)) // nil without a spool: no spool gauges
	if err != nil {
		return err
	}
	registerConsole(ctx, e, cfg, store, log) // off unless console.enabled
	so, err := serverOptions(cfg, log)
	if err != nil {
		return err
	}
	err = gateway.Serve(ctx, e, so)
	if err != nil {
		return fmt.Errorf("HTTP server on %s: %w", cfg.HTTP.Addr, err)
	}
	log.Info().Msg("mlango stopped accepting; draining NATS")
	return nil
}

// checkConfig validates what start-up would load beyond the config itself
// (the USSD menus), printing warnings and every problem at once.
func checkConfig(cfg config.Config, stdout, stderr io.Writer) int {
	set, err := loadMenus(cfg.USSD, ussdOptions(cfg.USSD, zerolog.Nop()))
	if err != nil {
		fmt.Fprintf(stderr, "mlango: invalid USSD menus:\n%v\n", err)
		return 1
	}
	for _, w := range set.Warnings() {
		fmt.Fprintf(stderr, "%v\n", w)
	}
	voiceFlows, ok := checkVoice(cfg, stderr)
	if !ok {
		return 1
	}
	fmt.Fprintf(stdout, "configuration OK: %v\n", cfg.Redacted())
	for _, f := range set.Flows() {
		fmt.Fprintf(stdout, "USSD flow %s (version %s): service codes %v, default %v, %d steps\n",
			f.Name, f.Version, f.ServiceCodes, f.Default, f.Steps)
	}
	voiceFlows(stdout)
	return 0
}

// waitAsync lets events that requests started in the background (USSD hop
// events) reach JetStream before the connection is drained.
func waitAsync(a *handlers.Async, cfg config.Config, log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(cfg.HTTP.ShutdownTimeout))
	defer cancel()
	if err := a.Wait(ctx); err != nil {
		log.Error().Err(err).Msg("background event publishes still running at shutdown")
	}
}

// onSIGHUP runs f on every SIGHUP until the returned stop is called.
func onSIGHUP(f func()) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				f()
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

func publishOptions(cfg config.Config) publish.Options {
	listen := cfg.NATS.Listen
	if listen == config.ListenNone {
		listen = ""
	}
	syncAlways, syncInterval, _ := config.ParseSync(cfg.NATS.Sync) // validated at load
	return publish.Options{
		URLs: cfg.NATSURLs(),
		Embedded: publish.EmbeddedOptions{
			Listen:       listen,
			StoreDir:     cfg.DataDir, // nats-server keeps its files in <dir>/jetstream
			ServerName:   "mlango",
			SyncAlways:   syncAlways,
			SyncInterval: syncInterval,
		},
		Name:            cfg.NATS.Name,
		Stream:          cfg.Stream.Name,
		SubjectPrefix:   cfg.SubjectPrefix,
		Replicas:        cfg.Stream.Replicas,
		DuplicateWindow: time.Duration(cfg.Stream.DuplicateWindow),
		MaxAge:          time.Duration(cfg.Stream.MaxAge),
		MaxBytes:        int64(cfg.Stream.MaxBytes),
		PublishTimeout:  time.Duration(cfg.Publish.Timeout),
		// With the spool in front, a gateway (re)started during a NATS
		// outage serves and spools; without it, it must not start.
		StartDisconnected:         cfg.Spool.Enabled,
		FailFastWhileDisconnected: cfg.Spool.Enabled,
	}
}
