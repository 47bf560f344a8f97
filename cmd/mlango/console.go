package main

import (
	"context"
	"fmt"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers/console"
	"github.com/mlango/mlango/publish"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// registerConsole serves the web console on e when console.enabled: its
// hops go through e itself, its feed reads the stream from "now", and its
// event streams end when ctx does (before the HTTP server drains).
func registerConsole(ctx context.Context, e *echo.Echo, cfg config.Config, store *publish.Store, log zerolog.Logger) {
	c := cfg.Console
	if !c.Enabled {
		return
	}
	var key string
	if tokens := cfg.Webhooks.AfricasTalking.Tokens; len(tokens) > 0 {
		key = tokens[0]
	}
	console.Register(e, console.Options{
		Allow:           config.Prefixes(c.AllowCIDRs),
		Routes:          e,
		Key:             key,
		Events:          streamFeed(store, cfg.Stream.Name, cfg.SubjectPrefix+".>"),
		Budget:          cfg.USSD.Budgets.Default,
		BudgetUCS2:      cfg.USSD.Budgets.UCS2,
		BudgetByNetwork: cfg.USSD.Budgets.ByNetwork,
		Stop:            ctx.Done(),
		Log:             log,
	})
	log.Warn().Strs("allow_cidrs", c.AllowCIDRs).Msg("web console enabled at /console: it drives the real routes; keep it on loopback")
}

// streamFeed opens an ordered consumer on stream from the next message
// stored: the console shows what lands from now on, as it lands.
func streamFeed(store *publish.Store, stream, subject string) console.EventSource {
	return func(ctx context.Context) (console.Feed, error) {
		js, err := jetstream.New(store.Conn())
		if err != nil {
			return nil, err
		}
		cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{subject},
			DeliverPolicy:  jetstream.DeliverNewPolicy,
		})
		if err != nil {
			return nil, fmt.Errorf("follow stream %s: %w", stream, err)
		}
		it, err := cons.Messages()
		if err != nil {
			return nil, fmt.Errorf("follow stream %s: %w", stream, err)
		}
		return jsFeed{it}, nil
	}
}

// jsFeed is a console.Feed over a JetStream message iterator.
type jsFeed struct{ it jetstream.MessagesContext }

func (f jsFeed) Next(ctx context.Context) (console.Event, error) {
	m, err := f.it.Next(jetstream.NextContext(ctx))
	if err != nil {
		return console.Event{}, err
	}
	return console.Event{Subject: m.Subject(), Data: m.Data()}, nil
}

func (f jsFeed) Stop() { f.it.Stop() }
