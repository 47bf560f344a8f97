package ussd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Engine answers USSD hops from a MenuSet, keeping each session in a
// SessionStore so that any instance can answer any hop. It is safe for
// concurrent use.
type Engine struct {
	set      atomic.Pointer[MenuSet]
	mu       sync.RWMutex
	versions map[string]*version // flow + "@" + version
	sessions SessionStore
	resume   SessionStore // nil: no resume
	remote   Remote       // nil: remote steps take their on_error
	opts     Options
}

// version is a flow as some MenuSet loaded it; retired is when a Swap
// replaced it (zero while current).
type version struct {
	flow    *menuFlow
	retired time.Time
}

// maxTries bounds re-reads after losing a compare-and-set race.
const maxTries = 4

// New returns an engine answering from set (the built-in demo when nil),
// keeping sessions and resume records in the two stores. resume may be
// nil (or opts.ResumeWindow zero) to turn resume off, and remote nil when
// no flow has remote steps.
func New(set *MenuSet, sessions, resume SessionStore, remote Remote, opts Options) *Engine {
	opts = opts.withDefaults()
	if set == nil {
		set = Demo(opts)
	}
	if opts.ResumeWindow == 0 {
		resume = nil
	}
	e := &Engine{versions: map[string]*version{}, sessions: sessions, resume: resume, remote: remote, opts: opts}
	e.Swap(set)
	return e
}

// Swap installs a new MenuSet atomically. Sessions already running keep
// the flow version they started on: the engine keeps every version it has
// loaded for as long as a session or resume record may name it.
func (e *Engine) Swap(set *MenuSet) {
	now := time.Now()
	keep := e.opts.SessionTTL + e.opts.ResumeWindow
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, v := range e.versions {
		if v.retired.IsZero() {
			v.retired = now
		} else if now.Sub(v.retired) > keep {
			delete(e.versions, k)
		}
	}
	for _, f := range set.flows {
		e.versions[f.name+"@"+f.version] = &version{flow: f}
	}
	e.set.Store(set)
}

// MenuSet returns the set new sessions start on.
func (e *Engine) MenuSet() *MenuSet { return e.set.Load() }

// flowFor finds the flow a session runs on: its own version when this
// instance loaded it (exact), else the current flow of that name.
func (e *Engine) flowFor(name, ver string) (f *menuFlow, exact bool) {
	e.mu.RLock()
	v := e.versions[name+"@"+ver]
	e.mu.RUnlock()
	if v != nil {
		return v.flow, true
	}
	return e.set.Load().flows[name], false
}

// End removes a session's state, when the provider says the session is
// over. It writes nothing else: a resume record stays, since an
// unfinished session is what it is for.
func (e *Engine) End(ctx context.Context, sessionID string) error {
	return e.sessions.Delete(ctx, storeKey(sessionID))
}

// Hop answers one hop. It always returns a screen: any failure inside
// (store, menu, remote, a panic) ends the session with the apology.
func (e *Engine) Hop(ctx context.Context, req Request) (resp Response) {
	start := time.Now()
	ctx, cancel := context.WithDeadline(ctx, start.Add(e.opts.HopBudget))
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			resp = e.apology(req, "", fmt.Errorf("panic: %v", r))
		}
	}()
	key := storeKey(req.SessionID)
	for try := 0; try < maxTries; try++ {
		raw, rev, err := e.sessions.Get(ctx, key)
		if err != nil {
			return e.apology(req, "", fmt.Errorf("session store get: %w", err))
		}
		st, err := decodeState(raw)
		if err != nil {
			return e.apology(req, "", fmt.Errorf("session state unreadable: %w", err))
		}
		if resp, ok := e.replay(req, st); ok {
			return resp
		}
		h := e.newHop(ctx, req, st, start)
		next, resp := h.run()
		ok, err := e.save(ctx, key, raw == nil, rev, next)
		if err != nil {
			return e.apology(req, next.Flow, fmt.Errorf("session store write: %w", err))
		}
		if ok {
			return resp
		}
		e.observe(Event{Kind: EventConflict, SessionID: req.SessionID, Flow: next.Flow, Step: next.Step})
	}
	return e.apology(req, "", errors.New("session kept changing under concurrent hops"))
}

// replay answers a hop the session has already answered: the same text
// sent again (a retry, or a duplicate that lost the race), an earlier text
// arriving late, or anything after the session ended.
func (e *Engine) replay(req Request, st *state) (Response, bool) {
	if st == nil {
		return Response{}, false
	}
	_, kind := newestInput(st.LastText, req.Text)
	if kind != textSame && kind != textStale && !st.Ended {
		return Response{}, false
	}
	e.observe(Event{Kind: EventReplay, SessionID: req.SessionID, Flow: st.Flow, Step: st.Step})
	l := st.LastResponse
	return Response{End: l.End, Text: l.Text, ScreenID: l.ScreenID, Input: l.Input, InputSecret: l.InputSecret,
		MaskedText: st.Masked, Replayed: true, Submissions: l.Submissions, Flow: st.Flow, Version: st.Version}, true
}

// MaskInput returns a session's cumulative input (as the provider's
// end-of-session report repeats it) with every secret input masked, for
// publishing. Without the session's state it cannot tell secret inputs
// from others, so it masks every one.
func (e *Engine) MaskInput(ctx context.Context, sessionID, input string) string {
	raw, _, err := e.sessions.Get(ctx, storeKey(sessionID))
	st, derr := decodeState(raw)
	if err != nil || derr != nil || st == nil {
		// With the session gone we cannot tell which inputs were secret:
		// mask them all, unless no loaded menu can ask for a secret.
		if !e.MenuSet().mayHoldSecrets() {
			return input
		}
		return maskAll(input)
	}
	rest, kind := newestInput(st.LastText, input)
	switch {
	case kind == textSame:
		return st.Masked
	case kind != textNew:
		return maskAll(input)
	}
	secret := false
	if f, _ := e.flowFor(st.Flow, st.Version); f != nil {
		s := f.stepByID(st.Step)
		secret = s == nil || s.secret || st.Remote != nil && st.Remote.Secret
	}
	return appendInput(st.Masked, rest, secret)
}

func (e *Engine) save(ctx context.Context, key string, create bool, rev uint64, st *state) (bool, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return false, err
	}
	if create {
		_, ok, err := e.sessions.Create(ctx, key, data)
		return ok, err
	}
	_, ok, err := e.sessions.Update(ctx, key, data, rev)
	return ok, err
}

// apology is the END screen for a hop the engine could not answer, when
// not even the session could be saved.
func (e *Engine) apology(req Request, flow string, err error) Response {
	e.observe(Event{Kind: EventApology, SessionID: req.SessionID, Flow: flow, Err: err})
	return Response{End: true, Text: e.opts.Apology, ScreenID: "apology", Flow: flow}
}

func (e *Engine) observe(ev Event) {
	if e.opts.Observe != nil {
		e.opts.Observe(ev)
	}
}
