package voicexml

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// kind is what an attribute's value must look like.
type kind int

const (
	kindBool      kind = iota + 1 // "true" or "false", as AT writes them
	kindPositive                  // a positive decimal integer
	kindURL                       // an absolute http or https URL
	kindPhone                     // an E.164 number
	kindPhoneList                 // comma-separated E.164 numbers or SIP addresses
	kindKey                       // one keypad key: 0-9, * or #
	kindVoice                     // a voice name: letters, digits, '-' and '_'
	kindName                      // a queue name: printable, no spaces
)

// content is what an element may hold between its tags.
type content int

const (
	contentNone   content = iota // empty: <Play url="..."/>
	contentText                  // non-blank text, no elements: Say
	contentURL                   // an absolute URL as text: Redirect
	contentPrompt                // exactly one Say or Play: GetDigits, Record
)

// rule is what AT accepts for one element.
type rule struct {
	attrs    map[string]kind
	required []string
	content  content
	// terminal: AT runs nothing after it, so an action after it is a
	// mistake in the script (docs/voice.md, "What Validate refuses").
	terminal bool
}

// rules holds every action AT documents (reference section 5c). Record is
// special-cased in ruleFor: bare, it is the terminal form.
var rules = map[string]rule{
	"Say":  {attrs: map[string]kind{"voice": kindVoice, "playBeep": kindBool}, content: contentText},
	"Play": {attrs: map[string]kind{"url": kindURL}, required: []string{"url"}},
	"GetDigits": {attrs: map[string]kind{"numDigits": kindPositive, "timeout": kindPositive,
		"finishOnKey": kindKey, "callbackUrl": kindURL}, content: contentPrompt},
	// ringbackTone: AT's own XML sample spells it so (reference Uncertain #9).
	"Dial": {attrs: map[string]kind{"phoneNumbers": kindPhoneList, "record": kindBool, "sequential": kindBool,
		"callerId": kindPhone, "ringBackTone": kindURL, "ringbackTone": kindURL, "maxDuration": kindPositive},
		required: []string{"phoneNumbers"}},
	"Record": {attrs: map[string]kind{"finishOnKey": kindKey, "maxLength": kindPositive, "timeout": kindPositive,
		"trimSilence": kindBool, "playBeep": kindBool, "callbackUrl": kindURL}, content: contentPrompt},
	"Enqueue":    {attrs: map[string]kind{"holdMusic": kindURL, "name": kindName}},
	"Dequeue":    {attrs: map[string]kind{"phoneNumber": kindPhone, "name": kindName}, required: []string{"phoneNumber"}},
	"Conference": {},
	"Redirect":   {content: contentURL, terminal: true},
	"Reject":     {terminal: true},
}

// terminalRecord is <Record/> with no attributes and no prompt.
var terminalRecord = rule{terminal: true}

// ruleFor finds e's rule; a Record with neither attributes nor child
// elements is the terminal form.
func ruleFor(e *etree.Element) (rule, bool) {
	r, ok := rules[e.Tag]
	if !ok || e.Space != "" {
		return rule{}, false
	}
	if e.Tag == "Record" && len(e.Attr) == 0 && len(e.ChildElements()) == 0 {
		return terminalRecord, true
	}
	return r, true
}

// checkResponse checks a <Response> element and every action in it.
func checkResponse(root *etree.Element) error {
	if root.Space != "" || root.Tag != "Response" {
		return fmt.Errorf("root element is <%s>, want <Response>", root.FullTag())
	}
	if len(root.Attr) > 0 {
		return fmt.Errorf("Response: unexpected attribute %s", root.Attr[0].FullKey())
	}
	if err := checkText(root, "Response"); err != nil {
		return err
	}
	var after string
	for i, e := range root.ChildElements() {
		path := fmt.Sprintf("Response/%s[%d]", e.FullTag(), i+1)
		if after != "" {
			return fmt.Errorf("%s: comes after %s, which ends the script; AT would never run it", path, after)
		}
		r, err := checkAction(e, path)
		if err != nil {
			return err
		}
		if r.terminal {
			after = e.Tag
		}
	}
	return nil
}

// checkAction checks one action and, for GetDigits and Record, its prompt.
func checkAction(e *etree.Element, path string) (rule, error) {
	r, ok := ruleFor(e)
	if !ok {
		return r, fmt.Errorf("%s: unknown element <%s>", path, e.FullTag())
	}
	if err := checkAttrs(e, r, path); err != nil {
		return r, err
	}
	return r, checkContent(e, r, path)
}

func checkAttrs(e *etree.Element, r rule, path string) error {
	for _, a := range e.Attr {
		k, ok := r.attrs[a.Key]
		if !ok || a.Space != "" {
			return fmt.Errorf("%s: unknown attribute %s", path, a.FullKey())
		}
		if err := checkValue(k, a.Value); err != nil {
			return fmt.Errorf("%s: attribute %s %s", path, a.Key, err)
		}
	}
	for _, name := range r.required {
		if e.SelectAttr(name) == nil {
			return fmt.Errorf("%s: required attribute %s is missing", path, name)
		}
	}
	if e.SelectAttr("ringBackTone") != nil && e.SelectAttr("ringbackTone") != nil {
		return fmt.Errorf("%s: both ringBackTone and ringbackTone are set", path)
	}
	return nil
}

func checkContent(e *etree.Element, r rule, path string) error {
	kids := e.ChildElements()
	switch r.content {
	case contentPrompt:
		if len(kids) != 1 {
			return fmt.Errorf("%s: needs exactly one Say or Play prompt, has %d elements", path, len(kids))
		}
		k := kids[0]
		kp := path + "/" + k.FullTag()
		if k.Space != "" || (k.Tag != "Say" && k.Tag != "Play") {
			return fmt.Errorf("%s: only Say or Play may appear inside %s", kp, e.Tag)
		}
		if _, err := checkAction(k, kp); err != nil {
			return err
		}
		return checkText(e, path)
	case contentText, contentURL:
		if len(kids) > 0 {
			return fmt.Errorf("%s: unexpected element <%s> inside %s", path, kids[0].FullTag(), e.Tag)
		}
		return checkBody(e, r.content, path)
	}
	if len(kids) > 0 {
		return fmt.Errorf("%s: unexpected element <%s>; %s takes no content", path, kids[0].FullTag(), e.Tag)
	}
	return checkText(e, path)
}

// checkBody checks the text of Say (any non-blank text) and Redirect (a URL).
func checkBody(e *etree.Element, c content, path string) error {
	text := strings.TrimSpace(e.Text())
	if text == "" {
		return fmt.Errorf("%s: %s has no text", path, e.Tag)
	}
	if c == contentURL {
		if err := checkValue(kindURL, text); err != nil {
			return fmt.Errorf("%s: %s", path, err)
		}
	}
	return validChars(path, e.Text())
}

// checkText refuses non-blank text where only elements belong, such as
// loose words between actions, which AT would not speak.
func checkText(e *etree.Element, path string) error {
	for _, t := range e.Child {
		if cd, ok := t.(*etree.CharData); ok && strings.TrimSpace(cd.Data) != "" {
			return fmt.Errorf("%s: unexpected text %s", path, strconv.Quote(clip(cd.Data)))
		}
	}
	return nil
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}
