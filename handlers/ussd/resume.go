package ussd

import (
	"encoding/json"
	"time"
)

// resumeRecord is what the resume store keeps per caller (keyed by
// resumeKey): where their last unfinished session was, so that redialling
// within the window can continue it. Secret inputs are not kept: a PIN
// must not outlive its session, so a resumed flow asks again where it
// needs one.
type resumeRecord struct {
	SessionID string            `json:"sessionId"`
	Flow      string            `json:"flow"`
	Version   string            `json:"version"`
	Step      string            `json:"step"`
	Page      int               `json:"page,omitempty"`
	Stack     []frame           `json:"stack,omitempty"`
	Vars      map[string]string `json:"vars,omitempty"`
	Lang      string            `json:"lang,omitempty"`
	SavedAt   time.Time         `json:"savedAt"`
}

// findResume returns the caller's resumable session, if any: same flow,
// another session, saved within the window. Resume is best effort: a
// store failure means no offer, not an apology.
func (h *hop) findResume() *resumeRecord {
	e := h.e
	if e.resume == nil || h.req.PhoneNumber == "" {
		return nil
	}
	raw, _, err := e.resume.Get(h.ctx, resumeKey(h.req.PhoneNumber))
	if err != nil {
		e.observe(Event{Kind: EventResumeStoreFailed, SessionID: h.req.SessionID, Flow: h.flow.name, Err: err})
		return nil
	}
	var rec resumeRecord
	if raw == nil || json.Unmarshal(raw, &rec) != nil {
		return nil
	}
	age := e.opts.Now().Sub(rec.SavedAt)
	if rec.Flow != h.flow.name || rec.SessionID == h.req.SessionID || age < 0 || age > e.opts.ResumeWindow {
		return nil
	}
	return &rec
}

// offerResume shows "1. Continue 2. Start again", in the language the
// caller last used.
func (h *hop) offerResume(rec *resumeRecord) error {
	h.st.Resume, h.st.Step = rec, resumeStep
	if h.flow.hasLang(rec.Lang) {
		h.st.Lang = rec.Lang
	}
	h.e.observe(Event{Kind: EventResumeOffered, SessionID: h.req.SessionID, Flow: h.flow.name, Step: rec.Step})
	return h.show("")
}

// continueResume restores the offered session's place, on the version it
// ran (or the current one if that has its step), and shows its screen; a
// remote step's screen is asked for again.
func (h *hop) continueResume() error {
	rec := h.st.Resume
	if rec == nil {
		return h.startAgain()
	}
	flow, _ := h.e.flowFor(rec.Flow, rec.Version)
	if flow == nil || flow.steps[rec.Step] == nil {
		return h.startAgain()
	}
	st := h.st
	h.flow, st.Version = flow, flow.version
	st.Step, st.Page, st.Stack, st.Vars = rec.Step, rec.Page, rec.Stack, rec.Vars
	st.Resume, st.Attempts, st.Remote = nil, 0, nil
	h.e.observe(Event{Kind: EventResumed, SessionID: h.req.SessionID, Flow: flow.name, Step: rec.Step})
	s := flow.steps[rec.Step]
	if s.kind != kindRemote {
		return h.show("")
	}
	next, err := h.remote(s, phaseEnter, "")
	if err != nil || next == "" {
		return err
	}
	return h.enter(next)
}

// startAgain drops the offer (and the caller's record) and starts fresh.
func (h *hop) startAgain() error {
	st := h.st
	st.Resume, st.Stack, st.Vars, st.Secret, st.Page = nil, nil, nil, nil, 0
	st.Lang = h.flow.defaultLang()
	h.dropResume = true
	return h.enter(h.flow.start)
}

// worthResuming: a session past its first screen, still open.
func worthResuming(st *state) bool {
	return !st.Ended && st.Step != resumeStep && (len(st.Stack) > 0 || len(st.publicVars()) > 0)
}

// saveResume keeps the caller's resume record in step with the session:
// written on every open screen worth resuming, removed when the session
// ends or the caller starts again. The record's revision is kept in the
// session so the usual hop costs one write, not a read and a write.
func (h *hop) saveResume() error {
	e, st := h.e, h.st
	if e.resume == nil || h.req.PhoneNumber == "" || st.Flow == "" {
		return nil
	}
	key := resumeKey(h.req.PhoneNumber)
	if st.Ended || h.dropResume {
		if st.ResumeSaved || h.dropResume {
			st.ResumeSaved, st.ResumeRev = false, 0
			return e.resume.Delete(h.ctx, key)
		}
		return nil
	}
	if !worthResuming(st) {
		return nil
	}
	data, err := json.Marshal(resumeRecord{SessionID: h.req.SessionID, Flow: st.Flow, Version: st.Version,
		Step: st.Step, Page: st.Page, Stack: st.Stack, Vars: st.publicVars(), Lang: st.Lang, SavedAt: e.opts.Now()})
	if err != nil {
		return err
	}
	rev, err := h.putResume(key, data)
	if err != nil {
		return err
	}
	st.ResumeSaved, st.ResumeRev = true, rev
	return nil
}

// putResume writes the record: an update at the revision this session
// last wrote, else (first write, or someone else wrote since) at the
// revision the store has now.
func (h *hop) putResume(key string, data []byte) (uint64, error) {
	store := h.e.resume
	if rev := h.st.ResumeRev; rev != 0 {
		if n, ok, err := store.Update(h.ctx, key, data, rev); err != nil || ok {
			return n, err
		}
	}
	raw, rev, err := store.Get(h.ctx, key)
	if err != nil {
		return 0, err
	}
	var ok bool
	var n uint64
	if raw == nil {
		n, ok, err = store.Create(h.ctx, key, data)
	} else {
		n, ok, err = store.Update(h.ctx, key, data, rev)
	}
	if err == nil && !ok {
		return 0, nil // another session of this caller wrote in between: theirs stands
	}
	return n, err
}
