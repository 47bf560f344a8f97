package ussd

import "time"

// Defaults for Options; DefaultOptions returns them all.
const (
	// DefaultBudget is the longest screen in GSM 7-bit characters,
	// counting the 4-character "CON "/"END " prefix: Safaricom's 160 (the
	// strictest operator limit Africa's Talking quotes) until each
	// operator is verified.
	DefaultBudget = 160
	// DefaultBudgetUCS2 applies to a screen holding any character outside
	// the GSM alphabet. 160 GSM characters are 140 octets; the same 140
	// octets of a USSD string carry 140/2 = 70 UCS-2 characters.
	DefaultBudgetUCS2 = 70
	// DefaultSessionTTL outlives Africa's Talking's ~180 s session.
	DefaultSessionTTL = 180 * time.Second
	// DefaultResumeWindow is how long after its last screen a session that
	// did not finish can be resumed by redialling.
	DefaultResumeWindow = 10 * time.Minute
	// DefaultHopBudget keeps the whole hop well inside Africa's Talking's
	// 10 s deadline.
	DefaultHopBudget = 5 * time.Second
	// DefaultRemoteTimeout bounds one remote step's request.
	DefaultRemoteTimeout = 3 * time.Second
	// DefaultSubjectPrefix starts remote steps' default subjects,
	// <prefix>.<flow>.<step>.
	DefaultSubjectPrefix = "mlango.ussd"
	// DefaultApology ends a session the engine cannot carry on.
	DefaultApology = "Sorry, something went wrong. Please try again later."
)

// Options tunes loading and the engine. Zero fields take the defaults
// above, except ResumeWindow, where zero turns resume off: start from
// DefaultOptions.
type Options struct {
	// Budget is the longest screen in GSM 7-bit characters, prefix
	// included; BudgetByNetwork overrides it per network code ("63902").
	// BudgetUCS2 is the limit for a screen that needs UCS-2.
	Budget          int
	BudgetByNetwork map[string]int
	BudgetUCS2      int
	// SessionTTL is how long the session store keeps a session (the store
	// enforces it); the engine keeps superseded menu versions as long as a
	// session or resume record may still name them.
	SessionTTL time.Duration
	// ResumeWindow: a caller who redials within it after a session that did
	// not reach an END screen is offered to continue. 0 disables resume.
	ResumeWindow time.Duration
	// HopBudget bounds a whole hop, remote steps and store writes included.
	HopBudget time.Duration
	// RemoteTimeout is a remote step's default deadline (a step may set its
	// own, never beyond the hop budget).
	RemoteTimeout time.Duration
	// SubjectPrefix starts remote steps' default subjects.
	SubjectPrefix string
	// Apology is the END screen when something inside the engine fails.
	Apology string
	// Now is the clock for resume records (when a session was last seen);
	// nil means time.Now. Deadlines always use the real clock, since they
	// bound real waiting.
	Now func() time.Time
	// Observe, if set, is told of notable things (see Event). It must not
	// block; events never carry inputs, variables or screen text.
	Observe func(Event)
}

// DefaultOptions returns Options with every default, resume on.
func DefaultOptions() Options {
	return Options{
		Budget:        DefaultBudget,
		BudgetUCS2:    DefaultBudgetUCS2,
		SessionTTL:    DefaultSessionTTL,
		ResumeWindow:  DefaultResumeWindow,
		HopBudget:     DefaultHopBudget,
		RemoteTimeout: DefaultRemoteTimeout,
		SubjectPrefix: DefaultSubjectPrefix,
		Apology:       DefaultApology,
	}
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Budget <= 0 {
		o.Budget = d.Budget
	}
	if o.BudgetUCS2 <= 0 {
		o.BudgetUCS2 = d.BudgetUCS2
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = d.SessionTTL
	}
	if o.ResumeWindow < 0 {
		o.ResumeWindow = 0
	}
	if o.HopBudget <= 0 {
		o.HopBudget = d.HopBudget
	}
	if o.RemoteTimeout <= 0 {
		o.RemoteTimeout = d.RemoteTimeout
	}
	if o.SubjectPrefix == "" {
		o.SubjectPrefix = d.SubjectPrefix
	}
	if o.Apology == "" {
		o.Apology = d.Apology
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// budget returns the screen budget on network.
func (o Options) budget(network string) screenBudget {
	b := screenBudget{GSM: o.Budget, UCS2: o.BudgetUCS2}
	if n, ok := o.BudgetByNetwork[network]; ok && n > 0 {
		b.GSM = n
	}
	return b
}

// strictestBudget is the smallest budget of any network, which static
// screens must fit.
func (o Options) strictestBudget() screenBudget {
	b := screenBudget{GSM: o.Budget, UCS2: o.BudgetUCS2}
	for _, n := range o.BudgetByNetwork {
		if n > 0 && n < b.GSM {
			b.GSM = n
		}
	}
	return b
}

// Event is something the engine tells Options.Observe about, for logs and
// metrics. It names the session, flow and step, and never carries what
// the caller typed or saw.
type Event struct {
	Kind      string
	SessionID string
	Flow      string
	Step      string
	Err       error
}

// Event kinds.
const (
	// EventApology: the hop ended with the apology; Err says why.
	EventApology = "apology"
	// EventPrefixMismatch: text did not extend the previous hop's text;
	// the last '*'-segment was taken as the input.
	EventPrefixMismatch = "prefix_mismatch"
	// EventReplay: a re-sent hop was answered with the previous screen.
	EventReplay = "replay"
	// EventConflict: another writer updated the session first; re-read.
	EventConflict = "conflict"
	// EventRemoteFailed: a remote step took its on_error; Err says why.
	EventRemoteFailed = "remote_failed"
	// EventTruncated: dynamic text was cut to fit the screen budget.
	EventTruncated = "truncated"
	// EventVersionFallback: the session's menu version is unknown here and
	// it continued on the current one.
	EventVersionFallback = "version_fallback"
	// EventResumeOffered and EventResumed: the resume screen was shown,
	// and the caller chose to continue.
	EventResumeOffered = "resume_offered"
	EventResumed       = "resumed"
	// EventResumeStoreFailed: the resume store failed; resume is best
	// effort, so the hop carried on.
	EventResumeStoreFailed = "resume_store_failed"
)
