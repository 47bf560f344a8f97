package ussd

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The types below are the menu language as written in YAML, decoded
// strictly (an unknown key is an error); compile turns them into the Flow
// the engine runs. demo.yaml is the annotated first example. In brief:
//
//	flow: savings                  required; a-z 0-9 _, the NATS subject token
//	service_codes: ["*384*44135#"] "*384*44135*2#" then selects it with 2 typed
//	default: true                  answers codes no flow lists (a lone flow does)
//	lang: {default: en, available: [en, sw]}
//	start: welcome                 required
//	nav: {back: "0", home: "00", more: "98", show: [back]}   the defaults
//	defaults:                      for every step that sets none
//	  max_attempts: 3
//	  on_exhausted: {end: TEXT} or {next: STEP}  (default: texts.exhausted)
//	  on_error: {end: TEXT} or {next: STEP}      remote steps' fallback
//	  timeout: 3s                                remote steps' deadline
//	texts: {more: {en: More, sw: Zaidi}, ...}   built-in strings: invalid,
//	                invalid_input, exhausted, more, back, home, resume,
//	                continue, start_again
//	steps:
//	  ID:                          A-Z a-z 0-9 _ -, one kind per step, and
//	    submit: EVENT              on entering: a Submission of the variables
//	    menu:   {text, options: [{key?, label, next | end, set?, submit?}],
//	             invalid?, max_attempts?, on_exhausted?, nav?: {back, home}}
//	    input:  {text, save: VAR, validate?: [RULE], secret?, next,
//	             invalid?, max_attempts?, on_exhausted?, nav?}
//	    end:    TEXT
//	    switch: [{when: COND or [COND…], next: STEP}, …, {default: STEP}]
//	    set:    {VAR: TEMPLATE, lang: CODE}   with next: STEP beside it
//	    remote: {subject?, timeout?, send?: [VAR], returns?: [VAR],
//	             save?: VAR, item_next?, next?, on_error?, invalid?,
//	             max_attempts?, on_exhausted?, nav?}
//
//	RULE: {regex: RE | numeric: true | between: [LO, HI] | len: N or [MIN, MAX]
//	       | phone: true or "+254" | in: [A, B], error?: TEXT}
//	COND: {var: NAME, eq | ne: S | in: [S…] | empty: true | not_empty: true
//	       | gt | ge | lt | le: NUMBER}
//	TEXT: "a string" or {en: …, sw: …}, a Go template (see tmplText)

type fileYAML struct {
	Flow         string              `yaml:"flow"`
	ServiceCodes []string            `yaml:"service_codes"`
	Default      bool                `yaml:"default"`
	Lang         langYAML            `yaml:"lang"`
	Start        string              `yaml:"start"`
	Nav          navYAML             `yaml:"nav"`
	Defaults     defaultsYAML        `yaml:"defaults"`
	Texts        map[string]Text     `yaml:"texts"`
	Steps        map[string]stepYAML `yaml:"steps"`
}

type langYAML struct {
	Default   string   `yaml:"default"`
	Available []string `yaml:"available"`
}

type navYAML struct {
	Back string    `yaml:"back"`
	Home string    `yaml:"home"`
	More string    `yaml:"more"`
	Show *[]string `yaml:"show"`
}

type defaultsYAML struct {
	MaxAttempts int          `yaml:"max_attempts"`
	OnExhausted *outcomeYAML `yaml:"on_exhausted"`
	OnError     *outcomeYAML `yaml:"on_error"`
	Timeout     duration     `yaml:"timeout"`
}

// stepYAML holds exactly one kind (menu, input, end, switch, set, remote).
type stepYAML struct {
	Menu   *menuYAML         `yaml:"menu"`
	Input  *inputYAML        `yaml:"input"`
	End    Text              `yaml:"end"`
	Switch []caseYAML        `yaml:"switch"`
	Set    map[string]string `yaml:"set"`
	Remote *remoteYAML       `yaml:"remote"`
	Next   string            `yaml:"next"` // after set
	Submit string            `yaml:"submit"`
}

