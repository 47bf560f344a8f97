package ussd

import (
	"regexp"
	"time"
)

// menuFlow is one compiled menu: a graph of steps the engine walks, loaded
// from one YAML file and identified by its name and a hash of its source.
type menuFlow struct {
	name, version, file string
	codes               []string
	isDefault           bool
	langs               []string // declared languages, default first
	start               string
	nav                 navKeys
	steps               map[string]*step
	order               []string // step ids as written, for lint and graph
	texts               map[string]tmplText
	resume              *step // the built-in "1. Continue 2. Start again" menu
	// hasSecrets: some input is secret, or a remote screen may be.
	hasSecrets bool
}

// navKeys are a flow's navigation keys and which of them menus list.
type navKeys struct {
	back, home, more   string
	showBack, showHome bool
}

type kind uint8

const (
	kindMenu kind = iota + 1
	kindInput
	kindEnd
	kindSwitch
	kindSet
	kindRemote
)

var kindNames = map[kind]string{
	kindMenu: "menu", kindInput: "input", kindEnd: "end",
	kindSwitch: "switch", kindSet: "set", kindRemote: "remote",
}

func (k kind) String() string { return kindNames[k] }

// step is one node of a flow. Fields beyond id, kind and submit are used
// by the kinds noted beside them.
type step struct {
	id     string
	kind   kind
	line   int
	submit string

	text    tmplText // menu, input: prompt; end: the END screen
	options []option // menu
	retry   retry    // menu, input, remote screens

	save       string // input; remote: where a chosen item's value goes
	validators []validator
	secret     bool
	next       string // input, set; remote: after a reply that only sets

	cases  []switchCase
	set    []assignment
	remote *remoteStep
}

// retry is how a screen answers input it cannot use.
type retry struct {
	invalid     tmplText // shown above the screen; empty: the flow's text
	maxAttempts int      // tries in all before onExhausted
	onExhausted outcome
	back, home  bool // whether the nav keys apply here
	// inBack and inHome: whether they apply on a remote step's free-input
	// screen, which (like an input step) takes them only when the step
	// turns them on.
	inBack, inHome bool
}

type option struct {
	key    string
	label  tmplText
	next   string
	end    tmplText
	set    []assignment
	submit string
	action action // built-in behaviour of the resume menu
}

type action uint8

const (
	actionNone action = iota
	actionContinue
	actionStartAgain
)

// assignment sets a variable (or, named "lang", the session language)
// from a template.
type assignment struct {
	name  string
	value tmplText
}

// outcome is where on_exhausted and on_error lead: a step, or an END
// screen. Neither set means none was configured.
type outcome struct {
	next string
	end  tmplText
}

func (o outcome) isSet() bool { return o.next != "" || !o.end.isZero() }

type switchCase struct {
	when []condition // all must hold; none: the default case
	next string
}

type condition struct {
	name string // a variable, or a reserved name (lang, phoneNumber…)
	op   string // eq ne in empty not_empty gt ge lt le
	str  string
	set  []string
	num  float64
}

type validator struct {
	rule    string // regex numeric between len phone in
	re      *regexp.Regexp
	lo, hi  float64
	set     []string
	calling string // phone: calling code for national numbers ("+254")
	err     tmplText
}

type remoteStep struct {
	subject  string
	timeout  time.Duration
	send     []string // nil: every non-secret variable
	returns  []string
	itemNext string
	onError  outcome
}

// Reserved names: template data fields and variables a condition may read
// besides collected ones. Flows may not save variables under these names.
var reservedNames = map[string]bool{
	"lang": true, "phoneNumber": true, "serviceCode": true, "networkCode": true, "sessionId": true, "vars": true,
}

// resumeStep is the id of the built-in resume screen; ids written in YAML
// cannot start with '_'.
const resumeStep = "_resume"

// stepByID returns the step, including the built-in resume screen.
func (f *menuFlow) stepByID(id string) *step {
	if id == resumeStep {
		return f.resume
	}
	return f.steps[id]
}

// text returns a built-in text, as the flow overrides it.
func (f *menuFlow) text(name string) tmplText { return f.texts[name] }

func (f *menuFlow) defaultLang() string { return f.langs[0] }

// hasLang reports whether lang is one the flow declares.
func (f *menuFlow) hasLang(lang string) bool {
	for _, l := range f.langs {
		if l == lang {
			return true
		}
	}
	return false
}
