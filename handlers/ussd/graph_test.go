package ussd

import (
	"strings"
	"testing"
)

func TestGraph(t *testing.T) {
	set, err := LoadSources([]Source{{Name: "g.yaml", Data: []byte(`flow: g
start: main
defaults: {on_error: {end: "Down \"now\""}}
steps:
  main:
    menu:
      text: "Pick #1"
      options:
        - {label: Ask, next: route}
        - {label: Bye, end: Bye}
  route:
    switch:
      - {when: {var: lang, in: [sw, en]}, next: ask}
      - {default: end}
  ask:
    remote: {next: end}
  end:
    end: Done
`)}}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := set.Graph(&b, "g"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"flowchart TD",
		"start((start)) --> s_main",
		`s_main["main: Pick #35;1"]`,
		`s_main -->|"1. Ask"| s_route`,
		`end_1(["END Bye"])`,
		`s_main -->|"2. Bye"| end_1`,
		`s_route{"route"}`,
		`s_route -->|"lang in sw,en"| s_ask`,
		`s_route -->|"default"| s_end`, // "end" is reserved in Mermaid: ids are prefixed
		`s_ask[["ask: mlango.ussd.g.ask"]]`,
		`s_ask -.->|"on_error"| end_3`,
		`end_3(["END Down #quot;now#quot;"])`,
		`s_end(["end: END Done"])`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("graph lacks %s:\n%s", want, b.String())
		}
	}
	if err := set.Graph(&b, "nope"); err == nil || !strings.Contains(err.Error(), `no flow "nope" (loaded: g)`) {
		t.Errorf("unknown flow: %v", err)
	}
}
