// Package gateway assembles Mlango's HTTP server: the provider routes from
// handlers, the central error handler, the request log, health and
// readiness, and graceful shutdown. It knows handlers and their small
// interfaces, never the concrete NATS publisher: cmd passes that in.
package gateway

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/handlers"
	"github.com/rs/zerolog"
)

// Options is everything the HTTP server is built from.
type Options struct {
	// Providers lists every provider, explicitly; no init() registration.
	Providers []handlers.Provider
	Store     handlers.EventStore
	// Ready reports whether the gateway can keep what it accepts (NATS
	// connected, stream present); /readyz answers 503 with its error.
	Ready func(context.Context) error
	// ReadyDetail, when set, adds what an operator wants to see beside the
	// verdict (NATS state, spool depth and age): /readyz then answers JSON.
	ReadyDetail func() any
	// Healthy, when set, reports a fault only a restart clears; /healthz
	// (the liveness check) then answers 503 with it.
	Healthy   func() error
	BodyLimit int64
	Log       zerolog.Logger
	// Now is the clock for receive times; tests pin it.
	Now func() time.Time
	// Observer, when set, is told about every finished request (metrics).
	Observer handlers.Observer
	// Metrics, when set, is served at GET /metrics.
	Metrics http.Handler
}

// New builds the Echo server. It fails when two routes claim one path, so a
// provider list mistake stops start-up rather than shadowing a route.
func New(o Options) (*echo.Echo, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = handlers.ErrorHandler
	e.Use(handlers.RequestLog(o.Log, o.Observer))

	e.GET("/healthz", func(c echo.Context) error {
		if o.Healthy != nil {
			if err := o.Healthy(); err != nil {
				return c.String(http.StatusServiceUnavailable, "unhealthy: "+err.Error())
			}
		}
		return c.String(http.StatusOK, "ok")
	})
	e.GET("/readyz", readyz(o.Ready, o.ReadyDetail))

	deps := handlers.Deps{Store: o.Store, Decoder: handlers.Decoder{Limit: o.BodyLimit}, Now: o.Now}
	owner := map[string]string{"/healthz": "gateway", "/readyz": "gateway"}
	if o.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(o.Metrics))
		owner["/metrics"] = "gateway"
	}
	for _, p := range o.Providers {
		for _, rt := range p.Routes {
			if prev, dup := owner[rt.Path]; dup {
				return nil, fmt.Errorf("route %s is declared by both %s and %s", rt.Path, prev, p.Name)
			}
			owner[rt.Path] = p.Name
			e.POST(rt.Path, handlers.Handler(p.Name, rt, deps))
		}
	}
	return e, nil
}

func readyz(ready func(context.Context) error, detail func() any) echo.HandlerFunc {
	return func(c echo.Context) error {
		var err error
		if ready != nil {
			ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
			defer cancel()
			err = ready(ctx)
		}
		status := http.StatusOK
		if err != nil {
			status = http.StatusServiceUnavailable
		}
		if detail != nil {
			ans := readyAnswer{Ready: err == nil, Detail: detail()}
			if err != nil {
				ans.Error = err.Error()
			}
			return c.JSON(status, ans)
		}
		if err != nil {
			return c.String(status, "not ready: "+err.Error())
		}
		return c.String(status, "ready")
	}
}

type readyAnswer struct {
	Ready  bool   `json:"ready"`
	Error  string `json:"error,omitempty"`
	Detail any    `json:"detail,omitempty"`
}
