package ussd

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFieldRefs(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"Hi {{.phoneNumber}}", "phoneNumber"},
		{"{{.vars.amount}} and {{.vars.name}}", "vars.amount vars.name"},
		{"{{if .vars.a}}{{.vars.b}}{{else}}{{.lang}}{{end}}", "vars.a vars.b lang"},
		{"{{with .vars.a}}{{.x}}{{end}}", "vars.a"}, // .x is the var's own dot
		{"{{range .vars}}{{.}}{{end}}{{$.vars.c}}", "vars vars.c"},
		{"{{printf \"%s\" .vars.d}}", "vars.d"},
		{"{{index .vars \"e\"}}", "vars"},
	} {
		tt, err := compileText("t", Text{anyLang: tc.src})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range fieldRefs(tt.tmpl[anyLang]) {
			got = append(got, strings.Join(r, "."))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("fieldRefs(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestExtremes(t *testing.T) {
	bound := func(ref []string) (int, bool) {
		if strings.Join(ref, ".") == "vars.amount" {
			return 5, true
		}
		return 0, false
	}
	for _, tc := range []struct {
		src, lo, hi string
		known       bool
	}{
		{"KES {{.vars.amount}}", "KES ", "KES xxxxx", true},
		{"{{if .vars.amount}}long branch{{else}}s{{end}}!", "s!", "long branch!", true},
		{"Hi {{.vars.name}}", "Hi ", "Hi ", false},
		{"{{range .vars}}x{{end}}", "", "", false},
		{"{{/* note */}}Fixed", "Fixed", "Fixed", true},
	} {
		tt, err := compileText("t", Text{anyLang: tc.src})
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, known := extremes(tt.tmpl[anyLang], bound)
		if lo != tc.lo || known != tc.known || known && hi != tc.hi {
			t.Errorf("extremes(%q) = %q, %q, %v; want %q, %q, %v", tc.src, lo, hi, known, tc.lo, tc.hi, tc.known)
		}
	}
}

func TestRenderPicksLanguage(t *testing.T) {
	tt, err := compileText("t", Text{"en": "Hello {{.vars.n}}", "sw": "Habari {{.vars.n}}"})
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"vars": map[string]string{"n": "Amani"}}
	for _, tc := range []struct{ lang, want string }{
		{"sw", "Habari Amani"}, {"en", "Hello Amani"}, {"fr", "Hello Amani"},
	} {
		if got, err := tt.render(tc.lang, "en", data); err != nil || got != tc.want {
			t.Errorf("render(%s) = %q, %v; want %q", tc.lang, got, err, tc.want)
		}
	}
	missing, _ := tt.render("en", "en", map[string]any{"vars": map[string]string{}})
	if missing != "Hello " {
		t.Errorf("a variable not yet set renders empty, got %q", missing)
	}
}

func TestTextJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Text
		err  bool
	}{
		{`"Hi"`, Text{anyLang: "Hi"}, false},
		{`{"en": "Hi", "sw": "Habari"}`, Text{"en": "Hi", "sw": "Habari"}, false},
		{`{"": "x", "en": "Hi"}`, Text{"en": "Hi"}, false},
		{`42`, nil, true},
	} {
		var got Text
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err != nil) != tc.err || !tc.err && len(got) != len(tc.want) {
			t.Errorf("Unmarshal(%s) = %v, %v", tc.in, got, err)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("Unmarshal(%s)[%q] = %q, want %q", tc.in, k, got[k], v)
			}
		}
	}
	if b, _ := json.Marshal(Text{anyLang: "Hi"}); string(b) != `"Hi"` {
		t.Errorf("Marshal plain = %s", b)
	}
}
