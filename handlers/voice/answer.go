package voice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/mlango/mlango/handlers/voicexml"
)

// Start answers a call's first callback: the called number's flow from its
// start step. A repeated first callback replays the call's current step.
func (e *Engine) Start(ctx context.Context, c Call) []byte {
	f := e.set.Load().For(c.DestinationNumber)
	st := &state{Flow: f.Name, Step: f.Start}
	_, ok, err := e.store.Create(ctx, c.SessionID, encodeState(st))
	if err != nil {
		return e.apology(c, f.Start, err)
	}
	if !ok {
		cur, _, err := e.load(ctx, c.SessionID)
		if err != nil || cur == nil {
			return e.apology(c, f.Start, err)
		}
		st = cur
	}
	return e.answer(ctx, c, st, "", false)
}

// Step answers a callback to a step URL: digits for its GetDigits, the
// no-input Redirect, or a goto.
func (e *Engine) Step(ctx context.Context, c Call, r StepRequest) ([]byte, error) {
	if !validToken(e.o.Secret, c.SessionID, r.Step, r.Token) {
		e.observe(Event{Kind: "forged", SessionID: c.SessionID, Step: r.Step})
		return nil, ErrForged
	}
	st, rev, err := e.load(ctx, c.SessionID)
	if err != nil || st == nil {
		return e.apology(c, r.Step, fmt.Errorf("call state: %w (or expired)", err)), nil
	}
	f := e.set.Load().byName[st.Flow]
	if f == nil || f.steps[r.Step] == nil {
		return e.apology(c, r.Step, fmt.Errorf("flow %q has no step %q", st.Flow, r.Step)), nil
	}
	msg := e.advance(f, st, r)
	ok, err := e.save(ctx, c.SessionID, st, rev)
	switch {
	case err != nil:
		return e.apology(c, r.Step, err), nil
	case !ok:
		// Another instance answered this callback first (AT re-sent it):
		// answer from the state it wrote.
		if st, _, err = e.load(ctx, c.SessionID); err != nil || st == nil {
			return e.apology(c, r.Step, err), nil
		}
		msg = ""
	}
	if st.Step == "" {
		return e.sayAndEnd(c, msg), nil
	}
	// A retry replays only the prompt, not what the step said before it.
	return e.answer(ctx, c, st, msg, st.Step == r.Step && st.Attempts > 0), nil
}

// advance moves st for the callback r and returns a message to say first.
// An empty st.Step means the call ends (retries exhausted, no step set).
func (e *Engine) advance(f *Flow, st *state, r StepRequest) string {
	g := digitsOf(f.steps[r.Step])
	if g == nil || (r.Event != EventNoInput && !r.HasDigits) {
		st.Step, st.Attempts = r.Step, 0 // a goto: enter the step afresh
		return ""
	}
	st.Step = r.Step
	digits := StripFinishKey(r.Digits, g.FinishOnKey)
	if r.Event == EventNoInput || digits == "" {
		return e.retry(f, st, g, g.NoInput)
	}
	if !digitsRE.MatchString(digits) {
		// Not keypad input: never stored, never spoken back.
		return e.retry(f, st, g, g.Invalid)
	}
	next := g.Branches[digits]
	if next == "" {
		next = g.Any
	}
	if next == "" {
		return e.retry(f, st, g, g.Invalid)
	}
	st.Digits = digits
	if g.Save != "" {
		if st.Values == nil {
			st.Values = map[string]string{}
		}
		st.Values[g.Save] = digits
	}
	st.Step, st.Attempts = next, 0
	return ""
}

// retry counts a failed attempt: the prompt again with msg, or the
// exhausted step once the flow's retries are used up.
func (e *Engine) retry(f *Flow, st *state, g *GetDigits, msg string) string {
	st.Attempts++
	limit := f.Retries
	if limit <= 0 {
		limit = e.o.Retries
	}
	if st.Attempts >= limit {
		st.Step, st.Attempts = g.OnExhausted, 0
		if st.Step == "" {
			return msg
		}
		return ""
	}
	return msg
}

// StripFinishKey removes one trailing finish key: AT posts it with the
// digits when the caller pressed it.
func StripFinishKey(digits, key string) string {
	digits = strings.TrimSpace(digits)
	if key != "" {
		digits = strings.TrimSuffix(digits, key)
	}
	return digits
}

func digitsOf(actions []Action) *GetDigits {
	if n := len(actions); n > 0 {
		return actions[n-1].GetDigits
	}
	return nil
}

func (e *Engine) load(ctx context.Context, id string) (*state, uint64, error) {
	b, rev, err := e.store.Get(ctx, id)
	if err != nil || b == nil {
		return nil, 0, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, 0, err
	}
	return &st, rev, nil
}

func (e *Engine) save(ctx context.Context, id string, st *state, rev uint64) (bool, error) {
	_, ok, err := e.store.Update(ctx, id, encodeState(st), rev)
	return ok, err
}

func (e *Engine) sayAndEnd(c Call, msg string) []byte {
	var actions []voicexml.Action
	if msg != "" {
		actions = append(actions, voicexml.Say{Text: msg})
	}
	b, err := voicexml.Build(actions...)
	if err != nil {
		return e.apology(c, "", err)
	}
	return b
}

func queryEscape(s string) string { return url.QueryEscape(s) }
