package main

import (
	"context"
	"fmt"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/handlers/ussd"
	"github.com/mlango/mlango/publish"
	"github.com/rs/zerolog"
)

// ussdOptions turns the ussd config section into the engine's options.
func ussdOptions(c config.USSDConfig, log zerolog.Logger) ussd.Options {
	o := ussd.DefaultOptions()
	o.Budget, o.BudgetUCS2, o.BudgetByNetwork = c.Budgets.Default, c.Budgets.UCS2, c.Budgets.ByNetwork
	o.SessionTTL = time.Duration(c.SessionTTL)
	o.ResumeWindow = time.Duration(c.ResumeWindow)
	o.HopBudget = time.Duration(c.HopBudget)
	o.RemoteTimeout = time.Duration(c.Remote.Timeout)
	o.SubjectPrefix = c.Remote.SubjectPrefix
	o.Apology = c.Apology
	o.Observe = func(ev ussd.Event) { observeUSSD(log, ev) }
	return o
}

// observeUSSD logs what the engine reports: failures at warn, the rest at
// debug. Session ids only, never inputs.
func observeUSSD(log zerolog.Logger, ev ussd.Event) {
	level := zerolog.DebugLevel
	switch ev.Kind {
	case "apology", "remote_failed", "resume_store_failed", "version_fallback", "prefix_mismatch":
		level = zerolog.WarnLevel
	}
	log.WithLevel(level).Str("ussd", ev.Kind).Str("session", ev.SessionID).Str("flow", ev.Flow).
		Str("step", ev.Step).AnErr("cause", ev.Err).Msg("ussd engine")
}

// loadMenus loads the configured menus, or the built-in demo when none are
// configured. Every problem is reported at once.
func loadMenus(c config.USSDConfig, o ussd.Options) (*ussd.MenuSet, error) {
	if len(c.Menus) == 0 {
		return ussd.Demo(o), nil
	}
	return ussd.LoadFiles(c.Menus, o)
}

// ussdService is the running USSD engine and the routes that serve it.
type ussdService struct {
	engine *ussd.Engine
	async  *handlers.Async
	routes []handlers.Route
}

// startUSSD opens the session and resume buckets (replicated like the
// stream) and builds the engine over them; remote steps ask over NATS.
func startUSSD(ctx context.Context, cfg config.Config, store *publish.Store, log zerolog.Logger) (*ussdService, error) {
	c := cfg.USSD
	o := ussdOptions(c, log)
	set, err := loadMenus(c, o)
	if err != nil {
		return nil, fmt.Errorf("USSD menus:\n%w", err)
	}
	for _, w := range set.Warnings() {
		log.Warn().Str("ussd", "menu").Msg(w.Error())
	}
	sessions, err := store.KV(ctx, publish.KVOptions{Bucket: c.Buckets.Sessions, TTL: time.Duration(c.SessionTTL), Replicas: cfg.Stream.Replicas})
	if err != nil {
		return nil, err
	}
	var resume ussd.SessionStore // stays a nil interface when resume is off
	if c.ResumeWindow > 0 {
		kv, err := store.KV(ctx, publish.KVOptions{Bucket: c.Buckets.Resume, TTL: time.Duration(c.ResumeWindow), Replicas: cfg.Stream.Replicas})
		if err != nil {
			return nil, err
		}
		resume = kv
	}
	s := &ussdService{engine: ussd.New(set, sessions, resume, store, o), async: &handlers.Async{}}
	s.routes = handlers.USSDRoutes(handlers.USSD{Engine: s.engine, Async: s.async, Log: log})
	for _, f := range set.Flows() {
		log.Info().Str("flow", f.Name).Str("version", f.Version).Strs("service_codes", f.ServiceCodes).
			Bool("default", f.Default).Msg("USSD menu loaded")
	}
	return s, nil
}

// reload swaps in freshly loaded menus; sessions in flight keep the
// version they started with. A menu with problems leaves the old one.
func (s *ussdService) reload(cfg config.Config, log zerolog.Logger) {
	set, err := loadMenus(cfg.USSD, ussdOptions(cfg.USSD, log))
	if err != nil {
		log.Error().Err(err).Msg("USSD menus not reloaded: fix the problems and send SIGHUP again")
		return
	}
	s.engine.Swap(set)
	log.Info().Int("flows", len(set.Flows())).Msg("USSD menus reloaded")
}
