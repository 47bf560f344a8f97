package ussd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxStepsPerHop stops a loop of steps without a screen (set and switch
// steps that lead back to each other) from spinning.
const maxStepsPerHop = 64

// hop is the work of answering one request: it walks the session's flow
// from its current screen, with the newest input, to the next screen.
type hop struct {
	e      *Engine
	ctx    context.Context
	req    Request
	st     *state
	flow   *menuFlow
	start  time.Time
	budget screenBudget
	out    Response
	subs   []Submission
	input  string
	secret bool // the input went to a secret screen
	steps  int
	// dropResume: the caller chose to start again, so the record they
	// were offered is removed.
	dropResume bool
	fresh      bool   // the session's first hop
	prevMasked string // the masked text before this hop
}

func (e *Engine) newHop(ctx context.Context, req Request, st *state, start time.Time) *hop {
	return &hop{e: e, ctx: ctx, req: req, st: st, start: start, budget: e.opts.budget(req.NetworkCode)}
}

// run answers the hop and returns the session to store and the response.
func (h *hop) run() (*state, Response) {
	if err := h.dispatch(); err != nil {
		h.apologise(err)
	}
	if h.st == nil { // no flow to start a session on
		h.st = &state{Ended: true}
	}
	if err := h.saveResume(); err != nil {
		h.e.observe(Event{Kind: EventResumeStoreFailed, SessionID: h.req.SessionID, Flow: h.st.Flow, Err: err})
	}
	h.st.Masked = h.masked()
	h.out.Input, h.out.InputSecret, h.out.MaskedText = h.input, h.secret, h.st.Masked
	h.out.Submissions, h.out.Flow, h.out.Version = h.subs, h.st.Flow, h.st.Version
	st := h.st
	st.LastText = h.req.Text
	st.LastResponse = lastResp{End: h.out.End, Text: h.out.Text, ScreenID: h.out.ScreenID,
		InputSecret: h.secret, Submissions: h.subs}
	if !h.secret {
		st.LastResponse.Input = h.input
	}
	return st, h.out
}

// masked is the hop's text with secret inputs masked. The engine builds
// it from its own record of inputs, so it stays safe even when the text
// did not extend the previous one. A first hop's text, unreadable without
// state, is masked whole where the flow has anything secret.
func (h *hop) masked() string {
	switch {
	case h.fresh && h.req.Text != "" && (h.flow == nil || h.flow.hasSecrets):
		return maskAll(h.req.Text)
	case h.fresh && h.req.Text != "":
		return h.req.Text
	case h.fresh:
		return appendInput("", h.input, h.secret)
	}
	return appendInput(h.prevMasked, h.input, h.secret)
}

func (h *hop) dispatch() error {
	if h.st == nil {
		return h.first()
	}
	flow, exact := h.e.flowFor(h.st.Flow, h.st.Version)
	switch {
	case flow == nil || flow.stepByID(h.st.Step) == nil:
		return fmt.Errorf("flow %s version %s is not loaded here and the current one has no step %q", h.st.Flow, h.st.Version, h.st.Step)
	case !exact:
		h.e.observe(Event{Kind: EventVersionFallback, SessionID: h.req.SessionID, Flow: flow.name, Step: h.st.Step})
		h.st.Version = flow.version
	}
	h.flow = flow
	input, kind := newestInput(h.st.LastText, h.req.Text)
	if kind == textMismatch {
		h.e.observe(Event{Kind: EventPrefixMismatch, SessionID: h.req.SessionID, Flow: flow.name, Step: h.st.Step})
	}
	h.st.Hop++
	h.input, h.prevMasked = input, h.st.Masked
	return h.handle(input)
}

// first starts a session. A first hop with text (a session this store has
// never seen: expired, or begun elsewhere) starts the same way: its text
// cannot be read without the state, so the caller gets the resume offer
// or the first screen, and the next hop's text is read against this one.
func (h *hop) first() error {
	h.fresh = true
	flow, typed := h.e.set.Load().route(h.req.ServiceCode)
	if flow == nil {
		return fmt.Errorf("no flow answers service code %q and none is the default", h.req.ServiceCode)
	}
	h.flow = flow
	h.st = &state{Flow: flow.name, Version: flow.version, Lang: flow.defaultLang(), Hop: 1}
	if len(typed) == 0 {
		if rec := h.findResume(); rec != nil {
			return h.offerResume(rec)
		}
	}
	if err := h.enter(flow.start); err != nil {
		return err
	}
	h.input = strings.Join(typed, "*")
	for _, in := range typed {
		if h.out.End {
			break
		}
		if err := h.handle(in); err != nil {
			return err
		}
	}
	return nil
}

// handle applies one input to the current screen.
func (h *hop) handle(input string) error {
	s := h.flow.stepByID(h.st.Step)
	if s == nil {
		return fmt.Errorf("step %q is not in flow %s", h.st.Step, h.flow.name)
	}
	h.secret = h.secret || s.secret || (h.st.Remote != nil && h.st.Remote.Secret)
	if done, err := h.navigate(s, input); done {
		return err
	}
	switch {
	case s.kind == kindMenu:
		return h.choose(s, input)
	case s.kind == kindInput:
		return h.accept(s, input)
	case s.kind == kindRemote && h.st.Remote != nil:
		return h.remoteInput(s, input)
	}
	return fmt.Errorf("step %s shows no screen", s.id)
}

// enter runs steps from id until one shows a screen or ends the session.
func (h *hop) enter(id string) error {
	for {
		if h.steps++; h.steps > maxStepsPerHop {
			return errors.New("more than 64 steps in one hop: a loop of steps without a screen")
		}
		s := h.flow.steps[id]
		if s == nil {
			return fmt.Errorf("step %q is not in flow %s", id, h.flow.name)
		}
		if s.submit != "" {
			h.submit(s.submit)
		}
		switch s.kind {
		case kindMenu, kindInput:
			h.st.Step, h.st.Page, h.st.Attempts, h.st.Remote = id, 0, 0, nil
			return h.show("")
		case kindEnd:
			return h.end(s.text, id)
		case kindSwitch:
			id = h.route(s)
		case kindSet:
			if err := h.assign(s.set); err != nil {
				return err
			}
			id = s.next
		case kindRemote:
			next, err := h.remote(s, phaseEnter, "")
			if err != nil || next == "" {
				return err
			}
			id = next
		}
	}
}

// forward leaves the current screen for another, remembering it for back.
func (h *hop) forward() {
	h.st.push(frame{Step: h.st.Step, Page: h.st.Page})
	h.st.Page, h.st.Attempts = 0, 0
}

// choose applies a menu option.
func (h *hop) choose(s *step, input string) error {
	for _, o := range s.options {
		if o.key != input {
			continue
		}
		switch o.action {
		case actionContinue:
			return h.continueResume()
		case actionStartAgain:
			return h.startAgain()
		}
		if err := h.assign(o.set); err != nil {
			return err
		}
		if o.submit != "" {
			h.submit(o.submit)
		}
		if !o.end.isZero() {
			return h.end(o.end, s.id+"/"+o.key)
		}
		h.forward()
		return h.enter(o.next)
	}
	return h.invalid(s, s.retry.invalid)
}

// accept validates and saves an input step's entry.
func (h *hop) accept(s *step, input string) error {
	if input == "" {
		return h.invalid(s, s.retry.invalid)
	}
	value, failed := validate(s.validators, input)
	if failed >= 0 {
		msg := s.validators[failed].err
		if msg.isZero() {
			msg = s.retry.invalid
		}
		return h.invalid(s, msg)
	}
	h.st.setVar(s.save, value, s.secret)
	h.forward()
	return h.enter(s.next)
}

// invalid counts a wrong entry: the same screen again with msg above it,
// or on_exhausted once the step's attempts are used up.
func (h *hop) invalid(s *step, msg tmplText) error {
	h.st.Attempts++
	if h.st.Attempts >= s.retry.maxAttempts {
		h.st.Attempts = 0
		if s.id == resumeStep {
			return h.startAgain()
		}
		return h.outcome(s, s.retry.onExhausted, "exhausted")
	}
	notice, err := h.render(msg)
	if err != nil {
		return err
	}
	return h.show(notice)
}

// outcome follows on_exhausted or on_error.
func (h *hop) outcome(s *step, o outcome, tag string) error {
	if !o.end.isZero() {
		return h.end(o.end, s.id+"/"+tag)
	}
	if o.next == "" {
		return fmt.Errorf("step %s: no %s outcome", s.id, tag)
	}
	return h.enter(o.next)
}

// route picks a switch step's first case whose conditions all hold.
func (h *hop) route(s *step) string {
	for _, c := range s.cases {
		ok := true
		for _, k := range c.when {
			ok = ok && k.holds(h.lookup(k.name))
		}
		if ok {
			return c.next
		}
	}
	return "" // unreachable after lint: every switch has a default
}

// lookup reads a variable or a reserved name for a condition.
func (h *hop) lookup(name string) string {
	switch name {
	case "lang":
		return h.st.Lang
	case "phoneNumber":
		return h.req.PhoneNumber
	case "networkCode":
		return h.req.NetworkCode
	case "serviceCode":
		return h.req.ServiceCode
	case "sessionId":
		return h.req.SessionID
	}
	return h.st.Vars[name]
}

// assign evaluates every value before setting any, so their order does
// not matter; "lang" switches the session language.
func (h *hop) assign(as []assignment) error {
	vals := make([]string, len(as))
	for i, a := range as {
		v, err := h.render(a.value)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	for i, a := range as {
		if a.name == "lang" {
			if h.flow.hasLang(vals[i]) {
				h.st.Lang = vals[i]
			}
			continue
		}
		h.st.setVar(a.name, vals[i], false)
	}
	return nil
}

func (h *hop) submit(name string) {
	h.subs = append(h.subs, Submission{Name: name, Inputs: h.st.publicVars()})
}

// apologise ends the session with the apology.
func (h *hop) apologise(err error) {
	flow := ""
	if h.st != nil {
		flow = h.st.Flow
		h.st.Ended = true
	}
	h.e.observe(Event{Kind: EventApology, SessionID: h.req.SessionID, Flow: flow, Err: err})
	h.out = Response{End: true, Text: h.e.opts.Apology, ScreenID: "apology"}
}
