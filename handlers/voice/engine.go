package voice

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mlango/mlango/handlers/ussd"
	"github.com/mlango/mlango/handlers/voicexml"
)

// ErrForged is Step's answer to a callback whose token does not sign its
// session and step.
var ErrForged = errors.New("voice: step callback with a missing or wrong token")

// Options tune the engine.
type Options struct {
	Retries       int           // GetDigits attempts when a flow sets none
	RemoteTimeout time.Duration // a remote step's default deadline
	SubjectPrefix string        // remote subjects: <prefix>.<flow>.<step>
	Secret        []byte        // signs callback URLs
	// Apology is said before hanging up when a remote step fails or the
	// call's state is lost.
	Apology string
	Observe func(Event) // nil: nothing reported
}

// Event is something the engine reports for logging.
type Event struct {
	Kind      string // "apology", "remote_failed", "state_failed", "forged"
	SessionID string
	Flow      string
	Step      string
	Err       error
}

// Call is what every AT callback says about the call, plus how the
// gateway is reached from AT.
type Call struct {
	SessionID         string
	CallerNumber      string
	DestinationNumber string
	// Base is the gateway's absolute URL ("https://gw.example.com"); Key,
	// when set, is the AT route token carried as ?key= so AT's callbacks
	// pass the guard.
	Base string
	Key  string
}

// StepRequest is a callback to a step URL.
type StepRequest struct {
	Step  string
	Token string
	Event string // EventNoInput for the Redirect after a GetDigits
	// Digits is dtmfDigits; HasDigits is false when AT sent none.
	Digits    string
	HasDigits bool
}

// state is what KV keeps per call, keyed by session id.
type state struct {
	Flow     string            `json:"flow"`
	Step     string            `json:"step"`
	Attempts int               `json:"attempts"`
	Digits   string            `json:"digits,omitempty"`
	Values   map[string]string `json:"values,omitempty"`
}

// Engine answers AT's voice callbacks from a Set of flows.
type Engine struct {
	set    atomic.Pointer[Set]
	store  ussd.SessionStore
	remote ussd.Remote
	o      Options
}

// New returns an engine over set; state lives in store, remote steps ask
// through remote.
func New(set *Set, store ussd.SessionStore, remote ussd.Remote, o Options) *Engine {
	if o.Retries <= 0 {
		o.Retries = 3
	}
	if o.RemoteTimeout <= 0 {
		o.RemoteTimeout = 3 * time.Second
	}
	if o.Apology == "" {
		o.Apology = "Sorry, we cannot take your call right now. Please try again later."
	}
	e := &Engine{store: store, remote: remote, o: o}
	e.set.Store(set)
	return e
}

// Swap replaces the flows; calls in flight continue by flow name.
func (e *Engine) Swap(set *Set) { e.set.Store(set) }

// End forgets a finished call's state.
func (e *Engine) End(ctx context.Context, sessionID string) error {
	return e.store.Delete(ctx, sessionID)
}

func (e *Engine) observe(ev Event) {
	if e.o.Observe != nil {
		e.o.Observe(ev)
	}
}

// apology is the answer when the flow cannot go on: said, then hung up.
func (e *Engine) apology(c Call, step string, err error) []byte {
	e.observe(Event{Kind: "apology", SessionID: c.SessionID, Step: step, Err: err})
	b, bErr := voicexml.Build(voicexml.Say{Text: e.o.Apology})
	if bErr != nil {
		b, _ = voicexml.Build()
	}
	return b
}

// Hangup is the answer to a forged callback: an empty Response, which
// ends the call.
func Hangup() []byte {
	b, _ := voicexml.Build()
	return b
}

// link builds step URLs for one call: absolute, signed, guard key kept.
func (e *Engine) link(c Call, current string) linker {
	return func(step, event string) string {
		if step == "" {
			step = current
		}
		var b strings.Builder
		b.WriteString(strings.TrimSuffix(c.Base, "/"))
		b.WriteString(StepPath)
		b.WriteString(step)
		b.WriteString("?t=")
		b.WriteString(Token(e.o.Secret, c.SessionID, step))
		if event != "" {
			b.WriteString("&e=" + event)
		}
		if c.Key != "" {
			b.WriteString("&key=" + queryEscape(c.Key))
		}
		return b.String()
	}
}

// StepPath starts every step callback URL; the step name follows.
const StepPath = "/api/voice/step/"

func encodeState(s *state) []byte {
	b, _ := json.Marshal(s)
	return b
}
