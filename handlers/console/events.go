package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Event is one stored event: its subject and its CloudEvents JSON.
type Event struct {
	Subject string
	Data    []byte
}

// Feed yields events in the order they were stored.
type Feed interface {
	// Next blocks for the next event until ctx is done.
	Next(ctx context.Context) (Event, error)
	Stop()
}

// EventSource opens a feed of the events stored from now on. Once it
// returns, no later event is missed.
type EventSource func(ctx context.Context) (Feed, error)

// events streams the feed to the page as server-sent events: "ready" once
// the feed is open, then one "event" per stored event. It ends when the
// client goes away, on shutdown (Options.Stop), or when the feed fails.
func (o Options) events(c echo.Context) error {
	if o.Events == nil {
		return c.String(http.StatusNotFound, "console: no event feed")
	}
	ctx, cancel := o.stopped(c.Request().Context())
	defer cancel()
	feed, err := o.Events(ctx)
	if err != nil {
		o.Log.Warn().Err(err).Msg("console: event feed not opened")
		return c.String(http.StatusServiceUnavailable, "console: event feed not available")
	}
	defer feed.Stop()
	w := c.Response()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // the server's write timeout would cut the stream
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if err := send(w, rc, "ready", []byte(`{}`)); err != nil {
		return nil
	}
	for {
		ev, err := feed.Next(ctx)
		if err != nil {
			if ctx.Err() == nil {
				o.Log.Warn().Err(err).Msg("console: event feed ended")
			}
			return nil
		}
		b, err := json.Marshal(struct {
			Subject string          `json:"subject"`
			Event   json.RawMessage `json:"event"`
		}{ev.Subject, validJSON(ev.Data)})
		if err != nil {
			continue
		}
		if err := send(w, rc, "event", b); err != nil {
			return nil // the client went away
		}
	}
}

// validJSON passes a JSON body through, and quotes anything else.
func validJSON(b []byte) json.RawMessage {
	if json.Valid(b) {
		return b
	}
	q, _ := json.Marshal(string(b))
	return q
}

// send writes one server-sent event; data is one line of JSON.
func send(w http.ResponseWriter, rc *http.ResponseController, name string, data []byte) error {
	if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data); err != nil {
		return err
	}
	return rc.Flush()
}
