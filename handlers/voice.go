package handlers

import (
	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/handlers/voicexml"
	"github.com/mlango/mlango/normalize"
)

// voiceContentType is what the instruct route answers XML with. AT's own
// sample app sends text/plain; community code sends application/xml and
// reports that it works too (reference Uncertain #10). The provider's own
// code is the stronger evidence, so Mlango sends what it sends.
const voiceContentType = "text/plain; charset=UTF-8"

// welcome is the greeting of AT's sample app, also the built-in default
// flow (handlers/voice/default.yaml), for a router built without one.
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

// apologyXML is built once; the rules are fixed, so a failure is a bug
// TestVoiceNotStored catches.
var apologyXML, _ = voicexml.Build(apology...)

// voiceInstruct serves AT's voice callback URL when no flow engine is
// wired (cmd replaces it with VoiceFlowRoutes): it stores the call's
// events with an ack, then answers the welcome while the call is up
// (isActive=1) and an empty 200 for the final notification (isActive=0).
func voiceInstruct(provider string, d Deps) echo.HandlerFunc {
	greeting, err := voicexml.Build(welcome...)
	return func(c echo.Context) error {
		SetProvider(c, provider)
		if err != nil {
			return errorf(KindInternal, "voice flow does not build", err)
		}
		return serveVoice(c, provider, d, func(in normalize.Input) []byte {
			if in.Get("isActive") == "0" {
				return nil
			}
			return greeting
		}, nil)
	}
}
