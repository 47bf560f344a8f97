package ussd

import (
	"encoding/json"
	"errors"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Text is a string shown to the caller, either one string for every
// language or one per language code: in YAML and JSON alike, `"Hello"` or
// `{en: Hello, sw: Habari}`. The language-neutral string is kept under the
// empty key.
type Text map[string]string

// anyLang is the key of a Text given as one plain string.
const anyLang = ""

// UnmarshalYAML implements yaml.Unmarshaler.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*t = Text{anyLang: n.Value}
		return nil
	case yaml.MappingNode:
		m := map[string]string{}
		if err := n.Decode(&m); err != nil {
			return err
		}
		if _, ok := m[anyLang]; ok {
			return errors.New("a translation needs a language code, not an empty key")
		}
		*t = m
		return nil
	}
	return &yaml.TypeError{Errors: []string{lineOf(n) + "want a text or a map of language to text"}}
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Text{anyLang: s}
		return nil
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return errors.New("want a string or an object of language to string")
	}
	delete(m, anyLang)
	*t = m
	return nil
}

// MarshalJSON writes a language-neutral Text as a plain string.
func (t Text) MarshalJSON() ([]byte, error) {
	if s, ok := t[anyLang]; ok && len(t) == 1 {
		return json.Marshal(s)
	}
	return json.Marshal(map[string]string(t))
}

// pick returns the text for lang, else for fallback, else the plain text,
// else any translation (the lowest language code, so it is stable).
func (t Text) pick(lang, fallback string) string {
	for _, k := range []string{lang, fallback, anyLang} {
		if s, ok := t[k]; ok {
			return s
		}
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return t[keys[0]]
}

// builtinTexts are the strings the engine itself shows, in English and
// Swahili; a flow overrides them or adds languages under `texts:`.
var builtinTexts = map[string]Text{
	"invalid":       {"en": "Invalid choice", "sw": "Chaguo si sahihi"},
	"invalid_input": {"en": "Invalid entry", "sw": "Jibu si sahihi"},
	"exhausted":     {"en": "Too many invalid attempts. Please dial again.", "sw": "Majaribio mengi mno. Tafadhali piga tena."},
	"more":          {"en": "More", "sw": "Zaidi"},
	"back":          {"en": "Back", "sw": "Rudi"},
	"home":          {"en": "Home", "sw": "Mwanzo"},
	"resume":        {"en": "You have an unfinished session.", "sw": "Una kipindi ambacho hakijakamilika."},
	"continue":      {"en": "Continue", "sw": "Endelea"},
	"start_again":   {"en": "Start again", "sw": "Anza upya"},
}

// resumeTexts are the built-in strings only the resume screen uses, so a
// flow need not translate them when resume is off.
var resumeTexts = map[string]bool{"resume": true, "continue": true, "start_again": true}

func lineOf(n *yaml.Node) string {
	if n == nil || n.Line == 0 {
		return ""
	}
	return "line " + strconv.Itoa(n.Line) + ": "
}
