package handlers

import (
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/normalize"
)

// Observer is told about every finished request, once, after the answer was
// written: what the request's log line reports, as values, for metrics.
// It runs on the request's goroutine, so it must be quick and must not
// block; it must not keep Observation.Events past the call.
type Observer interface {
	ObserveRequest(o Observation)
}

// UnmatchedRoute is Observation.Route for a request no route matched, so
// that scanners' paths and tokens in URLs never become label values.
const UnmatchedRoute = "unmatched"

// Observation is one finished request.
type Observation struct {
	// Route is the route's pattern as declared (/t/:token/api/sms/twoway,
	// never the token), or UnmatchedRoute.
	Route string
	// Provider is empty for the gateway's own routes and unmatched paths.
	Provider string
	Status   int
	// Kind is what went wrong, 0 when nothing did. A few routes answer 200
	// and still report one: airtime validation's Failed, a live call's
	// apology.
	Kind Kind
	// Events are the canonical events the request produced; Duplicates how
	// many of them the store already held.
	Events     []normalize.Event
	Duplicates int
	Latency    time.Duration
}

// observation describes c's finished request from what handlers recorded.
func observation(c echo.Context, info *requestInfo, latency time.Duration) Observation {
	o := Observation{
		Route:      c.Path(),
		Provider:   info.provider,
		Status:     c.Response().Status,
		Events:     info.events,
		Duplicates: info.duplicates,
		Latency:    latency,
	}
	if info.err != nil {
		o.Kind = info.err.Kind
		if o.Kind == KindNotFound {
			o.Route = UnmatchedRoute // Echo's path is then a partial match
		}
	}
	if o.Route == "" {
		o.Route = UnmatchedRoute
	}
	return o
}
