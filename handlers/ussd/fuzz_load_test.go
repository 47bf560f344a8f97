package ussd

import (
	"io"
	"os"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must answer with a
// menu set or problems, never panic; what loads must also graph.
func FuzzLoad(f *testing.F) {
	f.Add(demoYAML)
	f.Add([]byte(baseFlow))
	if savings, err := os.ReadFile("../../testdata/ussd/savings.yaml"); err == nil {
		f.Add(savings)
	}
	for _, s := range []string{"", "flow: [", "steps: {a: {end: x}}", "flow: a\nstart: a\nsteps:\n  a: {switch: [{when: [{var: x}], next: a}]}",
		"flow: a\nstart: a\nsteps:\n  a: {end: '{{.vars.a'}", "flow: a\nstart: a\nsteps:\n  a: {input: {text: x, save: x, next: a, validate: [{len: [3]}]}}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := LoadSources([]Source{{Name: "f.yaml", Data: data}}, DefaultOptions())
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		for _, fl := range set.Flows() {
			if err := set.Graph(io.Discard, fl.Name); err != nil {
				t.Fatalf("Graph(%s): %v", fl.Name, err)
			}
		}
	})
}
