package ussd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// remoteScreen is a screen a remote step shows, kept in the session while
// it awaits the caller's answer. Texts are resolved to the session
// language when the reply arrives.
type remoteScreen struct {
	Text   string       `json:"text"`
	Items  []remoteItem `json:"items,omitempty"`
	Secret bool         `json:"secret,omitempty"`
}

type remoteItem struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Value string `json:"value"`
	Next  string `json:"next,omitempty"`
}

// remote asks s's service and acts on the reply. It returns the step to
// go to when the reply names one (or only sets, and the step has a next);
// otherwise it has answered the hop itself (a screen, an END, on_error).
func (h *hop) remote(s *step, phase, input string) (next string, err error) {
	reply, err := h.ask(s, phase, input)
	if err != nil {
		h.e.observe(Event{Kind: EventRemoteFailed, SessionID: h.req.SessionID, Flow: h.flow.name, Step: s.id, Err: err})
		return "", h.outcome(s, s.remote.onError, "error")
	}
	h.assignReply(reply.Set)
	lang, def := h.st.Lang, h.flow.defaultLang()
	switch {
	case reply.End != nil:
		h.endText(reply.End.pick(lang, def), s.id)
	case reply.Screen != nil:
		// A new screen, even mid-conversation, starts its own attempts; a
		// service asks for a retry of the same one with "invalid".
		h.st.Step, h.st.Page, h.st.Attempts, h.st.Remote = s.id, 0, 0, h.screenFrom(reply.Screen)
		return "", h.show("")
	case reply.Invalid != nil:
		return "", h.invalid(s, staticText(reply.Invalid))
	case reply.Next != "":
		return reply.Next, nil
	default:
		return s.next, nil
	}
	return "", nil
}

// remoteInput sends the caller's answer to a remote screen: a chosen item
// goes where the item or step says, else back to the service.
func (h *hop) remoteInput(s *step, input string) error {
	rs := h.st.Remote
	if len(rs.Items) == 0 {
		if input == "" {
			return h.invalid(s, s.retry.invalid)
		}
		return h.remoteThen(s, input)
	}
	for _, it := range rs.Items {
		if it.Key != input {
			continue
		}
		h.st.setVar(s.save, it.Value, false)
		if next := firstNonEmpty(it.Next, s.remote.itemNext); next != "" {
			h.forward()
			return h.enter(next)
		}
		return h.remoteThen(s, it.Value)
	}
	return h.invalid(s, s.retry.invalid)
}

// remoteThen asks with phase "input" and follows a next in the reply.
func (h *hop) remoteThen(s *step, input string) error {
	next, err := h.remote(s, phaseInput, input)
	if err != nil || next == "" {
		return err
	}
	h.forward()
	return h.enter(next)
}

// ask sends the request and returns a validated reply. Its deadline is the
// step's timeout, cut to what the hop budget leaves after a reserve for
// writing the session.
func (h *hop) ask(s *step, phase, input string) (*StepReply, error) {
	if h.e.remote == nil {
		return nil, errors.New("no remote configured")
	}
	budget := h.e.opts.HopBudget
	deadline := h.start.Add(budget - budget/10)
	if d := time.Now().Add(s.remote.timeout); d.Before(deadline) {
		deadline = d
	}
	if time.Until(deadline) <= 0 {
		return nil, errors.New("no time left in the hop budget")
	}
	ctx, cancel := context.WithDeadline(h.ctx, deadline)
	defer cancel()
	body, err := json.Marshal(h.request(s, phase, input))
	if err != nil {
		return nil, err
	}
	headers := map[string]string{
		"Mlango-Flow":     h.flow.name,
		"Mlango-Step":     s.id,
		"Mlango-Deadline": deadline.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		"Nats-Msg-Id":     h.req.SessionID + ":" + strconv.Itoa(h.st.Hop),
	}
	raw, err := h.e.remote.Request(ctx, s.remote.subject, body, headers)
	if err != nil {
		return nil, err
	}
	return h.parseReply(s, raw, phase)
}

func (h *hop) request(s *step, phase, input string) StepRequest {
	vars := h.st.publicVars()
	if s.remote.send != nil {
		vars = map[string]string{}
		for _, name := range s.remote.send {
			if v, ok := h.st.Vars[name]; ok {
				vars[name] = v
			}
		}
	}
	r := h.req
	return StepRequest{Spec: Spec, Flow: h.flow.name, Version: h.flow.version, Step: s.id, Phase: phase,
		Session: StepSession{ID: r.SessionID, Hop: h.st.Hop, Phone: r.PhoneNumber, ServiceCode: r.ServiceCode,
			Network: r.NetworkCode, Lang: h.st.Lang, Provider: r.Provider},
		Input: input, Vars: vars,
		Limits: StepLimits{Chars: h.budget.GSM - prefixLen, UCS2Chars: h.budget.limit(true) - prefixLen}}
}

// parseReply decodes and checks a reply; see StepReply for the rules.
func (h *hop) parseReply(s *step, raw []byte, phase string) (*StepReply, error) {
	var r StepReply
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("invalid reply: malformed JSON: %w", err)
	}
	kinds := 0
	for _, set := range []bool{r.Next != "", r.Screen != nil, r.End != nil, r.Invalid != nil, r.Error != nil} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		return nil, errors.New("invalid reply: more than one of next, screen, end, invalid, error")
	case kinds == 0 && s.next == "":
		return nil, errors.New("invalid reply: none of next, screen, end, invalid, error, and the step has no next")
	case r.Error != nil:
		return nil, fmt.Errorf("service error %q", r.Error.Code)
	case r.Next != "" && h.flow.steps[r.Next] == nil:
		return nil, fmt.Errorf("invalid reply: next %q is not a step of flow %s", r.Next, h.flow.name)
	case r.Invalid != nil && (phase != phaseInput || h.st.Remote == nil):
		return nil, errors.New("invalid reply: invalid answers only a screen the service showed")
	case len(r.Set) > maxReplySet:
		return nil, fmt.Errorf("invalid reply: sets %d variables; at most %d", len(r.Set), maxReplySet)
	}
	for name, v := range r.Set {
		if !varNameRE.MatchString(name) || reservedNames[name] && name != "lang" || len(v) > maxReplyText {
			return nil, fmt.Errorf("invalid reply: cannot set %q", name)
		}
	}
	if r.Screen != nil {
		if err := h.checkScreen(r.Screen); err != nil {
			return nil, fmt.Errorf("invalid reply: %w", err)
		}
	}
	return &r, nil
}
