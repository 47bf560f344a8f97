package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/handlers/voicexml"
	"github.com/mlango/mlango/normalize"
)

// voiceContentType is what the instruct route answers XML with. AT's own
// sample app sends text/plain; community code sends application/xml and
// reports that it works too (reference Uncertain #10). The provider's own
// code is the stronger evidence, so Mlango sends what it sends.
const voiceContentType = "text/plain; charset=UTF-8"

// welcome is the default flow, the greeting of AT's sample app: until
// scripted voice flows exist every live call hears it and is hung up.
var welcome = []voicexml.Action{
	voicexml.Say{Text: "Welcome to the service. This is a demo voice application. Goodbye."},
}

// apology answers a live call whose notification could not be stored. AT
// documents no retry for a live call's request, and a 5xx would leave the
// caller in silence, so the caller hears why the call ends; the final
// notification that follows carries the whole call and gets a 503, and so
// a retry, if it cannot be stored either.
var apology = []voicexml.Action{
	voicexml.Say{Text: "Sorry, we cannot take your call right now. Please try again later."},
}

// voiceInstruct serves AT's voice callback URL: it stores the call's
// events with an ack, then answers voice XML while the call is up
// (isActive=1) and an empty 200 for the final notification (isActive=0).
func voiceInstruct(provider string, d Deps) echo.HandlerFunc {
	greeting, gErr := voicexml.Build(welcome...)
	sorry, sErr := voicexml.Build(apology...)
	return func(c echo.Context) error {
		setInfo(c, func(i *requestInfo) { i.provider = provider })
		if gErr != nil || sErr != nil {
			return errorf(KindInternal, "voice flow does not build", firstErr(gErr, sErr))
		}
		in, err := d.Decoder.Decode(c.Request(), d.Now())
		if err != nil {
			return err
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
			return c.Blob(http.StatusOK, voiceContentType, sorry)
		}
		SetEvents(c, nil, dups)
		if final {
			return c.NoContent(http.StatusOK)
		}
		return c.Blob(http.StatusOK, voiceContentType, greeting)
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
