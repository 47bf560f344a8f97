package ussd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// state is a session as stored in the SessionStore (JSON, keyed by
// sessionKey). It is small on purpose: a few hundred bytes for a typical
// session, read and written once per hop.
type state struct {
	Flow    string `json:"flow"`
	Version string `json:"version"`
	Step    string `json:"step"`
	Page    int    `json:"page,omitempty"`
	// Stack is the history for back: the screens left to reach this one.
	Stack []frame `json:"stack,omitempty"`
	// Vars are the collected variables; Secret names those from secret
	// inputs (kept for the session's remote steps, never published).
	Vars     map[string]string `json:"vars,omitempty"`
	Secret   []string          `json:"secret,omitempty"`
	Lang     string            `json:"lang,omitempty"`
	Attempts int               `json:"attempts,omitempty"`
	Hop      int               `json:"hop"`
	// LastText is the provider's text on the last hop answered, and
	// LastResponse the answer, so a re-sent hop is answered identically.
	LastText     string   `json:"lastText"`
	LastResponse lastResp `json:"lastResponse"`
	// Masked is LastText with every secret input replaced by "****".
	Masked string `json:"masked,omitempty"`
	// Remote is the screen a remote step is showing, awaiting input.
	Remote *remoteScreen `json:"remote,omitempty"`
	// Resume is the unfinished session offered on the resume screen.
	Resume *resumeRecord `json:"resume,omitempty"`
	// ResumeSaved says a resume record was written for this session, so
	// its END removes it.
	ResumeSaved bool   `json:"resumeSaved,omitempty"`
	ResumeRev   uint64 `json:"resumeRev,omitempty"`
	Ended       bool   `json:"ended,omitempty"`
}

// frame is one screen of history.
type frame struct {
	Step string `json:"step"`
	Page int    `json:"page,omitempty"`
}

// maxStack bounds history; the oldest screens are forgotten first.
const maxStack = 32

// lastResp is the part of a Response replayed for a re-sent hop. A secret
// step's input is not kept.
type lastResp struct {
	End         bool         `json:"end,omitempty"`
	Text        string       `json:"text"`
	ScreenID    string       `json:"screen"`
	Input       string       `json:"input,omitempty"`
	InputSecret bool         `json:"inputSecret,omitempty"`
	Submissions []Submission `json:"submissions,omitempty"`
}

func decodeState(raw []byte) (*state, error) {
	if raw == nil {
		return nil, nil
	}
	st := new(state)
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, err
	}
	return st, nil
}

func (st *state) isSecret(name string) bool {
	for _, s := range st.Secret {
		if s == name {
			return true
		}
	}
	return false
}

// setVar saves a variable; secret marks it as from a secret input.
func (st *state) setVar(name, value string, secret bool) {
	if st.Vars == nil {
		st.Vars = map[string]string{}
	}
	st.Vars[name] = value
	if secret && !st.isSecret(name) {
		st.Secret = append(st.Secret, name)
	}
}

// publicVars are the variables that may leave the gateway: every one but
// those from secret inputs.
func (st *state) publicVars() map[string]string {
	out := make(map[string]string, len(st.Vars))
	for k, v := range st.Vars {
		if !st.isSecret(k) {
			out[k] = v
		}
	}
	return out
}

func (st *state) push(f frame) {
	st.Stack = append(st.Stack, f)
	if len(st.Stack) > maxStack {
		st.Stack = st.Stack[len(st.Stack)-maxStack:]
	}
}

// storeKey turns an id (a session id, a phone number) into a NATS KV key,
// which allows only [-/_=.a-zA-Z0-9] and no leading, trailing or doubled
// dots. A valid id is kept as is, so keys stay readable; anything else is
// hashed, and so is an id that looks like a hash, so two ids never share
// a key.
func storeKey(id string) string {
	if validKey(id) && !strings.HasPrefix(id, "h=") {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "h=" + hex.EncodeToString(sum[:])
}

func validKey(k string) bool {
	if k == "" || len(k) > 128 || k[0] == '.' || k[len(k)-1] == '.' || strings.Contains(k, "..") {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-/_=.", c) >= 0) {
			return false
		}
	}
	return true
}

// resumeKey is the resume store's key for a caller: the number's digits
// (a '+' is not allowed in a key).
func resumeKey(phone string) string {
	return storeKey(strings.TrimPrefix(phone, "+"))
}

// textKind says how a hop's text relates to the previous one.
type textKind uint8

const (
	textNew      textKind = iota // extends the previous text: input found
	textSame                     // equals it: a re-sent hop
	textStale                    // an earlier text: a late duplicate
	textMismatch                 // neither: input is the last segment
)

// newestInput derives the caller's newest input from the provider's
// cumulative text and the previous hop's. Inputs are joined by '*', but a
// caller can type '*' too, so the input is what follows the previous text
// and its separator, not the last '*'-segment; an empty input ("1*") is an
// input, and invalid. Only when text does not extend the previous one (a
// provider reset, a reseller's prefix) is the last segment taken.
func newestInput(prev, text string) (string, textKind) {
	switch {
	case text == prev:
		return "", textSame
	case prev == "":
		return text, textNew
	case strings.HasPrefix(text, prev+"*"):
		return text[len(prev)+1:], textNew
	case strings.HasPrefix(prev, text+"*") || text == "":
		return "", textStale
	}
	return text[strings.LastIndexByte(text, '*')+1:], textMismatch
}

// secretMask replaces a secret input wherever the text is published.
const secretMask = "****"

// appendInput extends a masked text with one more input.
func appendInput(masked, input string, secret bool) string {
	if secret {
		input = secretMask
	}
	if masked == "" {
		return input
	}
	return masked + "*" + input
}

// maskAll masks every '*'-segment of text, for text whose secret parts
// cannot be told apart (a session this instance has no state for).
func maskAll(text string) string {
	if text == "" {
		return ""
	}
	segs := strings.Split(text, "*")
	for i := range segs {
		segs[i] = secretMask
	}
	return strings.Join(segs, "*")
}
