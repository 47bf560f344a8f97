package voice

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/mlango/mlango/handlers/voicexml"
)

// RemoteRequest is the JSON a remote step sends its service.
type RemoteRequest struct {
	Flow              string            `json:"flow"`
	Step              string            `json:"step"`
	SessionID         string            `json:"sessionId"`
	CallerNumber      string            `json:"callerNumber"`
	DestinationNumber string            `json:"destinationNumber"`
	Digits            string            `json:"digits"` // the last digits entered
	Values            map[string]string `json:"values"` // saved digits by name
}

// answer renders st's step as voice XML, msg said first; replay renders
// only the step's last action (its GetDigits).
func (e *Engine) answer(ctx context.Context, c Call, st *state, msg string, replay bool) []byte {
	f := e.set.Load().byName[st.Flow]
	if f == nil || f.steps[st.Step] == nil {
		return e.apology(c, st.Step, fmt.Errorf("flow %q has no step %q", st.Flow, st.Step))
	}
	vars := varsOf(c, st)
	link := e.link(c, st.Step)
	var out []voicexml.Action
	if msg != "" {
		out = append(out, voicexml.Say{Text: render(msg, vars)})
	}
	actions := f.steps[st.Step]
	if replay {
		actions = actions[len(actions)-1:]
	}
	for _, a := range actions {
		var x []voicexml.Action
		var err error
		if a.Remote != nil {
			x, err = e.ask(ctx, f, st, c, a.Remote, link)
		} else {
			x, err = toXML(a, link, vars)
		}
		if err != nil {
			e.observe(Event{Kind: "remote_failed", SessionID: c.SessionID, Flow: f.Name, Step: st.Step, Err: err})
			return e.apology(c, st.Step, err)
		}
		out = append(out, x...)
	}
	b, err := voicexml.Build(out...)
	if err == nil {
		err = voicexml.Validate(b)
	}
	if err != nil {
		return e.apology(c, st.Step, err)
	}
	return b
}

func varsOf(c Call, st *state) func(string) string {
	return func(name string) string {
		switch name {
		case "callerNumber":
			return c.CallerNumber
		case "destinationNumber":
			return c.DestinationNumber
		case "sessionId":
			return c.SessionID
		case "digits":
			return st.Digits
		}
		return st.Values[name]
	}
}

// ask sends the call's fields to the step's service and renders its reply,
// a JSON list of actions, within the step's deadline.
func (e *Engine) ask(ctx context.Context, f *Flow, st *state, c Call, r *Remote, link linker) ([]voicexml.Action, error) {
	if e.remote == nil {
		return nil, fmt.Errorf("no remote configured")
	}
	timeout := f.timeout[st.Step]
	if timeout <= 0 {
		timeout = e.o.RemoteTimeout
	}
	subject := r.Subject
	if subject == "" {
		subject = e.o.SubjectPrefix + "." + f.Name + "." + st.Step
	}
	body, _ := json.Marshal(RemoteRequest{Flow: f.Name, Step: st.Step, SessionID: c.SessionID,
		CallerNumber: c.CallerNumber, DestinationNumber: c.DestinationNumber, Digits: st.Digits, Values: st.Values})
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	reply, err := e.remote.Request(ctx, subject, body, map[string]string{"Mlango-Flow": f.Name})
	if err != nil {
		return nil, fmt.Errorf("remote %s: %w", subject, err)
	}
	return replyActions(reply, r, link)
}

// replyActions parses and checks a service's reply: the flow's own action
// words, minus get_digits and remote (a reply cannot open a new branch
// point), goto only to a step the flow lists in may_goto.
func replyActions(reply []byte, r *Remote, link linker) ([]voicexml.Action, error) {
	dec := json.NewDecoder(bytes.NewReader(reply))
	dec.DisallowUnknownFields()
	var actions []Action
	if err := dec.Decode(&actions); err != nil {
		return nil, fmt.Errorf("reply: %w", err)
	}
	var out []voicexml.Action
	for i, a := range actions {
		switch k := a.kind(); {
		case k == "" || k == "get_digits" || k == "remote":
			return nil, fmt.Errorf("reply action %d: want exactly one of say, play, dial, goto, reject", i+1)
		case k == "goto" && !slices.Contains(r.MayGoto, a.Goto):
			return nil, fmt.Errorf("reply action %d: goto %q is not in the step's may_goto", i+1, a.Goto)
		}
		// Service text is spoken as is: templates are the flow author's.
		x, err := toXML(a, link, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, x...)
	}
	if _, err := voicexml.Build(out...); err != nil {
		return nil, fmt.Errorf("reply: %w", err)
	}
	return out, nil
}
