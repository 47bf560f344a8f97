package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/normalize"
)

// EventStore keeps canonical events durably. Store returns only once every
// event is acknowledged (or fails), reporting how many were duplicates of
// events already kept. The publish package implements it.
type EventStore interface {
	Store(ctx context.Context, events []normalize.Event) (duplicates int, err error)
}

// Parser maps one decoded callback to its canonical events.
type Parser func(normalize.Input) ([]normalize.Event, error)

// Route is one provider-facing path that takes a notification: decode,
// normalise, store, then answer OK. The provider is answered 2xx only after
// the store acknowledged, so a 2xx always means "kept".
type Route struct {
	Path  string
	Parse Parser
	// OK is the success body, e.g. "OK" or "GOOD".
	OK string
	// BadPrefix, when set, starts every 4xx body, for providers that read
	// a word ("BAD") rather than a status code.
	BadPrefix string
	// Auth, when set, vets a request before anything is decoded or stored:
	// a signature over body (the raw bytes as received) or a token. It
	// returns an *Error of KindUnauthorized to refuse, and may remove a
	// token from r's query so it never reaches an event.
	Auth func(r *http.Request, body []byte) error
	// Custom, when set, serves the route instead of the notification flow,
	// for routes whose answer is computed (USSD screens, voice XML).
	Custom func(provider string, d Deps) echo.HandlerFunc
}

// Provider is one provider's name and routes, declared in its own file and
// listed once, explicitly, where the gateway is assembled.
type Provider struct {
	Name   string
	Routes []Route
}

// Deps is what the handlers need from the world.
type Deps struct {
	Store   EventStore
	Decoder Decoder
	Now     func() time.Time
}

// SetProvider records the provider in the request's log line; Custom
// handlers call it first.
func SetProvider(c echo.Context, provider string) {
	setInfo(c, func(i *requestInfo) { i.provider = provider })
}

// SetEvents records what a Custom handler stored, for the log line.
func SetEvents(c echo.Context, events []normalize.Event, duplicates int) {
	setInfo(c, func(i *requestInfo) { i.events = append(i.events, events...); i.duplicates += duplicates })
}

// Handler returns the handler that serves rt.
func Handler(provider string, rt Route, d Deps) echo.HandlerFunc {
	if rt.Custom != nil {
		return rt.Custom(provider, d)
	}
	return Notify(provider, rt, d)
}

// Notify returns the handler of a notification route.
func Notify(provider string, rt Route, d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		setInfo(c, func(i *requestInfo) { i.provider = provider; i.badPrefix = rt.BadPrefix })
		r := c.Request()
		body, err := d.Decoder.Read(r)
		if err != nil {
			return err
		}
		if rt.Auth != nil {
			if err := rt.Auth(r, body); err != nil {
				return err
			}
		}
		in, err := d.Decoder.Parse(r, body, d.Now())
		if err != nil {
			return err
		}
		return storeAndAnswer(c, rt, d, in)
	}
}

// storeAndAnswer is every notification's tail: normalise, store with an
// ack, and only then answer the provider.
func storeAndAnswer(c echo.Context, rt Route, d Deps, in normalize.Input) error {
	events, err := rt.Parse(in)
	if err != nil {
		return errorf(KindBadRequest, err.Error(), nil)
	}
	setInfo(c, func(i *requestInfo) { i.events = events })
	dups, err := d.Store.Store(c.Request().Context(), events)
	if err != nil {
		return errorf(KindUnavailable, "event not stored, retry later", err)
	}
	setInfo(c, func(i *requestInfo) { i.duplicates = dups })
	return c.String(http.StatusOK, rt.OK)
}

func quote(s string) string { return strconv.Quote(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
