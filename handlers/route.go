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

// Notify returns the handler of a notification route.
func Notify(provider string, rt Route, d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		setInfo(c, func(i *requestInfo) { i.provider = provider; i.badPrefix = rt.BadPrefix })
		in, err := d.Decoder.Decode(c.Request(), d.Now())
		if err != nil {
			return err
		}
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
}

func quote(s string) string { return strconv.Quote(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
