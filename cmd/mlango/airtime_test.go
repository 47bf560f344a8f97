package main

import (
	"testing"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers"
	"github.com/rs/zerolog"
)

// TestProvidersServeAirtime: the airtime and SIM-swap routes are Africa's
// Talking's, so its guard covers them.
func TestProvidersServeAirtime(t *testing.T) {
	cfg := config.Default()
	provs, err := providers(cfg, zerolog.Nop(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, rt := range provs[0].Routes {
		paths[rt.Path] = true
	}
	for _, p := range []string{handlers.AirtimeValidationPath, "/api/airtime/status", "/api/sim-swap/status"} {
		if !paths[p] {
			t.Errorf("%s is not among Africa's Talking's routes", p)
		}
	}
}

func TestAirtimeRoutesRefuseBadRules(t *testing.T) {
	c := config.Default().Airtime
	c.Validation.MaxAmount = map[string]string{"KES": "lots"}
	if _, err := airtimeRoutes(c, nil, zerolog.Nop()); err == nil {
		t.Error("want an error for a maximum that is not an amount")
	}
}
