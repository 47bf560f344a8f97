package main

import (
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers"
	"github.com/rs/zerolog"
)

// airtimeRoutes builds the airtime validation route from the airtime
// config section; its decider, when a subject is configured, is asked over
// the gateway's own NATS connection.
func airtimeRoutes(c config.AirtimeConfig, decider handlers.Requester, log zerolog.Logger) ([]handlers.Route, error) {
	v := c.Validation
	rules, err := handlers.NewAirtimeRules(v.Currencies, v.MaxAmount, v.AllowPhones, v.DenyPhones)
	if err != nil {
		return nil, err
	}
	return handlers.AirtimeRoutes(handlers.AirtimeValidator{
		Rules:                 rules,
		Timeout:               time.Duration(v.Timeout),
		Decider:               decider,
		Subject:               v.Decider.Subject,
		DeciderTimeout:        time.Duration(v.Decider.Timeout),
		AllowOnDeciderFailure: v.Decider.AllowOnFailure,
		Log:                   log,
	}), nil
}
