package voice

import (
	"strings"
	"testing"
)

func TestDefaultFlowLoads(t *testing.T) {
	set, err := LoadSources(nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := set.For("+254711000000"); f == nil || f.Name != "default" || f.Start != "welcome" {
		t.Fatalf("default flow = %+v", f)
	}
}

func TestSupportLoads(t *testing.T) {
	set, err := LoadFiles([]string{"../../testdata/voice/support.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if f := set.For("+254711082000"); f.Name != "support" || f.Steps() != 6 {
		t.Fatalf("support flow = %+v", f)
	}
	if f := set.For("+254799999999"); f.Name != "default" {
		t.Fatalf("an unlisted number gets %q, want the built-in default", f.Name)
	}
}

// TestLoadReportsEveryProblem: one file with many faults names each.
func TestLoadReportsEveryProblem(t *testing.T) {
	src := `
flow: "bad flow"
numbers: ["0711000111"]
start: nowhere
steps:
  menu:
    - get_digits:
        say: "Press {{nmae}}"
        finish_on_key: "#"
        branches: {"1#": gone, "x": menu}
    - say: "never said"
  lost:
    - say: "Hello {{callerNumber"
    - dial: {numbers: ["0711"]}
  empty:
    - get_digits: {say: "no branches"}
  both:
    - {say: "a", play: "https://x.example/a.mp3"}
  far:
    - remote: {timeout: 1h, may_goto: [nope]}
  music:
    - play: "/relative.mp3"
`
	_, err := LoadSources([]Source{{Name: "bad.yaml", Data: []byte(src)}})
	if err == nil {
		t.Fatal("loaded a bad flow")
	}
	for _, want := range []string{
		`flow: "bad flow" is not a name`,
		`"0711000111" is not an E.164`,
		`start: "nowhere" is not a step`,
		`{{nmae}}: not a call field`,
		`"1#" ends with the finish key`,
		`"x" is not keypad digits`,
		`branches.1#: "gone" is not a step`,
		`get_digits must be the step's last action`,
		`{{ without }}`,
		`"0711"`,
		`steps.empty[0].get_digits: no branches and no any`,
		`steps.both[0]: want exactly one of`,
		`timeout: "1h"`,
		`may_goto: "nope" is not a step`,
		`steps.music[0]`,
		`steps.lost: unreachable`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
}

func TestLoadRefusesClashes(t *testing.T) {
	a := "flow: a\ndefault: true\nnumbers: [\"+254711000111\"]\nstart: s\nsteps: {s: [{say: hi}]}\n"
	b := "flow: b\ndefault: true\nnumbers: [\"+254711000111\"]\nstart: s\nsteps: {s: [{say: hi}]}\nextra: 1\n"
	c := "flow: a\ndefault: false\nstart: s\nsteps: {s: [{say: hi}]}\n"
	_, err := LoadSources([]Source{{"a.yaml", []byte(a)}, {"b.yaml", []byte(b)}, {"c.yaml", []byte(c)}})
	if err == nil {
		t.Fatal("loaded clashing flows")
	}
	for _, want := range []string{"b.yaml", "field extra not found", `flow "a" is defined twice`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
	_, err = LoadSources([]Source{{"a.yaml", []byte(a)}, {"b.yaml", []byte(strings.Replace(b, "extra: 1\n", "", 1))}})
	for _, want := range []string{"answered by flows", "both say default: true"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q: %v", want, err)
		}
	}
}

func TestStripFinishKey(t *testing.T) {
	cases := []struct{ digits, key, want string }{
		{"1234#", "#", "1234"}, {"1234", "#", "1234"}, {"#", "#", ""}, {"12##", "#", "12#"},
		{"12*", "*", "12"}, {"12#", "", "12#"}, {" 5 ", "", "5"},
	}
	for _, c := range cases {
		if got := StripFinishKey(c.digits, c.key); got != c.want {
			t.Errorf("StripFinishKey(%q, %q) = %q, want %q", c.digits, c.key, got, c.want)
		}
	}
}
