package voice

import (
	_ "embed"
	"fmt"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the built-in default flow's source.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

func builtinDefault() *Flow {
	var p problems
	f := parseFlow(Source{Name: "default.yaml", Data: defaultYAML}, &p)
	if err := p.err(); err != nil || f == nil {
		// The embedded file is tested: this is a build bug.
		panic(fmt.Sprintf("voice: the built-in default flow does not load: %v", err))
	}
	return f
}
