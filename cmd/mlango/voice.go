package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/handlers/voice"
	"github.com/mlango/mlango/publish"
	"github.com/rs/zerolog"
)

// voiceOptions turns the voice config section into the engine's options.
func voiceOptions(c config.VoiceConfig, secret []byte, log zerolog.Logger) voice.Options {
	return voice.Options{
		Retries:       c.Retries,
		RemoteTimeout: time.Duration(c.Remote.Timeout),
		SubjectPrefix: c.Remote.SubjectPrefix,
		Secret:        secret,
		Apology:       c.Apology,
		Observe: func(ev voice.Event) {
			level := zerolog.DebugLevel
			if ev.Kind != "" {
				level = zerolog.WarnLevel // every event the engine reports is a failure
			}
			log.WithLevel(level).Str("voice", ev.Kind).Str("session", ev.SessionID).Str("flow", ev.Flow).
				Str("step", ev.Step).AnErr("cause", ev.Err).Msg("voice engine")
		},
	}
}

// loadFlows loads the configured flows (the built-in default answers
// numbers none lists). Every problem is reported at once.
func loadFlows(c config.VoiceConfig) (*voice.Set, error) {
	return voice.LoadFiles(c.Flows)
}

// voiceSecret is the configured HMAC key, or a random one: callbacks then
// fail on any other instance and after a restart, which is said loudly.
func voiceSecret(c config.VoiceConfig, log zerolog.Logger) []byte {
	if c.Secret != "" {
		return []byte(c.Secret)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	log.Warn().Msg("voice.secret is not set (" + config.VoiceSecretEnv + "): a random key signs voice callbacks, " +
		"so a call's callbacks fail after a restart or on another instance; set it when running more than one")
	return b
}

// voiceService is the running voice flow engine and its routes.
type voiceService struct {
	engine *voice.Engine
	routes []handlers.Route
}

// startVoice opens the call-state bucket and builds the engine over it;
// remote steps ask over NATS.
func startVoice(ctx context.Context, cfg config.Config, store *publish.Store, log zerolog.Logger) (*voiceService, error) {
	c := cfg.Voice
	set, err := loadFlows(c)
	if err != nil {
		return nil, fmt.Errorf("voice flows:\n%w", err)
	}
	calls, err := store.KV(ctx, publish.KVOptions{Bucket: c.Bucket, TTL: time.Duration(c.StateTTL), Replicas: cfg.Stream.Replicas})
	if err != nil {
		return nil, err
	}
	if c.PublicURL == "" {
		log.Warn().Msg("voice.public_url is not set: callback URLs are built from each request's Host header")
	}
	s := &voiceService{engine: voice.New(set, calls, store, voiceOptions(c, voiceSecret(c, log), log))}
	var key string
	if tokens := cfg.Webhooks.AfricasTalking.Tokens; len(tokens) > 0 {
		key = tokens[0]
	}
	s.routes = handlers.VoiceFlowRoutes(handlers.VoiceFlow{Engine: s.engine, PublicURL: c.PublicURL, Key: key, Log: log})
	for _, f := range set.Flows() {
		log.Info().Str("flow", f.Name).Strs("numbers", f.Numbers).Bool("default", f.Default).
			Int("steps", f.Steps()).Msg("voice flow loaded")
	}
	return s, nil
}

// reload swaps in freshly loaded flows; a flow with problems leaves the
// old ones.
func (s *voiceService) reload(cfg config.Config, log zerolog.Logger) {
	set, err := loadFlows(cfg.Voice)
	if err != nil {
		log.Error().Err(err).Msg("voice flows not reloaded: fix the problems and send SIGHUP again")
		return
	}
	s.engine.Swap(set)
	log.Info().Int("flows", len(set.Flows())).Msg("voice flows reloaded")
}

// checkVoice is -check-config's part for voice flows: problems go to
// stderr at once, the flows are listed by the returned func.
func checkVoice(cfg config.Config, stderr io.Writer) (list func(io.Writer), ok bool) {
	set, err := loadFlows(cfg.Voice)
	if err != nil {
		fmt.Fprintf(stderr, "mlango: invalid voice flows:\n%v\n", err)
		return nil, false
	}
	return func(w io.Writer) {
		for _, f := range set.Flows() {
			fmt.Fprintf(w, "voice flow %s: numbers %v, default %v, %d steps\n", f.Name, f.Numbers, f.Default, f.Steps())
		}
	}, true
}
