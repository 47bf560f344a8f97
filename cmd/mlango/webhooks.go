package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
	"github.com/rs/zerolog"
)

// webhookProviders builds every webhook provider the configuration names,
// in name order, and warns about each that has no secret: it takes
// unsigned requests from anyone who finds its URL.
func webhookProviders(w config.WebhooksConfig, sources *handlers.Sources, log zerolog.Logger) ([]handlers.Provider, error) {
	var out []handlers.Provider
	for _, name := range w.Names() {
		pc := w.Providers[name]
		p, err := webhookProvider(name, pc, handlers.Guard{Allow: config.Prefixes(pc.AllowCIDRs), Sources: sources})
		if err != nil {
			return nil, fmt.Errorf("webhook provider %s: %w", name, err)
		}
		if len(pc.Secrets) == 0 {
			log.Warn().Str("provider", name).Str("route", handlers.WebhookPath(name)).
				Msg("webhook provider has no secret, so unsigned requests are accepted; set " + config.SecretEnv(name))
		}
		out = append(out, p)
	}
	return out, nil
}

func webhookProvider(name string, pc config.WebhookProviderConfig, g handlers.Guard) (handlers.Provider, error) {
	switch name {
	case normalize.TalkNTalk:
		return handlers.TalkNTalk(pc.Secrets, g)
	case normalize.Zexa:
		return handlers.Zexa(pc.Secrets, g)
	}
	m := pc.Mapping.WithDefaults()
	return handlers.WebhookProvider(handlers.Webhook{
		Name: name,
		Signature: handlers.Signature{Scheme: handlers.Scheme(pc.Scheme), Header: pc.Header, Prefix: pc.Prefix,
			Secrets: pc.Secrets, Tolerance: time.Duration(pc.Tolerance)},
		Parse: normalize.WebhookMapping{
			Provider: name, Event: m.Event, ID: m.ID, EventID: m.EventID, Phone: m.Phone, Sender: m.Sender,
			Status: m.Status, Time: m.Time, Types: lowerKeys(m.Types), Statuses: lowerKeys(m.Statuses),
		}.Parse,
		Guard: g,
	})
}

// lowerKeys keys a table as events are looked up in it: case-insensitively.
func lowerKeys(table map[string]string) map[string]string {
	out := make(map[string]string, len(table))
	for k, v := range table {
		out[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return out
}
