package ussd

// The remote step protocol, "mlango.ussd.step/v1": what the gateway sends
// a downstream service over NATS request-reply, and what it accepts back.
// A worked example is in testdata/remote-example.json.
//
// Subject: the step's remote.subject, by default
// <prefix>.<flow>.<step> with prefix "mlango.ussd" (Options.SubjectPrefix),
// e.g. mlango.ussd.savings.balance. Any number of services may listen in a
// queue group; the first to answer wins.
//
// Headers (NATS message headers):
//
//	Mlango-Flow      the flow name
//	Mlango-Step      the step id
//	Mlango-Deadline  when the gateway stops waiting (RFC 3339, UTC, ms);
//	                 an answer after it is dropped and on_error is shown
//	Nats-Msg-Id      <sessionId>:<hop>. The same on a duplicate of a hop
//	                 (two gateway instances answering one re-sent hop both
//	                 ask), so a service can drop the duplicate or forward it
//	                 to a JetStream stream that will
//
// The body is a StepRequest in JSON; the reply body a StepReply in JSON.

// Spec is the protocol version in every StepRequest.
const Spec = "mlango.ussd.step/v1"

// Phases of a StepRequest.
const (
	// phaseEnter: the session arrived at the step (forwards, or back).
	phaseEnter = "enter"
	// phaseInput: the caller answered the screen the service showed.
	phaseInput = "input"
)

// StepRequest is the body of a remote step's request.
type StepRequest struct {
	Spec    string `json:"spec"`    // always "mlango.ussd.step/v1"
	Flow    string `json:"flow"`    // flow name
	Version string `json:"version"` // hash of the flow's file, as the session runs it
	Step    string `json:"step"`    // step id
	// Phase is "enter" when the session arrives at the step, and "input"
	// when the caller answered a screen the service showed (Input holds
	// the answer, or the chosen item's value).
	Phase   string      `json:"phase"`
	Session StepSession `json:"session"`
	Input   string      `json:"input,omitempty"`
	// Vars are the session's variables: by default every one except
	// secret inputs; exactly those the step lists in `send` when it has
	// one, secret ones included (the only way a PIN leaves the gateway).
	Vars   map[string]string `json:"vars"`
	Limits StepLimits        `json:"limits"`
}

// StepSession identifies the session and the caller.
type StepSession struct {
	ID          string `json:"id"`           // provider's session id
	Hop         int    `json:"hop"`          // 1 on the first hop, +1 for each
	Phone       string `json:"phone"`        // E.164 where it parses
	ServiceCode string `json:"service_code"` // as dialled
	Network     string `json:"network"`      // MCC+MNC, e.g. 63902
	Lang        string `json:"lang"`         // the session language
	Provider    string `json:"provider"`     // e.g. africastalking
}

// StepLimits is the room a screen has on the caller's network, the
// "CON "/"END " prefix already deducted: Chars for text in the GSM
// alphabet, UCS2Chars for text with any other character. Longer text is
// paged (items) or cut with an ellipsis; it is never an error.
type StepLimits struct {
	Chars     int `json:"chars"`
	UCS2Chars int `json:"ucs2_chars"`
}

// StepReply is a service's answer. It holds exactly one of Next, Screen,
// End, Invalid or Error, plus optionally Set; a reply with only Set
// continues to the step's `next`. Texts are a string or an object of
// language to string ({"en": "…", "sw": "…"}); the session language is
// picked. Anything else (malformed JSON, two of the above, a next that
// names no step, colliding keys) is an invalid reply, treated like no
// answer: the step's on_error.
type StepReply struct {
	// Set saves variables (name: value). "lang" switches the session
	// language when the flow declares it.
	Set map[string]string `json:"set,omitempty"`
	// Next is the step to go to.
	Next string `json:"next,omitempty"`
	// Screen is shown to the caller, who answers it.
	Screen *ReplyScreen `json:"screen,omitempty"`
	// End ends the session with this text.
	End Text `json:"end,omitempty"`
	// Invalid (phase "input" only) rejects the caller's answer: the same
	// screen is shown again with this text above it, counting an attempt
	// (after max_attempts, on_exhausted).
	Invalid Text `json:"invalid,omitempty"`
	// Error says the service cannot answer; the step's on_error follows.
	Error *ReplyError `json:"error,omitempty"`
}

// ReplyScreen is a screen a service shows. With Items it is a menu the
// gateway numbers (1, 2, … skipping navigation keys, unless items carry
// keys) and pages; the chosen item's value is saved to the step's `save`
// variable (default "choice"), then the item's next, else the step's
// item_next, is followed, else the value goes back to the service with
// phase "input". Without items the caller types an answer, sent back with
// phase "input". Back, home, paging, budgets and attempts are the
// gateway's.
type ReplyScreen struct {
	Text  Text        `json:"text"`
	Items []ReplyItem `json:"items,omitempty"`
	// Await is "choice" (the default with items) or "input" (without).
	Await string `json:"await,omitempty"`
	// Secret marks the answer as secret (an OTP): never logged or published.
	Secret bool `json:"secret,omitempty"`
}

// ReplyItem is one option of a ReplyScreen.
type ReplyItem struct {
	Key   string `json:"key,omitempty"`
	Label Text   `json:"label"`
	Value string `json:"value"`
	Next  string `json:"next,omitempty"`
}

// ReplyError is a service's refusal; Code and Message are for logs only,
// never shown.
type ReplyError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Limits on a reply, so one answer cannot bloat the session state.
const (
	maxReplyItems = 100
	maxReplyText  = 1000 // bytes of any one text or value
	maxReplySet   = 32
)
