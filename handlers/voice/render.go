package voice

import (
	"github.com/mlango/mlango/handlers/voicexml"
)

// EventNoInput marks the Redirect that follows a GetDigits: AT only
// reaches it when no digits came.
const EventNoInput = "noinput"

// linker builds the gateway URL of a step ("" is the step being rendered)
// for an event ("" or EventNoInput).
type linker func(step, event string) string

// toXML renders one flow action (not remote) as voice XML actions. A
// GetDigits is followed by its no-input Redirect.
func toXML(a Action, link linker, vars func(string) string) ([]voicexml.Action, error) {
	switch {
	case a.Say != nil:
		return []voicexml.Action{sayXML(a.Say, vars)}, nil
	case a.Play != "":
		return []voicexml.Action{voicexml.Play{URL: a.Play}}, nil
	case a.GetDigits != nil:
		g := a.GetDigits
		var prompt voicexml.Prompt = voicexml.Play{URL: g.Play}
		if g.Say != nil {
			prompt = sayXML(g.Say, vars)
		}
		return []voicexml.Action{
			voicexml.GetDigits{Prompt: prompt, NumDigits: g.NumDigits, Timeout: g.Timeout,
				FinishOnKey: g.FinishOnKey, CallbackURL: link("", "")},
			voicexml.Redirect{URL: link("", EventNoInput)},
		}, nil
	case a.Dial != nil:
		d := a.Dial
		return []voicexml.Action{voicexml.Dial{PhoneNumbers: d.Numbers, Sequential: d.Sequential,
			Record: d.Record, CallerID: d.CallerID, MaxDuration: d.MaxDuration}}, nil
	case a.Goto != "":
		return []voicexml.Action{voicexml.Redirect{URL: link(a.Goto, "")}}, nil
	case a.Reject:
		return []voicexml.Action{voicexml.Reject{}}, nil
	}
	return nil, nil
}

// sayXML fills the text's templates; nil vars (a service's reply) speaks
// the text as is.
func sayXML(s *Say, vars func(string) string) voicexml.Say {
	text := s.Text
	if vars != nil {
		text = render(text, vars)
	}
	return voicexml.Say{Text: text, Voice: s.Voice, PlayBeep: s.PlayBeep}
}
