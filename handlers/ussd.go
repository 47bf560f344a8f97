package handlers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/handlers/ussd"
	"github.com/mlango/mlango/normalize"
	"github.com/rs/zerolog"
)

// USSDEngine answers USSD hops; handlers/ussd.Engine implements it.
type USSDEngine interface {
	Hop(ctx context.Context, r ussd.Request) ussd.Response
	// MaskInput returns a session's cumulative input with its secret
	// inputs masked, for the provider's end-of-session report.
	MaskInput(ctx context.Context, sessionID, input string) string
	End(ctx context.Context, sessionID string) error
}

// USSD holds what the USSD routes need beyond Deps.
type USSD struct {
	Engine USSDEngine
	// Async publishes each hop's ussd.input event after the screen is
	// answered; shutdown waits for it.
	Async *Async
	Log   zerolog.Logger
}

// hopMetadataHeader is echoed by AT on the next hop and collected into the
// end-of-session report's hopsMetadata, joined with '|'.
const hopMetadataHeader = "at-ussd-hop-metadata"

// USSDRoutes declares Africa's Talking's USSD routes: the session route,
// which answers every hop with a CON or END screen, and the end-of-session
// notification.
func USSDRoutes(u USSD) []Route {
	return []Route{
		// A 4xx ends AT's session gracefully; its body still starts END.
		{Path: "/api/ussd/session", BadPrefix: "END", Custom: u.session},
		{Path: "/api/ussd/status", Custom: u.status},
	}
}

func (u USSD) session(provider string, d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		setInfo(c, func(i *requestInfo) { i.provider = provider; i.badPrefix = "END" })
		in, err := d.Decoder.Decode(c.Request(), d.Now())
		if err != nil {
			return err
		}
		id, err := in.Require("sessionId")
		if err != nil {
			return errorf(KindBadRequest, err.Error(), nil)
		}
		req := ussd.Request{
			Provider:    provider,
			SessionID:   id,
			ServiceCode: in.Get("serviceCode"),
			PhoneNumber: normalize.Phone(in.Fields["phoneNumber"]),
			NetworkCode: in.Get("networkCode"),
			Text:        in.Fields["text"],
			ReceivedAt:  in.ReceivedAt,
		}
		resp := u.Engine.Hop(c.Request().Context(), req)
		if len(resp.Submissions) > 0 {
			evs := submissionEvents(provider, req, resp)
			dups, err := d.Store.Store(c.Request().Context(), evs)
			if err != nil {
				// The form was not kept: say so rather than pretend.
				u.Log.Error().Err(err).Str("session", id).Msg("USSD submission not stored")
				resp = ussd.Response{End: true, Text: "Sorry, we could not save that. Please try again later.", ScreenID: "error"}
			}
			SetEvents(c, evs, dups)
		}
		if !resp.Replayed {
			ev := inputEvent(provider, req, in, resp)
			SetEvents(c, []normalize.Event{ev}, 0)
			u.Async.Go(func() { u.publishInput(d.Store, ev) })
		}
		return answerScreen(c, resp)
	}
}

func (u USSD) publishInput(store EventStore, ev normalize.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := store.Store(ctx, []normalize.Event{ev}); err != nil {
		u.Log.Error().Err(err).Str("event_id", ev.ID).Msg("ussd.input event not stored")
	}
}

func answerScreen(c echo.Context, r ussd.Response) error {
	if m := hopMetadata(r.ScreenID); m != "" {
		c.Response().Header().Set(hopMetadataHeader, m)
	}
	return c.String(http.StatusOK, screenBody(r))
}

func screenBody(r ussd.Response) string {
	if r.End {
		return "END " + r.Text
	}
	return "CON " + r.Text
}

// hopMetadata fits a screen id to AT's rules: at most 99 characters, no '|'
// (the separator of hopsMetadata).
func hopMetadata(id string) string {
	id = strings.ReplaceAll(id, "|", "/")
	if len(id) > 99 {
		id = id[:99]
	}
	return id
}

// inputEvent records one hop. Its natural key is the session and the masked
// cumulative text: hashing a PIN into the id would let anyone who knows the
// rest of the key recover it by trying 10,000 PINs.
func inputEvent(provider string, req ussd.Request, in normalize.Input, r ussd.Response) normalize.Event {
	input := r.Input
	if r.InputSecret {
		input = "****"
	}
	in = in.WithField("text", r.MaskedText)
	d := normalize.USSDInput{
		SessionID:   req.SessionID,
		ServiceCode: req.ServiceCode,
		PhoneNumber: req.PhoneNumber,
		Network:     normalize.LookupNetwork(req.NetworkCode),
		Text:        r.MaskedText,
		Input:       input,
		Screen:      r.ScreenID,
		Answer:      screenBody(r),
		Raw:         in.Raw,
	}
	return normalize.NewEvent(provider, normalize.TypeUSSDInput, req.SessionID, req.ReceivedAt, d, req.SessionID, r.MaskedText)
}

func submissionEvents(provider string, req ussd.Request, r ussd.Response) []normalize.Event {
	evs := make([]normalize.Event, 0, len(r.Submissions))
	for _, s := range r.Submissions {
		d := normalize.USSDSubmission{
			SessionID:   req.SessionID,
			ServiceCode: req.ServiceCode,
			PhoneNumber: req.PhoneNumber,
			Name:        s.Name,
			Inputs:      s.Inputs,
		}
		evs = append(evs, normalize.NewEvent(provider, normalize.TypeUSSDSubmission, req.SessionID, req.ReceivedAt, d, req.SessionID, s.Name))
	}
	return evs
}

// status stores AT's end-of-session report, with the PINs its input field
// repeats masked, then forgets the session.
func (u USSD) status(provider string, d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		setInfo(c, func(i *requestInfo) { i.provider = provider })
		in, err := d.Decoder.Decode(c.Request(), d.Now())
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		id := in.Get("sessionId")
		if input, ok := in.Fields["input"]; ok && id != "" {
			in = in.WithField("input", u.Engine.MaskInput(ctx, id, input))
		}
		events, err := normalize.ATUSSDSession(in)
		if err != nil {
			return errorf(KindBadRequest, err.Error(), nil)
		}
		dups, err := d.Store.Store(ctx, events)
		if err != nil {
			return errorf(KindUnavailable, "event not stored, retry later", err)
		}
		SetEvents(c, events, dups)
		if err := u.Engine.End(ctx, id); err != nil {
			// The state expires with its TTL anyway; the report is kept.
			u.Log.Warn().Err(err).Str("session", id).Msg("USSD session state not removed")
		}
		return c.String(http.StatusOK, "OK")
	}
}
