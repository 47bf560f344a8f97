// Package voice runs scripted voice flows: a declarative flow (YAML) per
// called number, compiled to Africa's Talking voice XML one callback at a
// time, with the call's state kept outside the process so any gateway
// instance can answer the next callback.
//
// AT's GetDigits has no retry and no no-input callback, so the engine adds
// them: every GetDigits is followed by a Redirect back to the gateway
// (AT falls through to it when no digits come), invalid digits replay the
// prompt with a message, and a retry limit leads to a configured step.
//
// Like handlers/ussd it knows nothing of HTTP or NATS: it reaches the world
// through ussd.SessionStore and ussd.Remote, and handlers/voiceflow.go
// adapts AT's requests to it.
package voice

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// File is one flow file as written.
type File struct {
	// Flow names the flow; it appears in logs, state and remote subjects.
	Flow string `yaml:"flow"`
	// Numbers are the called numbers (E.164) the flow answers.
	Numbers []string `yaml:"numbers"`
	// Default makes the flow answer every number no flow lists.
	Default bool `yaml:"default"`
	// Retries bounds no-input and invalid attempts per GetDigits; 0 takes
	// the engine's default.
	Retries int                 `yaml:"retries"`
	Start   string              `yaml:"start"`
	Steps   map[string][]Action `yaml:"steps"`
}

// Action is one entry of a step: exactly one field is set. Remote replies
// use the same shape in JSON, so a service scripts a call with the words
// a flow author uses.
type Action struct {
	Say       *Say       `yaml:"say,omitempty" json:"say,omitempty"`
	Play      string     `yaml:"play,omitempty" json:"play,omitempty"`
	GetDigits *GetDigits `yaml:"get_digits,omitempty" json:"get_digits,omitempty"`
	Dial      *Dial      `yaml:"dial,omitempty" json:"dial,omitempty"`
	// Goto hands the call to another step (a Redirect back to the gateway).
	Goto   string  `yaml:"goto,omitempty" json:"goto,omitempty"`
	Remote *Remote `yaml:"remote,omitempty" json:"remote,omitempty"`
	Reject bool    `yaml:"reject,omitempty" json:"reject,omitempty"`
}

// Say speaks Text, which may hold {{name}} templates. In YAML it is a
// plain string or a mapping with text, voice and play_beep.
type Say struct {
	Text     string `yaml:"text" json:"text"`
	Voice    string `yaml:"voice,omitempty" json:"voice,omitempty"`
	PlayBeep bool   `yaml:"play_beep,omitempty" json:"play_beep,omitempty"`
}

// UnmarshalYAML takes the short form `say: "text"` as well as the mapping.
func (s *Say) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s.Text = n.Value
		return nil
	}
	type plain Say
	return n.Decode((*plain)(s))
}

// UnmarshalJSON mirrors UnmarshalYAML for remote replies.
func (s *Say) UnmarshalJSON(b []byte) error {
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return err
	}
	if len(n.Content) != 1 {
		return fmt.Errorf("say: want a string or an object")
	}
	return s.UnmarshalYAML(n.Content[0])
}

// GetDigits collects keypad digits and branches on them.
type GetDigits struct {
	Say         *Say   `yaml:"say,omitempty"`
	Play        string `yaml:"play,omitempty"`
	NumDigits   int    `yaml:"num_digits,omitempty"`
	Timeout     int    `yaml:"timeout,omitempty"` // seconds
	FinishOnKey string `yaml:"finish_on_key,omitempty"`
	// Branches map exact digits (finish key stripped) to a step.
	Branches map[string]string `yaml:"branches,omitempty"`
	// Any takes every non-empty entry no branch matches to a step.
	Any string `yaml:"any,omitempty"`
	// Save keeps the digits under this name for templates and remote steps.
	Save string `yaml:"save,omitempty"`
	// Invalid and NoInput are said before the prompt is replayed.
	Invalid string `yaml:"invalid,omitempty"`
	NoInput string `yaml:"no_input,omitempty"`
	// OnExhausted is the step taken when the retries run out; without it
	// the call ends.
	OnExhausted string `yaml:"on_exhausted,omitempty"`
}

// Dial connects the caller to Numbers.
type Dial struct {
	Numbers     []string `yaml:"numbers" json:"numbers"`
	Sequential  bool     `yaml:"sequential,omitempty" json:"sequential,omitempty"`
	Record      bool     `yaml:"record,omitempty" json:"record,omitempty"`
	CallerID    string   `yaml:"caller_id,omitempty" json:"caller_id,omitempty"`
	MaxDuration int      `yaml:"max_duration,omitempty" json:"max_duration,omitempty"` // seconds
}

// Remote asks a downstream service for the step's actions.
type Remote struct {
	// Subject defaults to <subject prefix>.<flow>.<step>.
	Subject string `yaml:"subject,omitempty"`
	// Timeout is a Go duration ("2s"); empty takes the engine's default.
	Timeout string `yaml:"timeout,omitempty"`
	// MayGoto lists the steps a reply may go to, so reachability is
	// checked at load and a service cannot jump anywhere.
	MayGoto []string `yaml:"may_goto,omitempty"`
}

// kind names the one field set, or "" when none or several are.
func (a Action) kind() string {
	var kinds []string
	add := func(set bool, k string) {
		if set {
			kinds = append(kinds, k)
		}
	}
	add(a.Say != nil, "say")
	add(a.Play != "", "play")
	add(a.GetDigits != nil, "get_digits")
	add(a.Dial != nil, "dial")
	add(a.Goto != "", "goto")
	add(a.Remote != nil, "remote")
	add(a.Reject, "reject")
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}
