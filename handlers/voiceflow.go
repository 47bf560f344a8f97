package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/handlers/voice"
	"github.com/mlango/mlango/normalize"
	"github.com/rs/zerolog"
)

// VoiceEngine answers scripted voice flows; handlers/voice.Engine
// implements it.
type VoiceEngine interface {
	Start(ctx context.Context, c voice.Call) []byte
	Step(ctx context.Context, c voice.Call, r voice.StepRequest) ([]byte, error)
	Verify(sessionID, step, token string) bool
	End(ctx context.Context, sessionID string) error
}

// VoiceFlow holds what the scripted voice routes need beyond Deps.
type VoiceFlow struct {
	Engine VoiceEngine
	// PublicURL is the gateway's base URL as AT reaches it; empty derives
	// it from each request's scheme and Host, which a client controls, so
	// set it whenever the gateway is reachable under a known name.
	PublicURL string
	// Key is the AT route token written into callback URLs as ?key=, so
	// AT's callbacks to them pass the guard.
	Key string
	Log zerolog.Logger
}

// VoiceFlowRoutes declares the voice routes a flow engine serves: the
// number's callback URL (first callback and final notification) and the
// step callbacks the engine writes into GetDigits and Redirect.
func VoiceFlowRoutes(v VoiceFlow) []Route {
	return []Route{
		{Path: "/api/voice/instruct", Custom: v.instruct},
		{Path: voice.StepPath + ":step", Custom: v.step},
	}
}

// ReplaceRoutes returns routes with each of extra in place of the route of
// the same path, or appended: the flow engine's instruct route takes the
// place of the fixed one.
func ReplaceRoutes(routes []Route, extra ...Route) []Route {
	out := make([]Route, 0, len(routes)+len(extra))
	for _, rt := range routes {
		replaced := false
		for _, x := range extra {
			replaced = replaced || x.Path == rt.Path
		}
		if !replaced {
			out = append(out, rt)
		}
	}
	return append(out, extra...)
}

func (v VoiceFlow) instruct(provider string, d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		return serveVoice(c, provider, d, func(in normalize.Input) []byte {
			call := v.call(c, in)
			if in.Get("isActive") == "0" {
				if err := v.Engine.End(c.Request().Context(), call.SessionID); err != nil {
					v.Log.Warn().Err(err).Str("session", call.SessionID).Msg("voice call state not deleted; it expires")
				}
				return nil
			}
			return v.Engine.Start(c.Request().Context(), call)
		}, nil)
	}
}

// step serves a step callback. A wrong token is refused before anything
// is stored, with a 200 and an empty Response (which hangs up): AT
// documents nothing for a 4xx mid-call, and a forger learns nothing more
// from a hang-up than from a 401.
func (v VoiceFlow) step(provider string, d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		SetProvider(c, provider)
		r := c.Request()
		q := r.URL.Query()
		sr := voice.StepRequest{Step: c.Param("step"), Token: q.Get("t"), Event: q.Get("e")}
		// The token and event are the gateway's own: they stay out of events.
		q.Del("t")
		q.Del("e")
		r.URL.RawQuery = q.Encode()
		verify := func(in normalize.Input) bool {
			ok := v.Engine.Verify(in.Get("sessionId"), sr.Step, sr.Token)
			if !ok {
				// The request's own line is info (a 200): say it louder.
				v.Log.Warn().Str("session", in.Get("sessionId")).Str("step", sr.Step).Msg("voice step callback with a missing or wrong token refused")
			}
			return ok
		}
		return serveVoice(c, provider, d, func(in normalize.Input) []byte {
			call := v.call(c, in)
			sr.Digits, sr.HasDigits = in.Fields["dtmfDigits"]
			b, err := v.Engine.Step(r.Context(), call, sr)
			if err != nil {
				setInfo(c, func(i *requestInfo) { i.err = unauthorized("voice step callback: " + err.Error()) })
				return voice.Hangup()
			}
			return b
		}, verify)
	}
}

func (v VoiceFlow) call(c echo.Context, in normalize.Input) voice.Call {
	base := v.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return voice.Call{SessionID: in.Get("sessionId"), CallerNumber: normalize.Phone(in.Fields["callerNumber"]),
		DestinationNumber: normalize.Phone(in.Fields["destinationNumber"]), Base: base, Key: v.Key}
}

// serveVoice stores a voice callback's events with an ack, then answers
// with answer's XML (nil: the final notification's empty 200). verify,
// when given, vets the step token first so a forged callback stores
// nothing.
func serveVoice(c echo.Context, provider string, d Deps, answer func(normalize.Input) []byte, verify func(normalize.Input) bool) error {
	in, err := d.Decoder.Decode(c.Request(), d.Now())
	if err != nil {
		return err
	}
	if verify != nil && !verify(in) {
		setInfo(c, func(i *requestInfo) { i.err = unauthorized("voice step callback with a missing or wrong token") })
		return c.Blob(http.StatusOK, voiceContentType, voice.Hangup())
	}
	events, err := normalize.ATVoice(in)
	if err != nil {
		return errorf(KindBadRequest, err.Error(), nil)
	}
	SetEvents(c, events, 0)
	final := in.Get("isActive") == "0"
	dups, err := d.Store.Store(c.Request().Context(), events)
	switch {
	case err != nil && final:
		return errorf(KindUnavailable, "event not stored, retry later", err)
	case err != nil:
		setInfo(c, func(i *requestInfo) { i.err = errorf(KindUnavailable, "event not stored, caller told", err) })
		return c.Blob(http.StatusOK, voiceContentType, apologyXML)
	}
	SetEvents(c, nil, dups)
	b := answer(in)
	if b == nil {
		return c.NoContent(http.StatusOK)
	}
	return c.Blob(http.StatusOK, voiceContentType, b)
}