// retryYAML is what every screen that takes input shares.
type retryYAML struct {
	Invalid     Text         `yaml:"invalid"`
	MaxAttempts int          `yaml:"max_attempts"`
	OnExhausted *outcomeYAML `yaml:"on_exhausted"`
	Nav         *stepNavYAML `yaml:"nav"`
}

type menuYAML struct {
	Text      Text         `yaml:"text"`
	Options   []optionYAML `yaml:"options"`
	retryYAML `yaml:",inline"`
}

type optionYAML struct {
	Key    string            `yaml:"key"`
	Label  Text              `yaml:"label"`
	Next   string            `yaml:"next"`
	End    Text              `yaml:"end"`
	Set    map[string]string `yaml:"set"`
	Submit string            `yaml:"submit"`
}

type inputYAML struct {
	Text      Text            `yaml:"text"`
	Save      string          `yaml:"save"`
	Validate  []validatorYAML `yaml:"validate"`
	Secret    bool            `yaml:"secret"`
	Next      string          `yaml:"next"`
	retryYAML `yaml:",inline"`
}

type validatorYAML struct {
	Regex   *string   `yaml:"regex"`
	Numeric bool      `yaml:"numeric"`
	Between []float64 `yaml:"between"`
	Len     *lenYAML  `yaml:"len"`
	Phone   *string   `yaml:"phone"`
	In      []string  `yaml:"in"`
	Error   Text      `yaml:"error"`
}

// lenYAML is `len: 4` (exactly) or `len: [min, max]`.
type lenYAML struct{ Min, Max int }

func (l *lenYAML) UnmarshalYAML(n *yaml.Node) error {
	var one int
	if n.Kind == yaml.ScalarNode && n.Decode(&one) == nil {
		l.Min, l.Max = one, one
		return nil
	}
	var two []int
	if err := n.Decode(&two); err != nil || len(two) != 2 {
		return &yaml.TypeError{Errors: []string{lineOf(n) + "len: want a length such as 4 or [min, max] such as [4, 6]"}}
	}
	l.Min, l.Max = two[0], two[1]
	return nil
}

type caseYAML struct {
	When    condList `yaml:"when"`
	Next    string   `yaml:"next"`
	Default string   `yaml:"default"`
}

// condList is one condition or a list of them, all of which must hold.
type condList []condYAML

func (c *condList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		var l []condYAML
		err := n.Decode(&l)
		*c = l
		return err
	}
	var one condYAML
	err := n.Decode(&one)
	*c = condList{one}
	return err
}

type condYAML struct {
	Var      string   `yaml:"var"`
	Eq       *string  `yaml:"eq"`
	Ne       *string  `yaml:"ne"`
	In       []string `yaml:"in"`
	Empty    bool     `yaml:"empty"`
	NotEmpty bool     `yaml:"not_empty"`
	Gt       *float64 `yaml:"gt"`
	Ge       *float64 `yaml:"ge"`
	Lt       *float64 `yaml:"lt"`
	Le       *float64 `yaml:"le"`
}

type remoteYAML struct {
	Subject   string       `yaml:"subject"`
	Timeout   duration     `yaml:"timeout"`
	Send      *[]string    `yaml:"send"`
	Returns   []string     `yaml:"returns"`
	Save      string       `yaml:"save"`
	ItemNext  string       `yaml:"item_next"`
	Next      string       `yaml:"next"`
	OnError   *outcomeYAML `yaml:"on_error"`
	retryYAML `yaml:",inline"`
}

// outcomeYAML is where on_exhausted and on_error lead: a step, or an END
// screen with a text.
type outcomeYAML struct {
	Next string `yaml:"next"`
	End  Text   `yaml:"end"`
}

type stepNavYAML struct {
	Back *bool `yaml:"back"`
	Home *bool `yaml:"home"`
}

// duration reads "3s", "500ms" or a whole number of seconds.
type duration time.Duration

func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	s := strings.TrimSpace(n.Value)
	if secs, err := strconv.Atoi(s); err == nil && n.Kind == yaml.ScalarNode {
		*d = duration(time.Duration(secs) * time.Second)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("%s%q is not a duration; want e.g. 3s or 500ms", lineOf(n), s)}}
	}
	*d = duration(v)
	return nil
}
