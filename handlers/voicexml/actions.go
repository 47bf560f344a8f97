// Package voicexml builds and checks the voice XML Africa's Talking runs
// while a call is up: a <Response> of actions (Say, Play, GetDigits, Dial,
// Record, Enqueue, Dequeue, Conference, Redirect, Reject). Build and
// Validate share one rule table (rules.go), so what Mlango writes and what
// it accepts from a downstream service obey the same rules, taken from
// ../shared/reference/africastalking.md section 5c.
//
// It is built over github.com/beevik/etree, the project's voice XML
// library, which does all escaping. It must not import normalize or the
// HTTP layer: handlers use it, never the other way round.
package voicexml

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Action is one voice action under <Response>. Only this package's types
// implement it, so every action Build sees has a rule.
type Action interface {
	element() *etree.Element
}

// Prompt is what GetDigits and Record may hold: Say or Play.
type Prompt interface {
	Action
	prompt()
}

// Say speaks Text. Voice is "man" or "woman" (AT's default is woman; newer
// accounts also take Google voice names such as "en-US-Standard-C").
type Say struct {
	Text     string
	Voice    string
	PlayBeep bool
}

// Play plays the audio file at URL.
type Play struct {
	URL string
}

// GetDigits plays Prompt and collects keypad digits, which AT posts as
// dtmfDigits to CallbackURL (or the number's callback URL). Zero integers
// and empty strings are left out, so AT's defaults apply.
type GetDigits struct {
	Prompt      Prompt
	NumDigits   int
	Timeout     int // seconds; AT's default is 30
	FinishOnKey string
	CallbackURL string
}

// Dial connects the caller to PhoneNumbers (E.164 numbers or AT SIP
// addresses), all at once or, with Sequential, one after another.
type Dial struct {
	PhoneNumbers []string
	Record       bool
	Sequential   bool
	CallerID     string
	// RingBackTone is written ringBackTone, as AT's attribute table and
	// Java SDK spell it; Validate also accepts ringbackTone (docs/voice.md).
	RingBackTone string
	MaxDuration  int // seconds
}

// Record is the partial recording: it plays Prompt, records until
// FinishOnKey, MaxLength, Timeout or hang-up, then AT posts recordingUrl.
type Record struct {
	Prompt      Prompt
	FinishOnKey string
	MaxLength   int // seconds
	Timeout     int // seconds; AT's default is 3600
	TrimSilence bool
	PlayBeep    bool
	CallbackURL string
}

// RecordCall is Record's terminal form, <Record/>: it records the rest of
// the call; the URL arrives in the final notification and nothing after it
// runs.
type RecordCall struct{}

// Enqueue puts the caller in the queue Name with HoldMusic playing.
type Enqueue struct {
	HoldMusic string
	Name      string
}

// Dequeue connects the caller to the next call queued on PhoneNumber (the
// AT number queued callers dialled), from queue Name when set.
type Dequeue struct {
	PhoneNumber string
	Name        string
}

// Conference joins the caller to the number's one conference.
type Conference struct{}

// Redirect hands the call to URL, which AT posts to from then on.
type Redirect struct {
	URL string
}

// Reject refuses an inbound call without usage charges.
type Reject struct{}

func (Say) prompt()  {}
func (Play) prompt() {}

func (a Say) element() *etree.Element {
	e := etree.NewElement("Say")
	setAttr(e, "voice", a.Voice)
	setBool(e, "playBeep", a.PlayBeep)
	e.SetText(a.Text)
	return e
}

func (a Play) element() *etree.Element {
	e := etree.NewElement("Play")
	e.CreateAttr("url", a.URL)
	return e
}

func (a GetDigits) element() *etree.Element {
	e := etree.NewElement("GetDigits")
	setInt(e, "numDigits", a.NumDigits)
	setInt(e, "timeout", a.Timeout)
	setAttr(e, "finishOnKey", a.FinishOnKey)
	setAttr(e, "callbackUrl", a.CallbackURL)
	addPrompt(e, a.Prompt)
	return e
}

func (a Dial) element() *etree.Element {
	e := etree.NewElement("Dial")
	e.CreateAttr("phoneNumbers", strings.Join(a.PhoneNumbers, ","))
	setBool(e, "record", a.Record)
	setBool(e, "sequential", a.Sequential)
	setAttr(e, "callerId", a.CallerID)
	setAttr(e, "ringBackTone", a.RingBackTone)
	setInt(e, "maxDuration", a.MaxDuration)
	return e
}

func (a Record) element() *etree.Element {
	e := etree.NewElement("Record")
	setAttr(e, "finishOnKey", a.FinishOnKey)
	setInt(e, "maxLength", a.MaxLength)
	setInt(e, "timeout", a.Timeout)
	setBool(e, "trimSilence", a.TrimSilence)
	setBool(e, "playBeep", a.PlayBeep)
	setAttr(e, "callbackUrl", a.CallbackURL)
	if a.Prompt == nil {
		// A partial Record without a prompt would read as the terminal
		// form; rules.go refuses an attributed Record with no prompt.
		return e
	}
	addPrompt(e, a.Prompt)
	return e
}

func (RecordCall) element() *etree.Element { return etree.NewElement("Record") }

func (a Enqueue) element() *etree.Element {
	e := etree.NewElement("Enqueue")
	setAttr(e, "holdMusic", a.HoldMusic)
	setAttr(e, "name", a.Name)
	return e
}

func (a Dequeue) element() *etree.Element {
	e := etree.NewElement("Dequeue")
	e.CreateAttr("phoneNumber", a.PhoneNumber)
	setAttr(e, "name", a.Name)
	return e
}

func (Conference) element() *etree.Element { return etree.NewElement("Conference") }

func (a Redirect) element() *etree.Element {
	e := etree.NewElement("Redirect")
	e.SetText(a.URL)
	return e
}

func (Reject) element() *etree.Element { return etree.NewElement("Reject") }

// addPrompt adds p, or leaves e without one for the rules to refuse.
func addPrompt(e *etree.Element, p Prompt) {
	if p != nil {
		e.AddChild(p.element())
	}
}

// setAttr writes an optional attribute: empty means "AT's default".
func setAttr(e *etree.Element, name, v string) {
	if v != "" {
		e.CreateAttr(name, v)
	}
}

// setBool writes a flag only when true: every AT flag defaults to false.
func setBool(e *etree.Element, name string, v bool) {
	if v {
		e.CreateAttr(name, "true")
	}
}

// setInt writes a non-zero count; a negative one is written as is so the
// rules refuse it by name rather than silently dropping it.
func setInt(e *etree.Element, name string, v int) {
	if v != 0 {
		e.CreateAttr(name, strconv.Itoa(v))
	}
}
