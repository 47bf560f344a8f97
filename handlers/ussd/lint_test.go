package ussd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// baseFlow is valid; each lint case changes it.
const baseFlow = `flow: t
lang: {default: en, available: [en, sw]}
start: main
defaults:
  on_error: {end: Sorry}
steps:
  main:
    menu:
      text: {en: Main, sw: Kuu}
      options:
        - {label: Ask, next: amount}
        - {label: Bye, end: Bye}
  amount:
    input:
      text: Amount
      save: amount
      validate: [{numeric: true}]
      next: done
  done:
    end: "Got {{.vars.amount}}"
`

func loadOne(src string) (*MenuSet, error) {
	return LoadSources([]Source{{Name: "t.yaml", Data: []byte(src)}}, DefaultOptions())
}

func TestLint(t *testing.T) {
	long := strings.Repeat("long ", 40)
	for _, tc := range []struct {
		name, old, new string
		want           []string // substrings of the error; none: valid
	}{
		{"valid", "", "", nil},
		{"unknown key", "      save: amount", "      save: amount\n      colour: red",
			[]string{`t.yaml:17: flow t: step amount: unknown key "colour"; allowed here: text, save, validate`}},
		{"wrong type", "validate: [{numeric: true}]", "validate: {numeric: true}", []string{"t.yaml:17:", "cannot unmarshal"}},
		{"bad flow name", "flow: t", "flow: T-1", []string{`flow: "T-1" is not a flow name`}},
		{"unknown start", "start: main", "start: nope", []string{`start: "nope" is not a step`}},
		{"two kinds", "    end: \"Got", "    menu: {text: x, options: [{label: a, end: b}]}\n    end: \"Got", []string{"step done: has 2 kinds"}},
		{"unknown reference", "next: amount}", "next: amont}", []string{`step main: options[0] (key 1): "amont" is not a step`}},
		{"unreachable", "next: amount}", "end: x}", []string{`step amount: unreachable from start "main"`, `step done: unreachable`}},
		{"menu with no options", "        - {label: Ask, next: amount}\n        - {label: Bye, end: Bye}", "        []", []string{"step main: menu: no options"}},
		{"input with no next", "      next: done\n", "", []string{"step amount: input: no next"}},
		{"set with no next", "  done:\n", "  s: {set: {x: \"1\"}}\n  done:\n", []string{"step s: set: no next"}},
		{"switch with no default", "  done:\n", "  r:\n    switch:\n      - {when: {var: amount, eq: \"1\"}, next: done}\n  done:\n",
			[]string{"step r: switch: no default"}},
		{"key colliding with back", "{label: Bye, end: Bye}", "{key: \"0\", label: Bye, end: Bye}", []string{`step main: options[1]: key "0" collides with the navigation key back`}},
		{"key allowed when back is off", "      text: {en: Main", "      nav: {back: false}\n      text: {en: Main", nil},
		{"key colliding with more", "{label: Bye, end: Bye}", "{key: \"98\", label: Bye, end: Bye}", []string{`key "98" collides with the navigation key more`}},
		{"key colliding with home", "{label: Bye, end: Bye}", "{key: \"00\", label: Bye, end: Bye}", []string{`key "00" collides with the navigation key home`}},
		{"duplicate key", "{label: Bye, end: Bye}", "{key: \"1\", label: Bye, end: Bye}", []string{`options[1]: key "1" is also options[0]'s`}},
		{"key with a star", "{label: Bye, end: Bye}", "{key: \"1*\", label: Bye, end: Bye}", []string{`options[1]: key "1*"`}},
		{"static END over budget", "end: \"Got {{.vars.amount}}\"", "end: \"" + long + "\"", []string{"step done: end: the en screen is 44 characters over the budget of 160"}},
		{"static over budget in one language", "{en: Main, sw: Kuu}", "{en: Main, sw: \"" + long + "\"}", []string{"text with the first option: the sw screen is"}},
		{"menu pages when long", "{label: Bye, end: Bye}", "{label: \"" + strings.Repeat("b", 100) + "\", end: Bye}\n        - {label: \"" + strings.Repeat("c", 100) + "\", end: C}", nil},
		{"worst case over budget", "validate: [{numeric: true}]", "validate: [{len: [1, 160]}]", nil}, // a warning: TestLintWarnings
		{"missing translation", "      text: Amount", "      text: {en: Amount}", []string{"step amount: text: no sw translation (the flow declares en, sw)"}},
		{"undeclared language", "{en: Main, sw: Kuu}", "{en: Main, sw: Kuu, fr: Principal}", []string{`step main: text: language "fr" is not declared`}},
		{"built-in text untranslated", "available: [en, sw]", "available: [en, sw, fr]", []string{"texts.more: no fr translation", "step main: text: no fr translation"}},
		{"bad regex", "validate: [{numeric: true}]", "validate: [{regex: '[0-9'}]", []string{"step amount: validate[0].regex: error parsing regexp"}},
		{"two rules", "validate: [{numeric: true}]", "validate: [{numeric: true, regex: x}]", []string{"validate[0]: has 2 rules"}},
		{"between reversed", "validate: [{numeric: true}]", "validate: [{between: [9, 1]}]", []string{"validate[0].between: want [low, high]"}},
		{"bad phone", "validate: [{numeric: true}]", "validate: [{phone: KE}]", []string{`validate[0].phone: "KE"`}},
		{"unknown variable", "{{.vars.amount}}", "{{.vars.amuont}}", []string{`step done: end: {{.vars.amuont}} is not set by any step (known: amount`}},
		{"unknown data", "{{.vars.amount}}", "{{.phone}}", []string{`{{.phone}} is not template data; want one of .lang, .networkCode`}},
		{"secret shown", "      save: amount", "      save: amount\n      secret: true", []string{"{{.vars.amount}} is a secret input and must not be shown"}},
		{"template syntax", "{{.vars.amount}}", "{{.vars.amount", []string{"step done: end: bad template:"}},
		{"dot in range is not checked", "{{.vars.amount}}", "{{range .vars}}{{.x}}{{end}}", nil},
		{"remote without fallback", "defaults:\n  on_error: {end: Sorry}\n", "", nil}, // no remote step: nothing to fall back from
		{"remote send unknown", "      next: done\n", "      next: ask\n  ask:\n    remote: {send: [amonut], next: done}\n", []string{`step ask: remote.send: "amonut" is not set`}},
		{"remote timeout beyond hop", "      next: done\n", "      next: ask\n  ask:\n    remote: {timeout: 6s, next: done}\n", []string{"remote.timeout: 6s is beyond the hop budget 5s"}},
		{"condition on unknown var", "  done:\n", "  r:\n    switch:\n      - {when: {var: amt, gt: 5}, next: done}\n      - {default: done}\n  done:\n",
			[]string{`switch[0].when[0]: var "amt" is not set by any step`, "step r: unreachable"}},
		{"condition with two tests", "  done:\n", "  r:\n    switch:\n      - {when: {var: amount, gt: 5, eq: \"1\"}, next: done}\n      - {default: done}\n  done:\n",
			[]string{"switch[0].when[0]: has 2 tests"}},
		{"set an undeclared language", "{label: Bye, end: Bye}", "{label: Bye, set: {lang: fr}, end: Bye}", []string{`options[1].set.lang: "fr" is not a language the flow declares`}},
		{"save to a reserved name", "save: amount", "save: lang", []string{`variable "lang": want a name`}},
		{"negative attempts", "      save: amount", "      save: amount\n      max_attempts: -1", []string{"max_attempts: -1 is negative"}},
		{"bad service code", "flow: t\n", "flow: t\nservice_codes: [\"384\"]\n", []string{`service_codes: "384" is not a service code`}},
		{"unknown built-in text", "flow: t\n", "flow: t\ntexts: {mor: More}\n", []string{`texts: "mor" is not a built-in text`}},
		{"nav keys equal", "flow: t\n", "flow: t\nnav: {back: \"9\", more: \"9\"}\n", []string{`nav: back "9", home "00" and more "9" must differ`}},
		{"option without a way", "{label: Bye, end: Bye}", "{label: Bye}", []string{"options[1]: want exactly one of next (a step) or end (a text)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := baseFlow
			if tc.old != "" || tc.new != "" {
				if !strings.Contains(src, tc.old) {
					t.Fatalf("case does not apply: %q not in the base flow", tc.old)
				}
				src = strings.Replace(src, tc.old, tc.new, 1)
			}
			_, err := loadOne(src)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want problems %q, got none", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems do not include %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLintWarnings(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"worst case over budget", "validate: [{numeric: true}]", "validate: [{len: [1, 160]}]",
			"t.yaml:19: warning: flow t: step done: end: the en screen can be 8 characters over the budget of 160 GSM characters when its values are at their longest"},
		{"outside GSM", "text: Amount", "text: Amount’s", "step amount: text: the text has characters outside the GSM alphabet (’)"},
		{"reachable only from a remote reply", "      next: done\n", "      next: ask\n  ask:\n    remote: {next: done}\n  orphan:\n    end: O\n",
			`step orphan: unreachable from start "main" (unless a remote reply names it in next)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := loadOne(strings.Replace(baseFlow, tc.old, tc.new, 1))
			if err != nil {
				t.Fatalf("warnings must not fail the load: %v", err)
			}
			got := errors.Join(set.Warnings()...)
			if got == nil || !strings.Contains(got.Error(), tc.want) {
				t.Errorf("warnings do not include %q:\n%v", tc.want, got)
			}
		})
	}
}

func TestLintReportsEveryProblemAtOnce(t *testing.T) {
	src := strings.NewReplacer(
		"next: amount}", "next: amont}",
		"{{.vars.amount}}", "{{.vars.x}}",
		"validate: [{numeric: true}]", "validate: [{regex: '('}]",
	).Replace(baseFlow)
	_, err := loadOne(src)
	if err == nil {
		t.Fatal("want problems")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		`t.yaml:7: flow t: step main: options[0] (key 1): "amont" is not a step`,
		"t.yaml:13: flow t: step amount: validate[0].regex: error parsing regexp",
		`t.yaml:13: flow t: step amount: unreachable from start "main"`,
		`t.yaml:19: flow t: step done: unreachable from start "main"`,
		"t.yaml:19: flow t: step done: end: {{.vars.x}} is not set by any step",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("problem %d:\n%s\nwant prefix\n%s", i, lines[i], w)
		}
	}
}

func TestLoadAcrossFiles(t *testing.T) {
	flow := func(name, code string, deflt bool) Source {
		src := "flow: " + name + "\nservice_codes: [\"" + code + "\"]\nstart: m\nsteps:\n  m: {end: M}\n"
		if deflt {
			src += "default: true\n"
		}
		return Source{Name: name + ".yaml", Data: []byte(src)}
	}
	for _, tc := range []struct {
		name string
		srcs []Source
		want string
	}{
		{"distinct", []Source{flow("a", "*1#", true), flow("b", "*2#", false)}, ""},
		{"duplicate code", []Source{flow("a", "*1#", false), flow("b", "*1#", false)}, "b.yaml: flow b: service code *1# is also flow a's (a.yaml)"},
		{"duplicate flow", []Source{flow("a", "*1#", false), flow("a", "*2#", false)}, "a.yaml: flow a: flow name is also used by a.yaml"},
		{"two defaults", []Source{flow("a", "*1#", true), flow("b", "*2#", true)}, "b.yaml: flow b: default: flow a is the default already"},
		{"empty file", []Source{{Name: "e.yaml"}}, "e.yaml: the file is empty"},
		{"not YAML", []Source{{Name: "x.yaml", Data: []byte("flow: [")}}, "x.yaml:1:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadSources(tc.srcs, DefaultOptions())
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("want %q, got %v", tc.want, err)
			}
		})
	}
}

func TestLoadFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(baseFlow), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := LoadFiles([]string{good}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if f := set.Flows(); len(f) != 1 || f[0].File != good || !f[0].Default || f[0].Steps != 3 || len(f[0].Version) != 12 {
		t.Errorf("Flows() = %+v", f)
	}
	_, err = LoadFiles([]string{good, filepath.Join(dir, "missing.yaml")}, DefaultOptions())
	if err == nil || !strings.Contains(err.Error(), "missing.yaml: cannot read") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadFiles(nil, DefaultOptions()); err == nil {
		t.Error("no files: want an error")
	}
}

func TestRoute(t *testing.T) {
	set, err := LoadSources([]Source{
		{Name: "a.yaml", Data: []byte("flow: a\nservice_codes: ['*384*1#']\nstart: m\nsteps:\n  m: {end: A}\n")},
		{Name: "b.yaml", Data: []byte("flow: b\nservice_codes: ['*384*1*5#']\ndefault: true\nstart: m\nsteps:\n  m: {end: B}\n")},
	}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		code, flow string
		typed      []string
	}{
		{"*384*1#", "a", nil},
		{"*384*1*2#", "a", []string{"2"}},
		{"*384*1*2*30#", "a", []string{"2", "30"}},
		{"*384*1*5#", "b", nil},             // its own code, not a's with 5
		{"*384*1*5*7#", "b", []string{"7"}}, // the longest code wins
		{"*384*12#", "b", nil},              // not a's code with more: the default
		{"*999#", "b", nil},
	} {
		f, typed := set.route(tc.code)
		if f.name != tc.flow || strings.Join(typed, ",") != strings.Join(tc.typed, ",") {
			t.Errorf("route(%s) = %s %q, want %s %q", tc.code, f.name, typed, tc.flow, tc.typed)
		}
	}
}
